//! The workspace integration tests: one test binary, one module per area.

// Short names for the generated crates, visible in every module (an `extern crate` alias at the crate root
// joins the extern prelude).
extern crate mongodb_atlas_v1_invitations as atlas_v1;
extern crate mongodb_atlas_v2_invitations as atlas_v2;
extern crate mongodb_ops_manager_v1_invitations as ops_manager_v1;

mod bump;
mod codegen_guard;
mod contract;
mod corpus;
mod diff;
mod examples;
mod facade;
mod fake;
mod future_sizes;
mod pull;
mod renames;
mod sunset;
mod transport;
mod users_wire;
mod wire;
