//! What the transport authenticates with. Secret halves live in `secrecy` types so that `Debug` and logs
//! never show them; the public halves (API public key, client id) are identifiers and stay visible.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::error::BuildError;

/// Credentials for every request a [`Transport`](crate::Transport) sends.
#[derive(Clone, Default)]
pub struct Credentials(pub(crate) Kind);

#[derive(Clone, Default)]
pub(crate) enum Kind {
    /// No `Authorization` header at all.
    #[default]
    None,
    /// HTTP Digest (RFC 7616) with a programmatic API key pair.
    Digest {
        public_key: String,
        private_key: SecretString,
    },
    /// OAuth 2.0 client credentials (an Atlas service account).
    ServiceAccount {
        client_id: String,
        client_secret: SecretString,
    },
}

impl Credentials {
    /// A programmatic API key: the public key is the Digest username, the private key its password.
    pub fn digest(public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        Self(Kind::Digest {
            public_key: public_key.into(),
            private_key: SecretString::from(private_key.into()),
        })
    }

    /// A service account: its client id and secret are exchanged for bearer tokens.
    pub fn service_account(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self(Kind::ServiceAccount {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        })
    }

    /// No authentication (for servers that need none, or for tests of the unauthenticated path).
    pub fn none() -> Self {
        Self(Kind::None)
    }

    /// The public half: the API public key or the service account's client id (`None` without
    /// credentials). Safe to show: it names the credentials without granting anything.
    pub fn principal(&self) -> Option<&str> {
        match &self.0 {
            Kind::None => None,
            Kind::Digest { public_key, .. } => Some(public_key),
            Kind::ServiceAccount { client_id, .. } => Some(client_id),
        }
    }

    /// [`Credentials::principal`] saying which kind it is.
    pub(crate) fn principal_named(&self) -> Option<crate::auth_failure::Principal> {
        use crate::auth_failure::Principal;
        match &self.0 {
            Kind::None => None,
            Kind::Digest { public_key, .. } => Some(Principal::PublicKey(public_key.clone())),
            Kind::ServiceAccount { client_id, .. } => Some(Principal::ClientId(client_id.clone())),
        }
    }

    /// Checks the values before any request is sent: empty or control characters are typed errors.
    pub(crate) fn validate(&self) -> Result<(), BuildError> {
        let check = |what: &'static str, value: &str| {
            if value.is_empty() {
                Err(BuildError::InvalidCredentials {
                    what,
                    problem: "is empty",
                })
            } else if value.chars().any(char::is_control) {
                Err(BuildError::InvalidCredentials {
                    what,
                    problem: "contains control characters",
                })
            } else {
                Ok(())
            }
        };
        match &self.0 {
            Kind::None => Ok(()),
            Kind::Digest {
                public_key,
                private_key,
            } => {
                check("public API key", public_key)?;
                check("private API key", private_key.expose_secret())
            }
            Kind::ServiceAccount {
                client_id,
                client_secret,
            } => {
                check("client id", client_id)?;
                // Basic auth joins id and secret with ':', so the id cannot hold one.
                if client_id.contains(':') {
                    return Err(BuildError::InvalidCredentials {
                        what: "client id",
                        problem: "contains ':'",
                    });
                }
                check("client secret", client_secret.expose_secret())
            }
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::None => f.write_str("Credentials::None"),
            Kind::Digest { public_key, .. } => f
                .debug_struct("Credentials::Digest")
                .field("public_key", public_key)
                .field("private_key", &crate::redact::REDACTED)
                .finish(),
            Kind::ServiceAccount { client_id, .. } => f
                .debug_struct("Credentials::ServiceAccount")
                .field("client_id", client_id)
                .field("client_secret", &crate::redact::REDACTED)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_identifiers_but_never_secrets() {
        let digest = format!("{:?}", Credentials::digest("PUBKEY", "priv-7f3a"));
        assert!(digest.contains("PUBKEY"), "{digest}");
        assert!(!digest.contains("priv-7f3a"), "{digest}");
        let account = format!(
            "{:#?}",
            Credentials::service_account("mdb_sa_id", "mdb_sa_sk_9")
        );
        assert!(account.contains("mdb_sa_id"), "{account}");
        assert!(!account.contains("mdb_sa_sk_9"), "{account}");
    }

    #[test]
    fn bad_values_are_typed_errors_naming_the_field_not_the_value() {
        let err = Credentials::digest("", "x").validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid credentials: public API key is empty"
        );
        let err = Credentials::digest("P", "se\ncret").validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid credentials: private API key contains control characters"
        );
        assert!(!format!("{err:?}").contains("se\ncret"));
        let err = Credentials::service_account("a:b", "s")
            .validate()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid credentials: client id contains ':'"
        );
        assert!(Credentials::none().validate().is_ok());
    }
}
