//! Request bodies, responses, media types and response headers.
//!
//! Media types are grouped by kind before comparing: `application/json` and every
//! `application/vnd.atlas.<version>+json` are "JSON at some version", so a version bump is one finding and
//! the schemas on either side of it are still compared.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::bindings::Facts;
use super::finding::{Direction, Severity, Sink};
use super::operations::{Context, scalar_text, sunset};
use super::refs;
use super::schema::SchemaDiff;

/// `(kind, version)` of a media type: `application/vnd.atlas.2023-01-01+json` → `("+json",
/// Some("2023-01-01"))`, `application/json` → `("+json", None)`, anything else is its own kind.
fn media_kind(media_type: &str) -> (String, Option<String>) {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or(media_type)
        .trim()
        .to_ascii_lowercase();
    if let Some(rest) = essence.strip_prefix("application/vnd.atlas.")
        && let Some((version, suffix)) = rest.rsplit_once('+')
    {
        return (format!("+{suffix}"), Some(version.to_string()));
    }
    if essence == "application/json" {
        return ("+json".into(), None);
    }
    (essence, None)
}

type Versions<'a> = BTreeMap<Option<String>, (&'a str, &'a Value)>;

fn group(content: Option<&Map<String, Value>>) -> BTreeMap<String, Versions<'_>> {
    let mut out: BTreeMap<String, Versions<'_>> = BTreeMap::new();
    for (media_type, media) in content.into_iter().flatten() {
        let (kind, version) = media_kind(media_type);
        out.entry(kind)
            .or_default()
            .insert(version, (media_type.as_str(), media));
    }
    out
}

/// Request side or response side of a content map, which decides rule names and severities.
struct Area<'a> {
    direction: Direction,
    /// `request-body` or `response`.
    rule_prefix: &'static str,
    /// `requestBody` or `responses.200`.
    location: &'a str,
}

fn content(
    ctx: &Context<'_>,
    area: &Area<'_>,
    old: Option<&Map<String, Value>>,
    new: Option<&Map<String, Value>>,
    sink: &mut Sink,
) {
    let (before, after) = (group(old), group(new));
    let prefix = area.rule_prefix;
    let at = |media_type: &str| format!("{}.content[{media_type}]", area.location);
    for (kind, old_versions) in &before {
        let Some(new_versions) = after.get(kind) else {
            for (media_type, _) in old_versions.values() {
                sink.push(
                    format!("{prefix}-media-type-removed"),
                    Severity::Breaking,
                    &at(media_type),
                    json!(media_type),
                    Value::Null,
                    format!("media type {media_type} removed"),
                );
            }
            continue;
        };
        for (version, (media_type, b)) in old_versions {
            if let Some((_, r)) = new_versions.get(version) {
                media(ctx, area, b, r, &at(media_type), sink);
            }
        }
        let mut gone: Vec<_> = old_versions
            .iter()
            .filter(|(v, _)| !new_versions.contains_key(*v))
            .map(|(_, m)| *m)
            .collect();
        let mut came: Vec<_> = new_versions
            .iter()
            .filter(|(v, _)| !old_versions.contains_key(*v))
            .map(|(_, m)| *m)
            .collect();
        // The newest version that went away and the newest that arrived are one bump.
        if !gone.is_empty()
            && !came.is_empty()
            && let (Some((old_type, b)), Some((new_type, r))) = (gone.pop(), came.pop())
        {
            let loc = at(new_type);
            sink.push(
                format!("{prefix}-media-type-version-changed"),
                Severity::Warning,
                &loc,
                json!(old_type),
                json!(new_type),
                format!("version bumped from {old_type} to {new_type}"),
            );
            // A bump is fine once the old version's own sunset has passed, not before.
            if let Some(date) = future_sunset(ctx, b) {
                version_removed_before_sunset(prefix, &at(old_type), old_type, &date, sink);
            }
            media(ctx, area, b, r, &loc, sink);
        }
        for (media_type, old) in gone {
            if let Some(date) = future_sunset(ctx, old) {
                version_removed_before_sunset(prefix, &at(media_type), media_type, &date, sink);
                continue;
            }
            let passed = old.get("x-sunset").is_some();
            sink.push_with(
                format!("{prefix}-media-type-version-removed"),
                Severity::Breaking,
                &at(media_type),
                json!(media_type),
                Value::Null,
                format!(
                    "version {media_type} removed{}",
                    if passed { " after its sunset" } else { "" }
                ),
                Facts {
                    sunset_passed: passed,
                    ..Facts::default()
                },
            );
        }
        for (media_type, _) in came {
            sink.push(
                format!("{prefix}-media-type-version-added"),
                Severity::Info,
                &at(media_type),
                Value::Null,
                json!(media_type),
                format!("version {media_type} added"),
            );
        }
    }
    for (kind, new_versions) in &after {
        if before.contains_key(kind) {
            continue;
        }
        for (media_type, _) in new_versions.values() {
            sink.push(
                format!("{prefix}-media-type-added"),
                Severity::Info,
                &at(media_type),
                Value::Null,
                json!(media_type),
                format!("media type {media_type} added"),
            );
        }
    }
}

