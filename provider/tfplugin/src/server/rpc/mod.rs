//! One file per RPC family: each turns protocol messages into framework requests, runs the
//! provider's code (panics caught), and turns the responses back into messages.

pub(super) mod action;
pub(super) mod data;
pub(super) mod ephemeral;
pub(super) mod function;
pub(super) mod identity;
pub(super) mod list;
pub(super) mod meta;
pub(super) mod resource;
