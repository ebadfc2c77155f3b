//! The `ApiError` body every error status carries.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::{Value, json};

/// One entry of `badRequestDetail.fields`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct FieldViolation {
    pub(crate) field: String,
    pub(crate) description: String,
}

impl FieldViolation {
    pub(crate) fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        FieldViolation {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// An error answer before rendering: status, `errorCode`, prose, and extra headers.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) detail: String,
    pub(crate) fields: Vec<FieldViolation>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiFailure {
    pub(crate) fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiFailure {
            status,
            code,
            detail: detail.into(),
            fields: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// 400 `VALIDATION_ERROR` listing the offending fields.
    pub(crate) fn validation(fields: Vec<FieldViolation>) -> Self {
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        let detail = format!("Invalid attribute(s): {}.", names.join(", "));
        ApiFailure {
            fields,
            ..ApiFailure::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", detail)
        }
    }

    pub(crate) fn not_found(code: &'static str, what: &str, id: &str) -> Self {
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            code,
            format!("Cannot find {what} {id}."),
        )
    }

    pub(crate) fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The JSON body: `{"error", "errorCode", "reason", "detail", "parameters"}` and, for validation
    /// failures, `badRequestDetail.fields`.
    pub(crate) fn body(&self) -> Value {
        let mut body = json!({
            "error": self.status.as_u16(),
            "errorCode": self.code,
            "reason": self.status.canonical_reason().unwrap_or("Error"),
            "detail": self.detail,
            "parameters": [],
        });
        if !self.fields.is_empty() {
            body["badRequestDetail"] = json!({ "fields": self.fields });
        }
        body
    }
}