/// The media type's own `x-sunset` when it is still to come.
fn future_sunset(ctx: &Context<'_>, media: &Value) -> Option<String> {
    media
        .get("x-sunset")
        .map(scalar_text)
        .filter(|date| date.as_str() > ctx.today)
}

/// A version that goes away before the sunset announced on it: clients built on it still send it, as the
/// sunset promised they could until then.
fn version_removed_before_sunset(
    prefix: &str,
    loc: &str,
    media_type: &str,
    sunset: &str,
    sink: &mut Sink,
) {
    sink.push(
        format!("{prefix}-media-type-version-removed-before-sunset"),
        Severity::Breaking,
        loc,
        json!({"mediaType": media_type, "x-sunset": sunset}),
        Value::Null,
        format!("version {media_type} removed before its announced sunset {sunset}"),
    );
}

/// One media type on both sides: its sunset and its schema.
fn media(ctx: &Context<'_>, area: &Area<'_>, b: &Value, r: &Value, loc: &str, sink: &mut Sink) {
    sunset(
        b.get("x-sunset"),
        r.get("x-sunset"),
        &format!("{loc}.x-sunset"),
        sink,
    );
    if let (Some(bs), Some(rs)) = (b.get("schema"), r.get("schema")) {
        let root = area.direction.pick_str("request-body", "response-body");
        SchemaDiff::new(ctx.base, ctx.revision, area.direction, root, sink)
            .with_generated(ctx.generated)
            .run(bs, rs, &format!("{loc}.schema"));
    }
}

fn is_required(value: &Value) -> bool {
    value.get("required").and_then(Value::as_bool) == Some(true)
}

fn flag_change(
    sink: &mut Sink,
    loc: &str,
    was: bool,
    now: bool,
    rules: [(&str, Severity); 2],
    what: &str,
) {
    if was == now {
        return;
    }
    let (rule, severity) = if now { rules[0] } else { rules[1] };
    sink.push(
        rule,
        severity,
        loc,
        json!(was),
        json!(now),
        format!(
            "{what} became {}",
            if now { "required" } else { "optional" }
        ),
    );
}

