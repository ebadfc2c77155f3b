//! Typed client for the invitation endpoints of MongoDB's Ops Manager public API v1.0, generated at build time by
//! progenitor from the committed Ops Manager fragment, derived from Atlas v1.0 by `spec/overlays/ops-manager-v1.yaml`.
//!
//! Everything in [`types`] and the methods of [`Client`] are generated; see [`operations::OPERATIONS`] for
//! the method, path, media type and deprecation of each operation. Most users want the
//! `mongodb-invitations` facade instead, which offers one API over all three flavours.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[allow(missing_docs, unreachable_pub, unused_qualifications, clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}

pub use generated::*;

/// The transport the client sends through (authentication, retries, timeouts), re-exported so callers
/// build it from the same version.
pub use transport;

/// The operation table generated from the fragment.
pub mod operations {
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));

    /// The row for an operationId, if this client has that operation.
    pub fn find(operation_id: &str) -> Option<&'static Operation> {
        OPERATIONS
            .binary_search_by(|op| op.operation_id.cmp(operation_id))
            .ok()
            .map(|i| &OPERATIONS[i])
    }

    /// The row for a generated method name (what progenitor's hooks receive as the operation id).
    pub fn find_by_method(method_name: &str) -> Option<&'static Operation> {
        OPERATIONS.iter().find(|op| op.method_name == method_name)
    }
}

/// The contract snapshot generated with this build, compared with the committed `contract.txt` by the
/// workspace tests.
#[doc(hidden)]
pub const CONTRACT_SNAPSHOT: &str = include_str!(concat!(env!("OUT_DIR"), "/contract.txt"));
