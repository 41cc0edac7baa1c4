//! The Terraform side of multicloud: the plugin protocol 6 server (go-plugin handshake, AutoMTLS,
//! controller, health) and a small resource framework (cty values, schemas, planning rules,
//! diagnostics). Resources and cloud clients live in the provider crate and never touch protocol
//! messages: they see typed [`cty::Value`]s, declared [`schema::Schema`]s and [`diag::Diagnostics`].

pub mod consistency;
mod convert;
pub mod cty;
pub mod diag;
pub mod framework;
pub mod function;
pub mod logging;
pub mod plan;
pub mod proto;
pub mod schema;
pub mod server;
pub mod typed;
pub mod validators;

pub use cty::{Path, Type, Value};
pub use diag::{Diagnostic, Diagnostics};
pub use framework::{ApplyError, Ctx, DataSource, PlanRequest, Provider, Resource};
pub use schema::{Attribute, Block, NestedBlock, Schema};
