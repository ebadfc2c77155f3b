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
        Some(t) => match whole_seconds(t) {
            Some(text) => s.serialize_str(text.as_str()),
            None => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        },
        None => s.serialize_none(),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` written on the stack, for the timestamps MongoDB sends (whole seconds, years
/// 0–9999): the same text chrono writes for them, without its formatting machinery and allocation on
/// every value printed. `None` for any other (fractional seconds, a leap second, a year out of range).
fn whole_seconds(t: &DateTime<Utc>) -> Option<WholeSeconds> {
    use chrono::{Datelike, Timelike};
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    if t.nanosecond() != 0 {
        return None;
    }
    let mut out = [0u8; 20];
    let mut put = |at: usize, value: u32, digits: usize| {
        let mut v = value;
        for i in (0..digits).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, t.month(), 2);
    put(8, t.day(), 2);
    put(11, t.hour(), 2);
    put(14, t.minute(), 2);
    put(17, t.second(), 2);
    for (at, sep) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ] {
        out[at] = sep;
    }
    Some(WholeSeconds(out))
}

/// The 20 ASCII bytes [`whole_seconds`] writes.
struct WholeSeconds([u8; 20]);

impl WholeSeconds {
    fn as_str(&self) -> &str {
        // Only ASCII digits and separators were written.
        std::str::from_utf8(&self.0).unwrap_or_default()
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
            r#""0001-01-01T00:00:00Z""#,
            r#""0099-02-28T09:05:07Z""#,
            r#""9999-12-31T23:59:59Z""#,
            r#""2016-12-31T23:59:60Z""#,
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

    /// The stack writer against chrono over a spread of instants, a day and a few seconds apart.
    #[test]
    fn whole_seconds_are_written_as_chrono_writes_them() {
        let mut t = DateTime::<Utc>::from_timestamp(-62_135_596_800, 0).expect("year 1");
        let end = DateTime::<Utc>::from_timestamp(253_402_300_799, 0).expect("year 9999");
        let mut checked = 0;
        while t <= end {
            let written = whole_seconds(&t).expect("whole seconds");
            assert_eq!(
                written.as_str(),
                t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
            );
            t += chrono::Duration::seconds(86_400 * 3 + 3_607);
            checked += 1;
        }
        assert!(checked > 1_000_000, "{checked}");
        let fractional = DateTime::<Utc>::from_timestamp(0, 5).expect("an instant");
        assert!(whole_seconds(&fractional).is_none());
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
