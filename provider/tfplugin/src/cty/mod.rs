//! The cty value layer: Terraform's type system, an untyped value tree, and
//! the msgpack and JSON encodings used on the plugin protocol.
//!
//! - `types`: [`Type`] and its JSON type encoding;
//! - `number`: arbitrary-precision [`Number`]s;
//! - `value`: the [`Value`] tree (types are supplied by the codecs' callers);
//! - `path`: [`Path`]s locating parts of values;
//! - `msgpack` and `json`: the two codecs ([`to_msgpack`], [`from_json`], ...),
//!   with the checks they share in `encode`;
//! - `error`: [`CtyError`], which always names the path of the problem.

mod encode;
mod error;
mod json;
mod msgpack;
mod number;
mod path;
mod types;
mod value;

#[cfg(test)]
mod proptests;

pub use error::CtyError;
pub use json::{UNKNOWN_MARKER, from_json, from_json_lenient, from_json_with_unknowns, to_json};
pub use msgpack::{from_msgpack, to_msgpack};
pub use number::Number;
pub use path::{Path, PathStep};
pub use types::{ObjectType, Type};
pub use value::Value;
