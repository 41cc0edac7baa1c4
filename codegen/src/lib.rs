//! multicloud's code generator: Terraform modules and environments as typed Rust values, rendered
//! through `hcl-rs` into the byte-for-byte `terraform fmt` layout.

pub mod schema_double;
