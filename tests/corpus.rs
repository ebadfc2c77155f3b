//! Response bodies generated from a fragment's schemas: every shape a success response may take, so the
//! tests can show that each one decodes.
//!
//! Written by hand: the corpus needs particular bodies (each optional property absent, free strings that
//! are not hex, unknown enum values, `null` where nullable), not random ones, and it must follow MongoDB's
//! `allOf`/`oneOf` hierarchies, whose subtypes refer back to their parent.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// What a body exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Every property present, with valid values (all values of each enum array).
    Full,
    /// Only the properties the schema requires.
    RequiredOnly,
    /// Strings without pattern, format or enum filled with odd text: unicode, spaces, quotes, control
    /// characters, the empty string where `minLength` allows; dates with offsets and fractions; unusual
    /// but valid names and addresses where a pattern or format constrains them.
    OddStrings,
    /// A value no enum lists, wherever a string enum is.
    UnknownEnums,
    /// `null` wherever the schema says `nullable: true`.
    Nulls,
    /// A property no schema lists, in every object: the schemas do not forbid them, and MongoDB adds
    /// fields between releases.
    UnknownProperties,
    /// Every property present, every array empty (where `minItems` allows).
    EmptyArrays,
}

impl Kind {
    /// Every kind, in the order bodies are generated.
    pub const ALL: [Kind; 7] = [
        Kind::Full,
        Kind::RequiredOnly,
        Kind::OddStrings,
        Kind::UnknownEnums,
        Kind::Nulls,
        Kind::UnknownProperties,
        Kind::EmptyArrays,
    ];

    /// A short name for messages and tables.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Full => "full",
            Kind::RequiredOnly => "required-only",
            Kind::OddStrings => "odd-strings",
            Kind::UnknownEnums => "unknown-enums",
            Kind::Nulls => "nulls",
            Kind::UnknownProperties => "unknown-properties",
            Kind::EmptyArrays => "empty-arrays",
        }
    }
}

/// The enum value no release of the API has: it must still decode.
pub const UNKNOWN_ENUM_VALUE: &str = "VALUE_FROM_A_FUTURE_RELEASE";

/// The property no schema has, added to every object by [`Kind::UnknownProperties`].
pub const UNKNOWN_PROPERTY: &str = "fieldFromAFutureRelease";

/// How many odd-strings bodies each operation gets: each shifts which odd text and which date-time form
/// lands on which field, so every field sees the empty string and every form somewhere.
const ODD_ROUNDS: usize = 3;

/// RFC 3339 date-times as they may come: fractions, offsets east and west, `-00:00`, a leap second.
const ODD_DATES: [&str; 4] = [
    "2026-11-01T10:00:00.123456+05:30",
    "2026-11-01T01:02:03-08:00",
    "2026-11-01T10:00:00.5-00:00",
    "2016-12-31T23:59:60Z",
];

/// Free strings: not hex, not ASCII-only, with spaces, quotes, escapes and a newline. The empty string is
/// added where `minLength` allows it.
const ODD_STRINGS: [&str; 5] = [
    "  spaced  out  ",
    "Ünïcødé ✓ 日本語 🚀",
    "zzzz-not-hex-at-all",
    "quote \" backslash \\ tab \t newline \n end",
    "ORG_OWNER but free text",
];

/// One success response of one operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper-case method.
    pub method: String,
    /// Path template including the prefix.
    pub path: String,
    /// The success status the fragment documents.
    pub status: u16,
    /// The response schema with every `$ref` resolved, `allOf` merged and discriminators turned into enums
    /// on each `oneOf` branch; `None` for a bodiless answer (`204`).
    pub schema: Option<Value>,
    /// The component the response refers to (`OrganizationInvitation`, or its items' for an array).
    pub schema_name: Option<String>,
}

/// One body of the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// What it exercises.
    pub kind: Kind,
    /// Which `oneOf` branch it takes (0 where there is none).
    pub variant: usize,
    /// Which of the odd-strings bodies it is (0 for the other kinds).
    pub round: usize,
    /// The body (`None`: no body).
    pub value: Option<Value>,
}

