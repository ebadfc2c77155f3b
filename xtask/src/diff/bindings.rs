//! The bindings severity model: what a change does to the clients this workspace generates.
//!
//! A change is **breaking** when a response the old client decoded may now fail to decode, a request it
//! sent may now be refused, or a generated method's signature changes; a **warning** when a careful user
//! should know (a value that now decodes as "unknown", a deprecation, an earlier sunset); **info**
//! otherwise. Each rule is decided from what codegen emits for the schema at hand:
//!
//! - struct fields follow typify 0.8 (through progenitor): a required property is a bare `T` (or, when
//!   nullable, an `Option<T>` whose key must still be present); a property outside `required` is
//!   `Option<T>`, except arrays without `uniqueItems`, maps and properties with a `default`, which are the
//!   bare type with `#[serde(default)]` and refuse `null` ([`FieldKind`]);
//! - string enums inside named schemas are opened by codegen's `open_enums` fixup (decided here by running
//!   that fixup, see [`Generated`]); inline enums stay closed and fail on an unknown value;
//! - response patterns are dropped by `response_patterns`; string `maxLength`/`minLength` become checked
//!   newtypes (unless a pattern still bounds the length); array limits are not enforced; an integer's
//!   range picks its Rust type, so a wider one in a response is a warning; the `discriminator` keyword is
//!   dropped by progenitor, so only the `oneOf` branches count;
//! - methods take their parameters positionally, so adding, removing or re-typing a parameter changes the
//!   method's signature, and their names come from [`super::names::method_name`].

use std::collections::HashSet;

use codegen::{Fixup, Flavour};
use serde_json::Value;

use super::finding::{FIXED_RULES, SCHEMA_PREFIXES, SCHEMA_RULES, Severity};

/// How typify (0.8, through progenitor) writes a struct field, which decides what it can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldKind {
    /// In `required`: the key must be present (`T`, or `Option<T>` with `deserialize_with` when nullable).
    Required,
    /// Not required, no intrinsic default: `Option<T>` with `#[serde(default)]`; accepts absence and null.
    Optional,
    /// Not required, with an intrinsic or declared default (`Vec<T>`, a map, a `default` value): absence
    /// decodes to the default, but `null` does not.
    Defaulted,
}

/// What the generated code does at a finding's place, as far as its bindings level depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Facts {
    /// The generated struct field, when the finding is about a property (its state in the base).
    pub(crate) field: Option<FieldKind>,
    /// For enum findings: whether codegen's `open_enums` turned the base's enum into "known value or any
    /// string".
    pub(crate) open_enum: bool,
    /// For operationId findings: whether the generated method's name differs between the two sides.
    pub(crate) method_renamed: bool,
    /// For removed media-type versions: whether the version's own `x-sunset` had passed.
    pub(crate) sunset_passed: bool,
    /// Whether codegen drops `pattern` from response schemas (`response_patterns`) for this document.
    pub(crate) response_patterns_dropped: bool,
    /// For a string length limit that went away: whether the revision's pattern still keeps values within
    /// the old limit.
    pub(crate) length_kept_by_pattern: bool,
}

/// Defaults that need no knowledge of the place: an operationId change counts as a method rename unless the
/// caller compared the generated names.
impl Default for Facts {
    fn default() -> Self {
        Facts {
            field: None,
            open_enum: false,
            method_renamed: true,
            sunset_passed: false,
            response_patterns_dropped: true,
            length_kept_by_pattern: false,
        }
    }
}

/// The codegen flavour a document belongs to, from its path prefixes; `None` for documents of no flavour
/// (test fixtures, foreign APIs).
pub(crate) fn flavour_of(doc: &Value) -> Option<Flavour> {
    let paths = doc.get("paths")?.as_object()?;
    let first = paths.keys().next()?;
    [
        ("/api/atlas/v2/", codegen::ATLAS_V2),
        ("/api/atlas/v1.0/", codegen::ATLAS_V1),
        ("/api/public/v1.0/", codegen::OPS_MANAGER_V1),
    ]
    .into_iter()
    .find(|(prefix, _)| first.starts_with(prefix))
    .map(|(_, flavour)| flavour)
}

