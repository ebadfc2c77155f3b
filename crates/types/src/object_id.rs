//! `ObjectId`: the one validated id type every generated client takes in a path (codegen's
//! `UnifyPathIds` fixup makes every `orgId`, `groupId`, `invitationId` and `userId` refer to it).
//!
//! Shared rather than generated because typify checks its pattern with a backtracking regex engine on
//! every conversion, which showed in the per-update profile of `invitations apply`; the check here is a
//! plain byte scan of the same pattern.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// The pattern every MongoDB resource id follows, as the fragments write it.
pub const OBJECT_ID_PATTERN: &str = "^([a-f0-9]{24})$";

/// Whether `value` is a MongoDB resource id: exactly 24 lowercase hexadecimal characters.
pub fn is_object_id(value: &str) -> bool {
    value.len() == 24
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A 24-hex MongoDB resource id.
#[derive(Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, JsonSchema)]
#[serde(transparent)]
pub struct ObjectId(#[schemars(regex(pattern = r"^([a-f0-9]{24})$"))] String);

/// A string that is not an [`ObjectId`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnObjectId;

impl std::fmt::Display for NotAnObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "doesn't match pattern \"{OBJECT_ID_PATTERN}\"")
    }
}

impl std::error::Error for NotAnObjectId {}

impl std::ops::Deref for ObjectId {
    type Target = String;

    fn deref(&self) -> &String {
        &self.0
    }
}

impl From<ObjectId> for String {
    fn from(value: ObjectId) -> Self {
        value.0
    }
}

impl std::str::FromStr for ObjectId {
    type Err = NotAnObjectId;

    fn from_str(value: &str) -> Result<Self, NotAnObjectId> {
        if is_object_id(value) {
            Ok(Self(value.to_owned()))
        } else {
            Err(NotAnObjectId)
        }
    }
}

impl TryFrom<&str> for ObjectId {
    type Error = NotAnObjectId;

    fn try_from(value: &str) -> Result<Self, NotAnObjectId> {
        value.parse()
    }
}

impl TryFrom<&String> for ObjectId {
    type Error = NotAnObjectId;

    fn try_from(value: &String) -> Result<Self, NotAnObjectId> {
        value.parse()
    }
}

impl TryFrom<String> for ObjectId {
    type Error = NotAnObjectId;

    fn try_from(value: String) -> Result<Self, NotAnObjectId> {
        if is_object_id(&value) {
            Ok(Self(value))
        } else {
            Err(NotAnObjectId)
        }
    }
}

impl<'de> Deserialize<'de> for ObjectId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .try_into()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exactly_24_lowercase_hex() {
        assert!("0123456789abcdef01234567".parse::<ObjectId>().is_ok());
        for bad in [
            "",
            "0123456789abcdef0123456",
            "0123456789abcdef012345678",
            "0123456789ABCDEF01234567",
            "0123456789abcdeg01234567",
            "0123456789abcdef0123456é",
            "../../../../../../../etc",
        ] {
            assert_eq!(bad.parse::<ObjectId>(), Err(NotAnObjectId), "{bad:?}");
        }
    }

    #[test]
    fn its_schema_keeps_the_pattern() {
        let schema = serde_json::to_value(schemars::schema_for!(ObjectId)).expect("schema");
        assert_eq!(schema["type"], "string");
        assert_eq!(schema["pattern"], OBJECT_ID_PATTERN);
    }

    #[test]
    fn reads_and_writes_a_bare_string() {
        let id: ObjectId = serde_json::from_str(r#""0123456789abcdef01234567""#).expect("id");
        assert_eq!(
            serde_json::to_string(&id).expect("written"),
            r#""0123456789abcdef01234567""#
        );
        let err = serde_json::from_str::<ObjectId>(r#""nope""#).expect_err("not an id");
        assert!(err.to_string().contains("doesn't match pattern"), "{err}");
    }
}