impl Operation {
    /// The operation `method path` of `doc`, answering with the media type `media_type` (or its only one).
    pub fn read(doc: &Value, method: &str, path: &str, media_type: &str) -> Operation {
        let op = doc
            .pointer(&format!(
                "/paths/{}/{}",
                path.replace('~', "~0").replace('/', "~1"),
                method.to_ascii_lowercase()
            ))
            .unwrap_or_else(|| panic!("fragment has no {method} {path}"));
        let (status, response) = op["responses"]
            .as_object()
            .and_then(|r| r.iter().find(|(code, _)| code.starts_with('2')))
            .unwrap_or_else(|| panic!("{method} {path} documents no success response"));
        let status = status.parse().expect("a numeric status");
        let content = response.get("content").and_then(Value::as_object);
        let schema = content
            .and_then(|c| c.get(media_type).or_else(|| c.values().next()))
            .and_then(|m| m.get("schema"));
        let schema_name = schema.and_then(|s| {
            s.get("$ref")
                .or_else(|| s.pointer("/items/$ref"))
                .and_then(Value::as_str)
                .map(|r| ref_name(r).to_string())
        });
        Operation {
            method: method.to_string(),
            path: path.to_string(),
            status,
            schema: schema.map(|s| flatten(doc, s, &mut Vec::new())),
            schema_name,
        }
    }

    /// The corpus: one body per kind that applies and per `oneOf` branch, without repeats.
    pub fn bodies(&self) -> Vec<Body> {
        let Some(schema) = &self.schema else {
            return vec![Body {
                kind: Kind::Full,
                variant: 0,
                round: 0,
                value: None,
            }];
        };
        let mut out: Vec<Body> = Vec::new();
        for kind in Kind::ALL {
            let applies = match kind {
                Kind::UnknownEnums => has(schema, &|s| s.get("enum").is_some()),
                Kind::Nulls => has(schema, &|s| s.get("nullable") == Some(&Value::Bool(true))),
                _ => true,
            };
            if !applies {
                continue;
            }
            let rounds = if kind == Kind::OddStrings {
                ODD_ROUNDS
            } else {
                1
            };
            for round in 0..rounds {
                for variant in 0..variants(schema) {
                    let value = Gen::new(kind, round).value(schema, variant);
                    if out.iter().all(|b| b.value.as_ref() != Some(&value)) {
                        out.push(Body {
                            kind,
                            variant,
                            round,
                            value: Some(value),
                        });
                    }
                }
            }
        }
        out
    }

    /// Bodies the schema does not allow: the full body without its first required property, and with its
    /// first array property replaced by a string.
    pub fn invalid_bodies(&self) -> Vec<Invalid> {
        let Some(schema) = &self.schema else {
            return Vec::new();
        };
        let full = Gen::new(Kind::Full, 0).value(schema, 0);
        let entity = match schema.get("items") {
            Some(items) => items,
            None => schema,
        };
        let entity = entity.get("oneOf").and_then(|b| b.get(0)).unwrap_or(entity);
        let wrap = |object: Map<String, Value>| match schema.get("items") {
            Some(_) => json!([object]),
            None => Value::Object(object),
        };
        let object = match &full {
            Value::Array(items) => items.first().and_then(Value::as_object),
            other => other.as_object(),
        };
        let Some(object) = object else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(name) = required(entity).into_iter().next() {
            let mut broken = object.clone();
            broken.remove(&name);
            out.push(Invalid {
                what: format!("required `{name}` missing"),
                field: name,
                missing: true,
                value: wrap(broken),
            });
        }
        if let Some((name, _)) = properties(entity)
            .into_iter()
            .find(|(_, p)| p.get("type") == Some(&json!("array")))
        {
            let mut broken = object.clone();
            broken.insert(name.clone(), json!("not an array"));
            out.push(Invalid {
                what: format!("array `{name}` given as a string"),
                field: name,
                missing: false,
                value: wrap(broken),
            });
        }
        out
    }
}