/// Whether `fixup` runs on `doc`: in its flavour's list, or, for a document of no flavour, in every
/// flavour's list.
pub(crate) fn fixup_applies(doc: &Value, fixup: Fixup) -> bool {
    match flavour_of(doc) {
        Some(flavour) => flavour.fixups.contains(&fixup),
        None => [
            codegen::ATLAS_V2,
            codegen::ATLAS_V1,
            codegen::OPS_MANAGER_V1,
        ]
        .iter()
        .all(|f| f.fixups.contains(&fixup)),
    }
}

/// What codegen makes of one document, computed once per side.
#[derive(Debug, Clone, Default)]
pub(crate) struct Generated {
    /// Addresses of the enum schemas (inside `doc`) that `open_enums` opens.
    open_enums: HashSet<usize>,
    /// Whether `response_patterns` runs.
    pub(crate) response_patterns_dropped: bool,
}

/// The identity of a node in a parsed document: the diff holds references into the same tree, so the
/// address names the node without computing JSON pointers on every lookup.
fn address(value: &Value) -> usize {
    std::ptr::from_ref(value).addr()
}

impl Generated {
    /// Runs codegen's own `open_enums` fixup on a copy of the document's schemas and records which enums
    /// it replaced, so "is this enum open" is answered by the code that decides it.
    pub(crate) fn of(doc: &Value) -> Generated {
        let mut open_enums = HashSet::new();
        if fixup_applies(doc, Fixup::OpenEnums)
            && let Some(schemas) = doc.pointer("/components/schemas")
        {
            let mut copy = serde_json::json!({"components": {"schemas": schemas.clone()}});
            // Zero changes says the fixup found no enum to open: then none is open.
            if Fixup::OpenEnums.apply(&mut copy, &[]) > 0
                && let Some(fixed) = copy.pointer("/components/schemas")
            {
                mark_opened(schemas, fixed, &mut open_enums);
            }
        }
        Generated {
            open_enums,
            response_patterns_dropped: fixup_applies(doc, Fixup::ResponsePatterns),
        }
    }

    /// Whether the enum carried by `schema` (a node of the document this was computed from) is open.
    pub(crate) fn is_open(&self, schema: &Value) -> bool {
        self.open_enums.contains(&address(schema))
    }
}

/// Walks the original schemas and the fixed copy side by side; an enum the copy no longer has at the same
/// place was replaced by a reference to an open wrapper.
fn mark_opened(original: &Value, fixed: &Value, out: &mut HashSet<usize>) {
    match (original, fixed) {
        (Value::Object(o), Value::Object(f)) => {
            if o.contains_key("enum") && !f.contains_key("enum") {
                out.insert(address(original));
                return;
            }
            for (key, value) in o {
                if let Some(other) = f.get(key) {
                    mark_opened(value, other, out);
                }
            }
        }
        (Value::Array(o), Value::Array(f)) => {
            for (a, b) in o.iter().zip(f) {
                mark_opened(a, b, out);
            }
        }
        _ => {}
    }
}

/// oasdiff's id for `rule`, or `None` for the checks oasdiff does not have.
pub(crate) fn oasdiff_rule(rule: &str) -> Option<String> {
    let own = rule.contains("media-type-version-") || rule.starts_with("accepted-change-");
    (!own).then(|| rule.to_string())
}

/// Splits `response-property-became-nullable` into (`response-property`, `became-nullable`).
fn schema_rule(rule: &str) -> Option<(&'static str, &'static str)> {
    SCHEMA_PREFIXES.iter().find_map(|prefix| {
        let rest = rule.strip_prefix(prefix)?.strip_prefix('-')?;
        SCHEMA_RULES
            .iter()
            .find(|r| **r == rest)
            .map(|r| (*prefix, *r))
    })
}