/// The request body of an operation.
pub(crate) fn diff_request_body(ctx: &Context<'_>, b: &Value, r: &Value, sink: &mut Sink) {
    let old = b.get("requestBody").map(|v| refs::deref(ctx.base, v));
    let new = r.get("requestBody").map(|v| refs::deref(ctx.revision, v));
    let loc = "requestBody";
    match (old, new) {
        (None, None) => {}
        (None, Some(new)) => {
            let required = is_required(new);
            sink.push(
                if required {
                    "request-body-added-required"
                } else {
                    "request-body-added-optional"
                },
                if required {
                    Severity::Breaking
                } else {
                    Severity::Info
                },
                loc,
                Value::Null,
                json!({"required": required}),
                "request body added".into(),
            );
        }
        (Some(old), None) => sink.push(
            "request-body-removed",
            Severity::Warning,
            loc,
            json!({"required": is_required(old)}),
            Value::Null,
            "request body removed".into(),
        ),
        (Some(old), Some(new)) => {
            flag_change(
                sink,
                loc,
                is_required(old),
                is_required(new),
                [
                    ("request-body-became-required", Severity::Breaking),
                    ("request-body-became-optional", Severity::Info),
                ],
                "the request body",
            );
            let area = Area {
                direction: Direction::Request,
                rule_prefix: "request-body",
                location: loc,
            };
            content(
                ctx,
                &area,
                old.get("content").and_then(Value::as_object),
                new.get("content").and_then(Value::as_object),
                sink,
            );
        }
    }
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

/// Reports that `what` `name` (a status, a header) is gone.
fn push_removed(
    sink: &mut Sink,
    (rule, severity): (&str, Severity),
    loc: &str,
    name: &str,
    what: &str,
) {
    sink.push(
        rule,
        severity,
        loc,
        json!(name),
        Value::Null,
        format!("{what} {name} removed"),
    );
}

/// Status codes, headers and bodies of the responses of an operation.
pub(crate) fn diff_responses<'a>(ctx: &Context<'a>, b: &'a Value, r: &'a Value, sink: &mut Sink) {
    let empty = Map::new();
    let responses = |op: &'a Value| op.get("responses").and_then(Value::as_object);
    let before = responses(b).unwrap_or(&empty);
    let after = responses(r).unwrap_or(&empty);
    for (status, old) in before {
        let loc = format!("responses.{status}");
        let Some(new) = after.get(status) else {
            let rule = if is_success(status) {
                ("response-success-status-removed", Severity::Breaking)
            } else {
                ("response-non-success-status-removed", Severity::Info)
            };
            push_removed(sink, rule, &loc, status, "status");
            continue;
        };
        let old = refs::deref(ctx.base, old);
        let new = refs::deref(ctx.revision, new);
        headers(ctx, old, new, &loc, sink);
        let area = Area {
            direction: Direction::Response,
            rule_prefix: "response",
            location: &loc,
        };
        content(
            ctx,
            &area,
            old.get("content").and_then(Value::as_object),
            new.get("content").and_then(Value::as_object),
            sink,
        );
    }
    for status in after.keys().filter(|s| !before.contains_key(*s)) {
        sink.push(
            if is_success(status) {
                "response-success-status-added"
            } else {
                "response-non-success-status-added"
            },
            Severity::Info,
            &format!("responses.{status}"),
            Value::Null,
            json!(status),
            format!("status {status} added"),
        );
    }
}

/// Headers keyed by lower-case name (they are case-insensitive on the wire), with the name as written.
fn response_headers<'a>(
    doc: &'a Value,
    response: &'a Value,
) -> BTreeMap<String, (&'a str, &'a Value)> {
    response
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, h)| {
            (
                name.to_ascii_lowercase(),
                (name.as_str(), refs::deref(doc, h)),
            )
        })
        .collect()
}

fn headers<'a>(ctx: &Context<'a>, old: &'a Value, new: &'a Value, loc: &str, sink: &mut Sink) {
    let before = response_headers(ctx.base, old);
    let after = response_headers(ctx.revision, new);
    for (key, (name, b)) in &before {
        let here = format!("{loc}.headers.{name}");
        let Some((new_name, r)) = after.get(key) else {
            let rule = if is_required(b) {
                ("required-response-header-removed", Severity::Breaking)
            } else {
                ("optional-response-header-removed", Severity::Warning)
            };
            push_removed(sink, rule, &here, name, "response header");
            continue;
        };
        let here = format!("{loc}.headers.{new_name}");
        flag_change(
            sink,
            &here,
            is_required(b),
            is_required(r),
            [
                ("response-header-became-required", Severity::Info),
                ("response-header-became-optional", Severity::Breaking),
            ],
            &format!("response header {new_name}"),
        );
        if let (Some(bs), Some(rs)) = (b.get("schema"), r.get("schema")) {
            SchemaDiff::new(
                ctx.base,
                ctx.revision,
                Direction::Response,
                "response-header",
                sink,
            )
            .with_generated(ctx.generated)
            .run(bs, rs, &here);
        }
    }
    for (name, _) in after
        .iter()
        .filter(|(k, _)| !before.contains_key(*k))
        .map(|(_, v)| v)
    {
        sink.push(
            "response-header-added",
            Severity::Info,
            &format!("{loc}.headers.{name}"),
            Value::Null,
            json!(name),
            format!("response header {name} added"),
        );
    }
}