/// A body the schema does not allow.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// What is wrong with it.
    pub what: String,
    /// The property broken.
    pub field: String,
    /// Whether the property is missing (else it has the wrong type).
    pub missing: bool,
    /// The body.
    pub value: Value,
}

/// `{"status": status, field: body}`: what `envelope=true` answers.
pub fn envelope(status: u16, field: &str, body: Option<&Value>) -> Value {
    let mut object = Map::new();
    object.insert("status".into(), json!(status));
    if let Some(body) = body {
        object.insert(field.into(), body.clone());
    }
    Value::Object(object)
}

/// The schema as JSON Schema (draft 4): `nullable: true` becomes a union with `null`. With `open_enums`,
/// enums are dropped, so a body with unknown enum values can be checked for everything else.
pub fn json_schema(schema: &Value, open_enums: bool) -> Value {
    let mut out = schema.clone();
    fn walk(value: &mut Value, open_enums: bool) {
        match value {
            Value::Object(map) => {
                if map.remove("nullable") == Some(Value::Bool(true))
                    && let Some(Value::String(ty)) = map.get("type").cloned()
                {
                    map.insert("type".into(), json!([ty, "null"]));
                }
                if open_enums {
                    map.remove("enum");
                }
                for (key, child) in map.iter_mut() {
                    if key == "properties" {
                        if let Value::Object(props) = child {
                            props.values_mut().for_each(|p| walk(p, open_enums));
                        }
                    } else {
                        walk(child, open_enums);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, open_enums)),
            _ => {}
        }
    }
    walk(&mut out, open_enums);
    out
}

fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

fn component<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    doc.pointer(&format!("/components/schemas/{}", ref_name(reference)))
        .unwrap_or_else(|| panic!("unresolved $ref {reference}"))
}

/// Resolves `$ref`s, merges `allOf` members and turns a discriminator into an enum on each `oneOf` branch.
/// A subtype's `allOf` reference back to the parent being resolved (MongoDB's hierarchies) contributes the
/// parent's own properties, not its `oneOf` again.
fn flatten(doc: &Value, schema: &Value, stack: &mut Vec<String>) -> Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = ref_name(reference).to_string();
        let target = component(doc, reference);
        if stack.contains(&name) {
            let mut own = target.as_object().cloned().unwrap_or_default();
            for key in ["oneOf", "anyOf", "discriminator", "allOf"] {
                own.remove(key);
            }
            stack.push(name);
            let out = flatten(doc, &Value::Object(own), stack);
            stack.pop();
            return out;
        }
        stack.push(name);
        let out = flatten(doc, target, stack);
        stack.pop();
        return out;
    }
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    assert!(
        !map.contains_key("anyOf"),
        "the corpus does not handle anyOf yet: {schema}"
    );
    if let Some(branches) = map.get("oneOf").and_then(Value::as_array) {
        let mut own = map.clone();
        own.remove("oneOf");
        let discriminator = own.remove("discriminator");
        let own = flatten(doc, &Value::Object(own), stack);
        let resolved: Vec<Value> = branches
            .iter()
            .map(|branch| {
                let mut resolved = flatten(doc, branch, stack);
                merge(&mut resolved, &own);
                if let (Some(d), Some(reference)) =
                    (&discriminator, branch.get("$ref").and_then(Value::as_str))
                {
                    let property = d["propertyName"].as_str().expect("discriminator property");
                    let values: Vec<Value> = d["mapping"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(_, target)| target.as_str() == Some(reference))
                        .map(|(value, _)| json!(value))
                        .collect();
                    resolved["properties"][property]["enum"] = Value::Array(values);
                }
                resolved
            })
            .collect();
        return json!({ "oneOf": resolved });
    }
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "allOf" => {}
            "properties" => {
                let props: Map<String, Value> = value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, p)| (name.clone(), flatten(doc, p, stack)))
                    .collect();
                out.insert(key.clone(), Value::Object(props));
            }
            "items" => {
                out.insert(key.clone(), flatten(doc, value, stack));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    let mut out = Value::Object(out);
    for member in map
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let member = flatten(doc, member, stack);
        assert!(
            member.get("oneOf").is_none(),
            "an allOf member with oneOf is not handled: {member}"
        );
        merge(&mut out, &member);
    }
    out
}

