//! Typed client for the invitation endpoints of MongoDB's Atlas Administration API v2, generated at build time by
//! progenitor from the committed v2 fragment; invitation operations are deprecated by MongoDB (sunset 2027-07-01) and the successor `updateOrgUser` is included.
//!
//! Everything in [`types`] and the methods of [`Client`] are generated; see [`operations::OPERATIONS`] for
//! the method, path, media type and deprecation of each operation. Most users want the
//! `mongodb-invitations` facade instead, which offers one API over all three flavours.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/crate.rs"));
