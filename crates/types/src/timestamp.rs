//! `date-time` fields as RFC 3339 text, read and written in one step.
//!
//! For `#[serde(with = "invitation_types::timestamp")]` on an `Option<DateTime<Utc>>`. The values are the
//! ones chrono's own serde support reads and writes; what differs is the cost, which showed in the
//! per-update profile of `invitations apply`: chrono writes a timestamp as a stream of small pieces, each
//! escaped by serde_json on its own, and reads it with its relaxed parser first. Here a timestamp is
//! formatted once and written as one string, and read with the strict RFC 3339 parser, falling back to
//! chrono's relaxed one so that everything chrono accepted is still accepted.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde::{Deserializer, Serializer, de};

/// Writes `Some` as chrono does (`2026-01-09T16:36:00Z`, fractional seconds only when present) and
/// `None` as `null`.
pub fn serialize<S: Serializer>(value: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        None => s.serialize_none(),
    }
}

/// Reads an RFC 3339 string, or `null`, as chrono does.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    d.deserialize_option(OptionalVisitor)
}

/// Parses one timestamp: the strict form first (what MongoDB sends), then chrono's relaxed form.
fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| text.parse::<DateTime<FixedOffset>>())
        .map(|t| t.with_timezone(&Utc))
}

struct OptionalVisitor;

impl<'de> de::Visitor<'de> for OptionalVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an RFC 3339 date and time, or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(TextVisitor).map(Some)
    }
}

struct TextVisitor;

impl de::Visitor<'_> for TextVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an RFC 3339 date and time")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        parse(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Mine(#[serde(with = "super")] Option<DateTime<Utc>>);

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Chronos(Option<DateTime<Utc>>);

    #[test]
    fn reads_and_writes_what_chrono_does() {
        for text in [
            r#""2026-01-09T16:36:00Z""#,
            r#""2026-01-09T16:36:00.250Z""#,
            r#""2026-01-09T18:36:00+02:00""#,
            r#""2026-01-09t16:36:00z""#,
            r#""2026-01-09 16:36:00Z""#,
            "null",
        ] {
            let mine: Mine = serde_json::from_str(text).expect(text);
            let theirs: Chronos = serde_json::from_str(text).expect(text);
            assert_eq!(mine.0, theirs.0, "{text}");
            assert_eq!(
                serde_json::to_string(&mine).expect("written"),
                serde_json::to_string(&theirs).expect("written"),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_what_chrono_refuses_naming_the_problem() {
        for text in [r#""2026-13-09T16:36:00Z""#, r#""yesterday""#, "17", r#""""#] {
            let mine = serde_json::from_str::<Mine>(text).expect_err(text);
            let theirs = serde_json::from_str::<Chronos>(text).expect_err(text);
            assert_eq!(
                mine.is_data(),
                theirs.is_data(),
                "{text}: {mine} / {theirs}"
            );
        }
        let err = serde_json::from_str::<Mine>(r#""2026-13-09T16:36:00Z""#).expect_err("month 13");
        assert!(err.to_string().contains("out of range"), "{err}");
    }
}