/// Adds `from`'s properties and required names to `into`.
fn merge(into: &mut Value, from: &Value) {
    let Some(into) = into.as_object_mut() else {
        return;
    };
    if let Some(props) = from.get("properties").and_then(Value::as_object) {
        let target = into
            .entry("properties")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("properties is an object");
        for (name, p) in props {
            target.entry(name.clone()).or_insert_with(|| p.clone());
        }
    }
    let mut names: BTreeSet<String> = required(&Value::Object(into.clone()));
    names.extend(required(from));
    if !names.is_empty() {
        into.insert("required".into(), json!(names));
    }
    if from.get("type").is_some() {
        into.entry("type").or_insert_with(|| from["type"].clone());
    }
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

fn properties(schema: &Value) -> Vec<(String, Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Whether `pred` holds anywhere in the schema.
fn has(schema: &Value, pred: &dyn Fn(&Value) -> bool) -> bool {
    if pred(schema) {
        return true;
    }
    match schema {
        Value::Object(map) => map.values().any(|v| has(v, pred)),
        Value::Array(items) => items.iter().any(|v| has(v, pred)),
        _ => false,
    }
}

/// How many top-level bodies it takes to cover every `oneOf` branch outside arrays (arrays hold one item
/// per branch).
fn variants(schema: &Value) -> usize {
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        return branches.len().max(1);
    }
    properties(schema)
        .iter()
        .map(|(_, p)| variants(p))
        .max()
        .unwrap_or(1)
}

/// A valid example for each pattern the fragments use; `odd` gives an unusual one (unicode letters,
/// every punctuation mark the pattern allows). A new pattern upstream stops the corpus with its text, so
/// a sample gets added here.
fn pattern_sample(pattern: &str, odd: bool, serial: usize) -> String {
    match pattern {
        "^([a-f0-9]{24})$" => format!(
            "{:024x}",
            0x5a0a_1e7e_0f29_12c5_5408_0000_u128 + serial as u128
        ),
        r"^[\p{L}\p{N}\-_.(),:&@+']{1,64}$" if odd => "Zürich_Ops-(β):&@+'.,日本1".into(),
        r"^[\p{L}\p{N}\-_.(),:&@+']{1,64}$" => format!("Acme{serial}"),
        "^([A-Z]{2})$" => "IE".into(),
        // `mobileNumber`: upstream escapes the backslashes twice, so the pattern as written wants literal
        // backslashes where it meant `\s*`; this is what it accepts.
        p if p.contains("[2-9][02-9]{2}") => r"212\555\0123".into(),
        other => {
            panic!("the corpus has no sample for pattern {other:?}: add one to pattern_sample")
        }
    }
}

/// Generates one body of one kind.
struct Gen {
    kind: Kind,
    /// Shifts the odd texts and dates from field to field (see [`ODD_ROUNDS`]).
    round: usize,
    /// Numbers each generated string, so ids and odd texts differ from field to field.
    serial: usize,
}

impl Gen {
    fn new(kind: Kind, round: usize) -> Gen {
        Gen {
            kind,
            round,
            serial: 0,
        }
    }

    fn next(&mut self) -> usize {
        self.serial += 1;
        self.serial
    }

    fn value(&mut self, schema: &Value, variant: usize) -> Value {
        if self.kind == Kind::Nulls && schema.get("nullable") == Some(&Value::Bool(true)) {
            return Value::Null;
        }
        if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
            return self.value(
                &branches[variant % branches.len()],
                variant / branches.len(),
            );
        }
        let ty = schema.get("type").and_then(Value::as_str).unwrap_or(
            if schema.get("properties").is_some() {
                "object"
            } else {
                "string"
            },
        );
        match ty {
            "object" => {
                let needed = required(schema);
                let mut out = Map::new();
                for (name, p) in properties(schema) {
                    if self.kind == Kind::RequiredOnly && !needed.contains(&name) {
                        continue;
                    }
                    let v = self.value(&p, variant);
                    out.insert(name, v);
                }
                if self.kind == Kind::UnknownProperties {
                    out.insert(
                        UNKNOWN_PROPERTY.into(),
                        json!({"nested": [1, "two", null], "flag": false}),
                    );
                }
                Value::Object(out)
            }
            "array" => Value::Array(self.items(schema)),
            "integer" => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(0) + 2),
            "number" => json!(1.5),
            "boolean" => json!(true),
            _ => Value::String(self.string(schema)),
        }
    }

    fn items(&mut self, array: &Value) -> Vec<Value> {
        let items = &array["items"];
        if self.kind == Kind::EmptyArrays
            && array.get("minItems").and_then(Value::as_u64).unwrap_or(0) == 0
        {
            return Vec::new();
        }
        if let Some(values) = items.get("enum").and_then(Value::as_array) {
            return match self.kind {
                Kind::RequiredOnly => values.iter().take(1).cloned().collect(),
                Kind::UnknownEnums => {
                    let mut all: Vec<Value> = values.iter().take(1).cloned().collect();
                    all.push(json!(UNKNOWN_ENUM_VALUE));
                    all
                }
                _ => values.clone(),
            };
        }
        if self.kind == Kind::OddStrings && is_free_string(items) {
            let mut all: Vec<Value> = ODD_STRINGS
                .iter()
                .cycle()
                .skip(self.round)
                .take(ODD_STRINGS.len())
                .map(|s| json!(s))
                .collect();
            if allows_empty(items) {
                all.push(json!(""));
            }
            return all;
        }
        let branches = items
            .get("oneOf")
            .and_then(Value::as_array)
            .map_or(1, Vec::len);
        (0..branches.max(2))
            .map(|variant| self.value(items, variant))
            .collect()
    }

    fn string(&mut self, schema: &Value) -> String {
        let serial = self.next();
        let shifted = serial + self.round;
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if self.kind == Kind::UnknownEnums {
                return UNKNOWN_ENUM_VALUE.into();
            }
            // Each odd round takes the next value, so more of them are seen.
            let value = &values[self.round % values.len()];
            return value.as_str().expect("a string enum").into();
        }
        let odd = self.kind == Kind::OddStrings;
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            return pattern_sample(pattern, odd, serial);
        }
        match schema.get("format").and_then(Value::as_str) {
            Some("date-time") if odd => ODD_DATES[shifted % ODD_DATES.len()].into(),
            Some("date-time") => "2026-11-01T10:00:00Z".into(),
            Some("email") if odd => format!("o'brien+{serial}.tag@sub.example.co.uk"),
            Some("email") => format!("user{serial}@example.com"),
            _ if odd => {
                if allows_empty(schema) && shifted.is_multiple_of(ODD_STRINGS.len() + 1) {
                    return String::new();
                }
                let text = ODD_STRINGS[shifted % ODD_STRINGS.len()];
                fit(text, schema)
            }
            _ => fit(&format!("text {serial}"), schema),
        }
    }
}

fn is_free_string(schema: &Value) -> bool {
    schema.get("type") == Some(&json!("string"))
        && ["pattern", "format", "enum"]
            .iter()
            .all(|k| schema.get(*k).is_none())
}

fn allows_empty(schema: &Value) -> bool {
    schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) == 0
}

/// `text` padded or cut to the schema's `minLength`/`maxLength` (in characters).
fn fit(text: &str, schema: &Value) -> String {
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map_or(usize::MAX, |m| m as usize);
    let mut out: String = text.chars().take(max).collect();
    while out.chars().count() < min {
        out.push('x');
    }
    out
}
