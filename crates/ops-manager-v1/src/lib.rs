//! Typed client for the invitation endpoints of MongoDB's Ops Manager public API v1.0, generated at build time by
//! progenitor from the committed Ops Manager fragment, derived from Atlas v1.0 by `spec/overlays/ops-manager-v1.yaml`.
//!
//! Everything in [`types`] and the methods of [`Client`] are generated; see [`operations::OPERATIONS`] for
//! the method, path, media type and deprecation of each operation. Most users want the
//! `mongodb-invitations` facade instead, which offers one API over all three flavours.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/crate.rs"));
