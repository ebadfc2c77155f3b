//! Validated identifiers: MongoDB resource ids and the invitee's username.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// Checks the shape every MongoDB resource id has: 24 lowercase hexadecimal characters.
fn check_hex24(what: &'static str, value: &str) -> Result<(), ValidationError> {
    if invitation_types::is_object_id(value) {
        Ok(())
    } else {
        Err(ValidationError::InvalidId {
            what,
            value: value.to_string(),
        })
    }
}

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        ///
        /// Always 24 lowercase hexadecimal characters; parsing anything else is a
        /// [`ValidationError::InvalidId`].
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The id as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                check_hex24($what, s)?;
                Ok(Self(s.to_string()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                check_hex24($what, &s)?;
                Ok(Self(s))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

hex_id!(
    /// An organization id (`orgId`).
    OrgId,
    "organization id"
);
hex_id!(
    /// A project id (`groupId`: projects were called groups, and the API still says so).
    ProjectId,
    "project id"
);
hex_id!(
    /// A pending invitation's id (`invitationId`).
    InvitationId,
    "invitation id"
);
hex_id!(
    /// A team id (`teamIds`).
    TeamId,
    "team id"
);
hex_id!(
    /// A MongoDB Cloud user id (`userId`), as the v2 successor endpoint takes it.
    UserId,
    "user id"
);

/// The invitee's username: the email address the invitation was sent to.
///
/// Checked for the shape of an address (one `@`, something on each side, a dot in the domain, no spaces or
/// control characters, at most 254 characters); whether the mailbox exists is the server's business.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn check(s: &str) -> Result<(), ValidationError> {
        let bad = |problem: &'static str| ValidationError::InvalidUsername {
            value: s.to_string(),
            problem,
        };
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        if s.len() > 254 {
            return Err(bad("it is longer than 254 characters"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it contains spaces or control characters"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(bad("it has no @"));
        };
        if local.is_empty() || local.contains('@') {
            return Err(bad("it needs exactly one @ with a name before it"));
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(bad("its domain is not a host name"));
        }
        Ok(())
    }
}

impl FromStr for Username {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::check(s)?;
        Ok(Self(s.to_string()))
    }
}

impl TryFrom<String> for Username {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::check(&s)?;
        Ok(Self(s))
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_24_lowercase_hex() {
        assert!("5a0a1e7e0f2912c554080adc".parse::<OrgId>().is_ok());
        for bad in [
            "",
            "5A0A1E7E0F2912C554080ADC",
            "5a0a1e7e0f2912c554080ad",
            "5a0a1e7e0f2912c554080adcc",
            "zz0a1e7e0f2912c554080adc",
        ] {
            let err = bad.parse::<ProjectId>().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("invalid project id {bad:?}: expected 24 lowercase hexadecimal characters")
            );
        }
    }

    #[test]
    fn usernames_look_like_addresses() {
        assert!("ada+ops@example.com".parse::<Username>().is_ok());
        for (bad, problem) in [
            ("", "it is empty"),
            ("ada", "it has no @"),
            (
                "@example.com",
                "it needs exactly one @ with a name before it",
            ),
            (
                "a@b@example.com",
                "it needs exactly one @ with a name before it",
            ),
            ("ada@localhost", "its domain is not a host name"),
            (
                "ada lovelace@example.com",
                "it contains spaces or control characters",
            ),
        ] {
            let err = bad.parse::<Username>().unwrap_err();
            assert!(err.to_string().ends_with(problem), "{bad:?}: {err}");
        }
    }
}
