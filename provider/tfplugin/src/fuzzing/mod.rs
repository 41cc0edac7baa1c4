//! Fuzz targets (issue #14). Each takes the fuzzer's bytes, runs them through the code that reads
//! what Terraform sends, and panics only when that code has a bug: a panic of its own, or a broken
//! promise the target checks (a value that was read can be written back, a plan Terraform would
//! accept). Errors for malformed input are the expected outcome, not a finding.
//!
//! The AFL++ harness in `provider/tfplugin/fuzz` builds one binary per target; the unit tests in
//! `replay` run the committed corpus and every past crash through the same functions.
//!
//! Input layouts:
//! - the codec and wire targets read a cty type, as its JSON type description, up to the first
//!   NUL byte, then the payload ([`typed`]); a missing or invalid description means `dynamic`, so
//!   every input still reaches the decoder;
//! - the plan target draws a whole schema and its values from the bytes ([`draw`]).

mod codecs;
mod draw;
mod plan;
#[cfg(test)]
mod replay;
#[cfg(test)]
mod seeds;
mod wire;

use crate::cty::Type;

pub use codecs::{json, msgpack, round_trip};
pub use plan::plan;
pub use wire::dynamic_value;

/// A fuzz target: the fuzzer's bytes in, a panic only for a bug.
pub type Target = fn(&[u8]);

/// Every target by name: the name is its binary in the harness and its folder in the corpus.
pub const TARGETS: &[(&str, Target)] = &[
    ("msgpack", msgpack),
    ("json", json),
    ("dynamic_value", dynamic_value),
    ("round_trip", round_trip),
    ("plan", plan),
];

/// Splits an input into the type it names and the payload after the first NUL byte.
pub fn typed(data: &[u8]) -> (Type, &[u8]) {
    match data.iter().position(|b| *b == 0) {
        Some(at) => {
            let ty = Type::from_json_bytes(&data[..at]).unwrap_or(Type::Dynamic);
            (ty, &data[at + 1..])
        }
        None => (Type::Dynamic, data),
    }
}

/// The input [`typed`] reads as `payload` of type `ty`: how seeds are written.
pub fn typed_input(ty: &Type, payload: &[u8]) -> Vec<u8> {
    let mut out = ty.to_json_bytes();
    out.push(0);
    out.extend_from_slice(payload);
    out
}
