//! Exit codes and how failures are reported.

use std::process::ExitCode;

use mongodb_invitations::Error;
use serde_json::{Value, json};

/// The process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Exit {
    /// Everything succeeded.
    Ok = 0,
    /// The API answered with an error.
    Api = 1,
    /// Invalid input or usage; nothing was sent.
    Invalid = 2,
    /// No usable answer.
    Transport = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// The exit status an error maps to.
pub(crate) fn exit_for(error: &Error) -> Exit {
    match error {
        Error::Validation(_) | Error::Configuration(_) | Error::NoSuccessor { .. } => Exit::Invalid,
        Error::Api(_)
        | Error::RateLimited { .. }
        | Error::VersionGone { .. }
        | Error::NotInvited { .. }
        | Error::Authentication { .. } => Exit::Api,
        Error::PartialRoleChange { source, .. } => exit_for(source),
        _ => Exit::Transport,
    }
}

/// A failure as one JSON object: the `ApiError` for API errors, `{"error": kind, "message"}` otherwise
/// (with `"reason"` for a refused authentication).
pub(crate) fn error_json(error: &Error) -> Value {
    if let Some(api) = error.api_error() {
        return serde_json::to_value(api).unwrap_or_else(|_| json!({"message": error.to_string()}));
    }
    let kind = match error {
        Error::Validation(_) | Error::Configuration(_) => "invalid-input",
        Error::Transport { .. } => "transport",
        Error::UndecodableResponse { .. } => "undecodable-response",
        Error::NoSuccessor { .. } => "no-successor",
        Error::NotInvited { .. } => "not-invited",
        Error::PageLimit { .. } => "page-limit",
        Error::PartialRoleChange {
            applied,
            failed,
            source,
        } => {
            return json!({
                "error": "partial-role-change",
                "applied": applied,
                "failed": failed,
                "cause": error_json(source),
                "message": error.to_string(),
            });
        }
        Error::Authentication { reason, .. } => {
            return json!({
                "error": "authentication",
                "reason": reason.code(),
                "message": error.to_string(),
            });
        }
        _ => "error",
    };
    json!({"error": kind, "message": error.to_string()})
}

/// Reports a failed single command on stderr and returns its exit status.
pub(crate) fn report(error: &Error) -> Exit {
    let exit = exit_for(error);
    if exit == Exit::Api && error.api_error().is_some() {
        eprintln!("{}", error_json(error));
    } else {
        eprintln!("error: {error}");
    }
    exit
}

/// Prints a value on stdout, indented when asked.
pub(crate) fn print_json(value: &impl serde::Serialize, pretty: bool) {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    match text {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot print the result: {e}"),
    }
}