/// String formats typify turns into a checked type (`chrono::DateTime`, `uuid::Uuid`, an address), and
/// the number formats that pick the width of the Rust number. Any other format is a plain `String`.
const TYPED_FORMATS: [&str; 16] = [
    "date-time",
    "date",
    "uuid",
    "ipv4",
    "ipv6",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float",
    "double",
    "ip",
];

fn typed_format(value: &Value) -> bool {
    value.as_str().is_some_and(|f| TYPED_FORMATS.contains(&f))
}

/// The bindings level of a finding and why. `oasdiff` is the finding's oasdiff level, used only for rules
/// this model has no opinion on (there are none today; a new rule starts there).
pub(crate) fn classify(
    rule: &str,
    oasdiff: Severity,
    before: &Value,
    after: &Value,
    facts: Facts,
) -> (Severity, String) {
    use Severity::{Breaking, Info, Warning};
    if let Some((prefix, what)) = schema_rule(rule) {
        let (level, why) = schema_level(prefix, what, before, after, facts);
        return (level, why.to_string());
    }
    let removed_version = |passed: bool| {
        if passed {
            (
                Warning,
                "removed after its own sunset, as announced; clients built on it still send it",
            )
        } else {
            (
                Breaking,
                "removed before any sunset of its own passed: clients built on it still send it",
            )
        }
    };
    let (level, why) = match rule {
        "endpoint-added" => (Info, "a new method"),
        "endpoint-removed" => (Breaking, "the generated method disappears"),
        "api-removed-before-sunset" => (
            Breaking,
            "the generated method disappears before the announced sunset",
        ),
        "api-operation-id-removed" if facts.method_renamed => {
            (Breaking, "the generated method's name changes")
        }
        "api-operation-id-removed" => (
            Info,
            "operations are matched by method and path, and the generated method keeps its name",
        ),
        "api-operation-id-added" => (Info, "the generated method keeps its name"),
        "endpoint-deprecated" => (Warning, "deprecated: callers should plan the move"),
        "endpoint-reactivated" => (Info, "no longer deprecated"),
        "api-sunset-date-changed-too-small" => (Warning, "the announced sunset came earlier"),
        "api-sunset-added" => (Warning, "an end date was announced"),
        "api-sunset-date-changed" => (Info, "the announced sunset moved later"),
        "api-sunset-deleted" => (Info, "the announced sunset was withdrawn"),
        "new-required-request-parameter" => (
            Breaking,
            "requests without it are refused, and the method gains an argument",
        ),
        "new-optional-request-parameter" => (
            Breaking,
            "parameters are positional: the method gains an argument",
        ),
        "request-parameter-removed" => (
            Breaking,
            "parameters are positional: the method loses an argument",
        ),
        "request-parameter-became-required" => (
            Breaking,
            "the argument turns from `Option<T>` into `T`, and requests without it are refused",
        ),
        "request-parameter-became-optional" => {
            (Breaking, "the argument turns from `T` into `Option<T>`")
        }
        "request-body-added-required" | "request-body-added-optional" => {
            (Breaking, "the method gains a body argument")
        }
        "request-body-removed" => (Breaking, "the method loses its body argument"),
        "request-body-became-required" | "request-body-became-optional" => {
            (Info, "the generated method always sends the body")
        }
        "request-body-media-type-added" | "response-media-type-added" => {
            (Info, "the client keeps the media type it uses")
        }
        "request-body-media-type-removed" | "response-media-type-removed" => {
            (Breaking, "the client sends this media type")
        }
        "request-body-media-type-version-added" | "response-media-type-version-added" => {
            (Info, "the client keeps the version it sends")
        }
        "request-body-media-type-version-changed" | "response-media-type-version-changed" => (
            Warning,
            "the old client keeps sending the old version; a regenerated one sends the new",
        ),
        "request-body-media-type-version-removed-before-sunset"
        | "response-media-type-version-removed-before-sunset" => removed_version(false),
        "request-body-media-type-version-removed" | "response-media-type-version-removed" => {
            removed_version(facts.sunset_passed)
        }
        "response-success-status-removed" => (Breaking, "the method's success type changes"),
        "response-success-status-added" => (
            Warning,
            "the old client reports this status as an unexpected response",
        ),
        "response-non-success-status-added" | "response-non-success-status-removed" => {
            (Info, "an error either way")
        }
        "required-response-header-removed"
        | "optional-response-header-removed"
        | "response-header-added"
        | "response-header-became-optional"
        | "response-header-became-required" => (
            Info,
            "the generated client does not decode response headers",
        ),
        "api-security-added" | "security-scheme-added" => {
            (Info, "the transport's schemes still work")
        }
        "api-security-removed" | "security-scheme-removed" | "security-scheme-changed" => (
            Breaking,
            "the transport authenticates in a way the operation may no longer accept",
        ),
        "request-property-removed" => (
            Warning,
            "the old struct still sends a field the server no longer documents",
        ),
        "new-required-request-property" | "request-property-became-required" => {
            (Breaking, "requests without it are refused")
        }
        "new-optional-request-property" | "request-property-became-optional" => {
            (Info, "the old client's requests stay valid")
        }
        "response-required-property-removed" => match facts.field {
            Some(FieldKind::Required) | None => (
                Breaking,
                "the old struct requires the key: decoding fails without it",
            ),
            Some(_) => (Info, "the old field accepts its absence"),
        },
        "response-optional-property-removed" => (
            Warning,
            "the old field decodes its absence, so it is never set again",
        ),
        "response-required-property-added" | "response-optional-property-added" => {
            (Info, "the old struct ignores fields it does not know")
        }
        "response-property-became-required" => (Info, "the old field accepts a present key"),
        "response-property-became-optional" => match facts.field {
            Some(FieldKind::Required) | None => (
                Breaking,
                "the old struct requires the key: decoding fails without it",
            ),
            Some(_) => (Info, "the old field already accepts its absence"),
        },
        "accepted-change-expired" => (Warning, "renew or remove the entry"),
        "accepted-change-unused" => (Info, "remove the entry"),
        _ => {
            debug_assert!(!FIXED_RULES.contains(&rule), "no bindings level for {rule}");
            (oasdiff, "oasdiff's level")
        }
    };
    (level, why.to_string())
}

