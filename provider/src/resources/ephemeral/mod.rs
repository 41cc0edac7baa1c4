//! Ephemeral resources (Terraform 1.10+): values a run opens, uses (in write-only attributes,
//! provider configurations, provisioners) and forgets. Nothing here is ever in plan or state.

pub mod cluster_auth;
pub mod psk;
