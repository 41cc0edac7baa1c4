//! The Terraform side of multicloud: the plugin protocol 6 server (go-plugin handshake, AutoMTLS,
//! controller, health) and a resource framework (cty values, schemas, planning, typed models,
//! diagnostics). Resources and cloud clients live in the provider crate and never touch protocol
//! messages: they see request and response structs holding [`cty::Value`]s, declared
//! [`schema::Schema`]s and [`diag::Diagnostics`].

pub mod consistency;
mod convert;
pub mod cty;
pub mod diag;
pub mod framework;
pub mod function;
// Fuzz targets: the AFL++ harness (fuzz/) builds them with the `fuzzing` feature; the unit tests
// replay the committed corpus through them.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod logging;
pub mod plan;
pub mod plan_modifier;
pub mod proto;
pub mod schema;
pub mod server;
pub mod typed;
pub mod validators;

pub use cty::{Path, Type, Value};
pub use diag::{Diagnostic, Diagnostics};
pub use framework::{Ctx, DataSource, Provider, Resource};
pub use schema::{Attribute, Block, NestedBlock, Schema};
pub use typed::Field;