/// The schema rules: `prefix` says where (`request-property`, `response-body`, ...), `what` the change.
fn schema_level(
    prefix: &str,
    what: &str,
    before: &Value,
    after: &Value,
    facts: Facts,
) -> (Severity, &'static str) {
    use Severity::{Breaking, Info, Warning};
    if prefix == "response-header" {
        return (
            Info,
            "the generated client does not decode response headers",
        );
    }
    let request = prefix.starts_with("request");
    let bound = |narrowed: bool, enforced_in_responses: bool| match (request, narrowed) {
        (true, true) => (Breaking, "the server may refuse what the old client sent"),
        (true, false) => (Info, "the old client's requests stay valid"),
        (false, true) => (Info, "the old client accepts every value that may now come"),
        (false, false) if enforced_in_responses => (
            Breaking,
            "the old client's checked string type refuses the values now allowed",
        ),
        (false, false) => (
            Info,
            "typify does not enforce this limit, so the old client decodes the new values",
        ),
    };
    match what {
        "type-changed" => (Breaking, "the Rust type changes"),
        "format-changed" if request && after.is_null() => {
            (Info, "the server accepts more than before")
        }
        "format-changed" if request => (Breaking, "the server may refuse what the old client sent"),
        "format-changed" if !typed_format(before) => (
            Info,
            "the old field is a plain `String`, which decodes any format",
        ),
        "format-changed" => (
            Breaking,
            "the old field's type checks the old format while decoding",
        ),
        "became-nullable" if request => (Info, "the old client's requests stay valid"),
        "became-nullable" => match facts.field {
            Some(FieldKind::Optional) => {
                (Info, "the old field is an `Option<T>`, which decodes null")
            }
            Some(FieldKind::Defaulted) => (
                Breaking,
                "the old field is a defaulted `Vec`/map/value, which does not decode null",
            ),
            Some(FieldKind::Required) | None => (
                Breaking,
                "the old value is a bare `T`, which does not decode null",
            ),
        },
        "became-not-nullable" if !request => {
            (Info, "the old client decodes every value that may now come")
        }
        "became-not-nullable" => match facts.field {
            Some(FieldKind::Optional) | Some(FieldKind::Defaulted) => (
                Info,
                "the old client omits an unset field rather than sending null",
            ),
            Some(FieldKind::Required) | None => (Breaking, "the old client sends null for `None`"),
        },
        "enum-value-removed" if request => (Breaking, "the old client may send the removed value"),
        "enum-value-removed" => (Info, "the old client decodes the values that remain"),
        "enum-value-added" if request => (Info, "the old client's requests stay valid"),
        "enum-value-added" if facts.open_enum => (
            Warning,
            "the open enum decodes the new value as an unknown string",
        ),
        "enum-value-added" => (
            Breaking,
            "the enum is closed: the new value fails to decode",
        ),
        "enum-removed" if request => (Info, "the server accepts more than before"),
        "enum-removed" if facts.open_enum => (
            Warning,
            "the open enum decodes other values as unknown strings",
        ),
        "enum-removed" => (Breaking, "the enum is closed: other values fail to decode"),
        "enum-added" if request => (Breaking, "the server may refuse what the old client sent"),
        "enum-added" => (Info, "the old client decodes the values that remain"),
        "pattern-added" | "pattern-changed" if request => {
            (Breaking, "the server may refuse what the old client sent")
        }
        "pattern-removed" if request => (Info, "the server accepts more than before"),
        _ if what.starts_with("pattern-") && facts.response_patterns_dropped => (
            Info,
            "codegen drops response patterns (response_patterns): nothing checks them",
        ),
        "pattern-added" => (Info, "the old client accepts every value that may now come"),
        "pattern-removed" | "pattern-changed" => (
            Breaking,
            "the old client's checked string type refuses the values now allowed",
        ),
        "max-length-decreased" | "min-length-increased" => bound(true, true),
        "max-length-increased" | "min-length-decreased" if facts.length_kept_by_pattern => (
            Info,
            "the revision's pattern still keeps the length within the old limit",
        ),
        "max-length-increased" | "min-length-decreased" => bound(false, true),
        "max-decreased" | "min-increased" | "max-items-decreased" | "min-items-increased" => {
            bound(true, false)
        }
        "max-increased" | "min-decreased" if !request => (
            Warning,
            "typify picks an integer's Rust type from its range: a wider one may not fit",
        ),
        "max-increased" | "min-decreased" | "max-items-increased" | "min-items-decreased" => {
            bound(false, false)
        }
        "one-of-added" | "any-of-added" if request => {
            (Info, "the old client's requests stay valid")
        }
        "one-of-added" | "any-of-added" => (
            Breaking,
            "the old enum has no variant for the new branch: it fails to decode",
        ),
        "one-of-removed" | "any-of-removed" if request => {
            (Breaking, "the old client may send the removed branch")
        }
        "one-of-removed" | "any-of-removed" => (
            Breaking,
            "the generated enum loses a variant that callers match on",
        ),
        // progenitor 0.15 drops the keyword when it converts a schema for typify (`to_schema.rs`), which
        // tells `oneOf` branches apart by their own properties; the branches themselves are compared above.
        "discriminator-added" | "discriminator-removed" | "discriminator-property-name-changed" => {
            (Info, "the generated code ignores the discriminator keyword")
        }
        _ => (Warning, "no bindings rule"),
    }
}
