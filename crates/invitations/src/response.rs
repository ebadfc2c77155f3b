//! What a successful operation returns besides its value.

/// A decoded answer with what the server said about the operation's future.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    /// The decoded value.
    pub value: T,
    /// The HTTP status (for enveloped answers, the status inside the envelope).
    pub status: u16,
    /// The operation's stable name (`spec/operations.toml`), the same in every flavour and revision.
    pub operation: &'static str,
    /// Upstream's operationId for it in the spec revision this client was generated from.
    pub operation_id: &'static str,
    /// The stable name of the operation MongoDB recommends instead, when this one is deprecated.
    pub successor: Option<&'static str>,
    /// The `Deprecation` response header, when the server sent one.
    pub deprecation: Option<String>,
    /// The `Sunset` response header, or else the sunset date the spec announces for the operation.
    pub sunset: Option<String>,
    /// Whether the spec marks the operation deprecated.
    pub deprecated: bool,
}

impl<T> Response<T> {
    /// The value, dropping the metadata.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The same answer with its value transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            status: self.status,
            operation: self.operation,
            operation_id: self.operation_id,
            successor: self.successor,
            deprecation: self.deprecation,
            sunset: self.sunset,
            deprecated: self.deprecated,
        }
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}
