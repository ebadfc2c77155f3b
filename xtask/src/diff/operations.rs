//! Matching operations across two documents and comparing what each operation promises.
//!
//! Operations are keyed by method and path template with parameter names erased (`/orgs/{}/invites`), so
//! renaming a path parameter or an operationId never looks like a removal plus an addition.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::bindings::{Facts, Generated};
use super::content::{diff_request_body, diff_responses};
use super::finding::{Direction, Finding, Severity, Sink, opt_str};
use super::names::{MethodNames, method_name};
use super::refs;
use super::schema::SchemaDiff;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What the comparison needs besides the two documents.
#[derive(Debug, Clone)]
pub(crate) struct Context<'a> {
    pub(crate) base: &'a Value,
    pub(crate) revision: &'a Value,
    /// `YYYY-MM-DD`; sunsets on or before it have passed.
    pub(crate) today: &'a str,
    /// What codegen makes of the base (the old client's code).
    pub(crate) generated: &'a Generated,
    /// The generated method names of each side.
    pub(crate) base_methods: &'a MethodNames,
    pub(crate) revision_methods: &'a MethodNames,
}

impl Context<'_> {
    /// A sink for one operation's findings, naming its generated method in `names`.
    fn sink(&self, endpoint: &Endpoint<'_>, names: &MethodNames) -> Sink {
        let mut sink = Sink::new(Some(endpoint.label()));
        sink.method = method_name(names, endpoint.method, endpoint.path);
        sink.response_patterns_dropped = self.generated.response_patterns_dropped;
        sink
    }
}

/// One operation of one document.
struct Endpoint<'a> {
    method: &'static str,
    path: &'a str,
    path_item: &'a Value,
    operation: &'a Value,
}

impl Endpoint<'_> {
    fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

/// `/orgs/{orgId}/invites/{invitationId}` → `/orgs/{}/invites/{}`.
pub(crate) fn normalise_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn endpoints(doc: &Value) -> BTreeMap<(String, &'static str), Endpoint<'_>> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let item = refs::deref(doc, item);
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                out.entry((normalise_path(path), method))
                    .or_insert(Endpoint {
                        method,
                        path,
                        path_item: item,
                        operation,
                    });
            }
        }
    }
    out
}

/// The diff of two whole documents (or fragments).
pub(crate) fn diff(ctx: &Context<'_>) -> Vec<Finding> {
    let base = endpoints(ctx.base);
    let revision = endpoints(ctx.revision);
    let mut findings = Vec::new();
    for (key, old) in &base {
        let mut sink = match revision.get(key) {
            None => {
                let mut sink = ctx.sink(old, ctx.base_methods);
                removed(ctx, old, &mut sink);
                sink
            }
            Some(new) => {
                let mut sink = ctx.sink(new, ctx.revision_methods);
                let renamed = method_name(ctx.base_methods, old.method, old.path) != sink.method;
                operation(ctx, old, new, renamed, &mut sink);
                sink
            }
        };
        findings.append(&mut sink.findings);
    }
    for (key, new) in &revision {
        if !base.contains_key(key) {
            let mut sink = ctx.sink(new, ctx.revision_methods);
            sink.push(
                "endpoint-added",
                Severity::Info,
                "operation",
                Value::Null,
                opt_str(new.operation.get("operationId").and_then(Value::as_str)),
                "endpoint added".into(),
            );
            findings.append(&mut sink.findings);
        }
    }
    let mut sink = Sink::new(None);
    security_schemes(ctx, &mut sink);
    findings.append(&mut sink.findings);
    findings
}

/// The date after which an endpoint is announced to go away: its own `x-sunset`, or the earliest one on
/// its response media types (where Atlas also records it).
fn sunset_of(doc: &Value, operation: &Value) -> Option<String> {
    if let Some(s) = operation.get("x-sunset") {
        return Some(scalar_text(s));
    }
    let responses = operation.get("responses")?.as_object()?;
    responses
        .values()
        .filter_map(|r| refs::deref(doc, r).get("content")?.as_object())
        .flat_map(|content| content.values())
        .filter_map(|media| media.get("x-sunset").map(scalar_text))
        .min()
}

/// A YAML scalar as text (dates stay strings with serde_yaml_ng, but a JSON author may write anything).
pub(crate) fn scalar_text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

fn removed(ctx: &Context<'_>, old: &Endpoint<'_>, sink: &mut Sink) {
    let deprecated = old.operation.get("deprecated").and_then(Value::as_bool) == Some(true);
    let sunset = sunset_of(ctx.base, old.operation);
    let id = opt_str(old.operation.get("operationId").and_then(Value::as_str));
    match sunset {
        Some(date) if date.as_str() > ctx.today => sink.push(
            "api-removed-before-sunset",
            Severity::Breaking,
            "operation",
            json!({"operationId": id, "x-sunset": date}),
            Value::Null,
            format!("endpoint removed before its announced sunset {date}"),
        ),
        sunset if deprecated || sunset.is_some() => sink.push(
            "endpoint-removed",
            Severity::Warning,
            "operation",
            json!({"operationId": id, "x-sunset": sunset}),
            Value::Null,
            "deprecated endpoint removed".into(),
        ),
        _ => sink.push(
            "endpoint-removed",
            Severity::Breaking,
            "operation",
            json!({"operationId": id}),
            Value::Null,
            "endpoint removed without deprecation".into(),
        ),
    }
}

fn operation(
    ctx: &Context<'_>,
    old: &Endpoint<'_>,
    new: &Endpoint<'_>,
    method_renamed: bool,
    sink: &mut Sink,
) {
    let facts = Facts {
        method_renamed,
        ..Facts::default()
    };
    let (b, r) = (old.operation, new.operation);
    let id = |op: &Value| {
        op.get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match (id(b), id(r)) {
        (Some(before), Some(after)) if before != after => sink.push_with(
            "api-operation-id-removed",
            Severity::Breaking,
            "operationId",
            json!(before),
            json!(after),
            format!("operationId renamed from `{before}` to `{after}`"),
            facts,
        ),
        (Some(before), None) => sink.push_with(
            "api-operation-id-removed",
            Severity::Breaking,
            "operationId",
            json!(before),
            Value::Null,
            format!("operationId `{before}` removed"),
            facts,
        ),
        (None, Some(after)) => sink.push_with(
            "api-operation-id-added",
            Severity::Info,
            "operationId",
            Value::Null,
            json!(after),
            format!("operationId `{after}` added"),
            facts,
        ),
        _ => {}
    }
    let deprecated = |op: &Value| op.get("deprecated").and_then(Value::as_bool) == Some(true);
    match (deprecated(b), deprecated(r)) {
        (false, true) => sink.push(
            "endpoint-deprecated",
            Severity::Info,
            "deprecated",
            json!(false),
            json!(true),
            "endpoint deprecated".into(),
        ),
        (true, false) => sink.push(
            "endpoint-reactivated",
            Severity::Info,
            "deprecated",
            json!(true),
            json!(false),
            "endpoint no longer deprecated".into(),
        ),
        _ => {}
    }
    sunset(b.get("x-sunset"), r.get("x-sunset"), "x-sunset", sink);
    parameters(ctx, old, new, sink);
    diff_request_body(ctx, b, r, sink);
    diff_responses(ctx, b, r, sink);
    security(ctx, b, r, sink);
}

/// Compares two `x-sunset` values (on an operation or a response media type).
pub(crate) fn sunset(old: Option<&Value>, new: Option<&Value>, location: &str, sink: &mut Sink) {
    let (old, new) = (old.map(scalar_text), new.map(scalar_text));
    let (rule, severity, message) = match (&old, &new) {
        (Some(o), Some(n)) if n < o => (
            "api-sunset-date-changed-too-small",
            Severity::Breaking,
            format!("sunset moved earlier, from {o} to {n}"),
        ),
        (Some(o), Some(n)) if n > o => (
            "api-sunset-date-changed",
            Severity::Info,
            format!("sunset moved later, from {o} to {n}"),
        ),
        (None, Some(n)) => (
            "api-sunset-added",
            Severity::Info,
            format!("sunset announced for {n}"),
        ),
        (Some(o), None) => (
            "api-sunset-deleted",
            Severity::Info,
            format!("sunset {o} withdrawn"),
        ),
        _ => return,
    };
    sink.push(
        rule,
        severity,
        location,
        opt_str(old.as_deref()),
        opt_str(new.as_deref()),
        message,
    );
}

/// A parameter: where it goes, the name to show, and its resolved definition.
struct Parameter<'a> {
    location: &'a str,
    name: &'a str,
    value: &'a Value,
}

/// Parameters of an operation (path-item ones overridden by the operation's), keyed by where they go and
/// their name; path parameters are keyed by position in the template, so renaming one changes nothing.
fn collect_parameters<'a>(
    doc: &'a Value,
    endpoint: &Endpoint<'a>,
) -> BTreeMap<(String, String), Parameter<'a>> {
    let position = |name: &str| {
        let needle = format!("{{{name}}}");
        endpoint
            .path
            .find(&needle)
            .map(|at| endpoint.path[..at].matches('{').count())
    };
    let mut out = BTreeMap::new();
    for list in [endpoint.path_item, endpoint.operation] {
        let Some(Value::Array(items)) = list.get("parameters") else {
            continue;
        };
        for item in items {
            let value = refs::deref(doc, item);
            let (Some(location), Some(name)) = (
                value.get("in").and_then(Value::as_str),
                value.get("name").and_then(Value::as_str),
            ) else {
                continue;
            };
            let key = match location {
                "path" => position(name).map_or_else(|| name.to_string(), |i| format!("#{i}")),
                "header" => name.to_ascii_lowercase(),
                _ => name.to_string(),
            };
            out.insert(
                (location.to_string(), key),
                Parameter {
                    location,
                    name,
                    value,
                },
            );
        }
    }
    out
}

/// A parameter's schema, whether given directly or through `content`.
fn parameter_schema(value: &Value) -> Option<&Value> {
    value.get("schema").or_else(|| {
        value
            .get("content")?
            .as_object()?
            .values()
            .next()?
            .get("schema")
    })
}

fn parameters(ctx: &Context<'_>, old: &Endpoint<'_>, new: &Endpoint<'_>, sink: &mut Sink) {
    let before = collect_parameters(ctx.base, old);
    let after = collect_parameters(ctx.revision, new);
    let required = |p: &Parameter<'_>| {
        p.location == "path" || p.value.get("required").and_then(Value::as_bool) == Some(true)
    };
    for (key, b) in &before {
        let loc = format!("parameters.{}.{}", b.location, b.name);
        let Some(r) = after.get(key) else {
            sink.push(
                "request-parameter-removed",
                Severity::Warning,
                &loc,
                json!(b.name),
                Value::Null,
                format!("{} parameter `{}` removed", b.location, b.name),
            );
            continue;
        };
        let loc = format!("parameters.{}.{}", r.location, r.name);
        match (required(b), required(r)) {
            (false, true) => sink.push(
                "request-parameter-became-required",
                Severity::Breaking,
                &loc,
                json!(false),
                json!(true),
                format!("{} parameter `{}` became required", r.location, r.name),
            ),
            (true, false) => sink.push(
                "request-parameter-became-optional",
                Severity::Info,
                &loc,
                json!(true),
                json!(false),
                format!("{} parameter `{}` became optional", r.location, r.name),
            ),
            _ => {}
        }
        if let (Some(bs), Some(rs)) = (parameter_schema(b.value), parameter_schema(r.value)) {
            SchemaDiff::new(
                ctx.base,
                ctx.revision,
                Direction::Request,
                "request-parameter",
                sink,
            )
            .with_generated(ctx.generated)
            .run(bs, rs, &loc);
        }
    }
    for (key, r) in &after {
        if before.contains_key(key) {
            continue;
        }
        let is_required = required(r);
        sink.push(
            if is_required {
                "new-required-request-parameter"
            } else {
                "new-optional-request-parameter"
            },
            if is_required {
                Severity::Breaking
            } else {
                Severity::Info
            },
            &format!("parameters.{}.{}", r.location, r.name),
            Value::Null,
            json!(r.name),
            format!(
                "{} {} parameter `{}` added",
                if is_required { "required" } else { "optional" },
                r.location,
                r.name
            ),
        );
    }
}

/// The ways a caller may authenticate: each alternative as `Scheme` or `A + B[scope]`; `anonymous` for an
/// empty requirement or none at all.
fn security_alternatives<'a>(doc: &'a Value, operation: &'a Value) -> BTreeSet<String> {
    let list = operation
        .get("security")
        .or_else(|| doc.get("security"))
        .and_then(Value::as_array);
    let mut out = BTreeSet::new();
    for requirement in list.into_iter().flatten() {
        let Some(map) = requirement.as_object() else {
            continue;
        };
        let mut parts: Vec<String> = map
            .iter()
            .map(|(name, scopes)| {
                let scopes: Vec<&str> = scopes
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                if scopes.is_empty() {
                    name.clone()
                } else {
                    format!("{name}[{}]", scopes.join(","))
                }
            })
            .collect();
        parts.sort();
        out.insert(if parts.is_empty() {
            "anonymous".to_string()
        } else {
            parts.join(" + ")
        });
    }
    if out.is_empty() {
        out.insert("anonymous".to_string());
    }
    out
}

fn security(ctx: &Context<'_>, b: &Value, r: &Value, sink: &mut Sink) {
    let before = security_alternatives(ctx.base, b);
    let after = security_alternatives(ctx.revision, r);
    for gone in before.difference(&after) {
        sink.push(
            "api-security-removed",
            Severity::Breaking,
            "security",
            json!(gone),
            Value::Null,
            format!("callers can no longer authenticate with {gone}"),
        );
    }
    for new in after.difference(&before) {
        sink.push(
            "api-security-added",
            Severity::Info,
            "security",
            Value::Null,
            json!(new),
            format!("callers may now authenticate with {new}"),
        );
    }
}

/// A security scheme without its prose: what a client must do to use it.
fn scheme_contract(scheme: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in [
        "type",
        "scheme",
        "in",
        "name",
        "bearerFormat",
        "openIdConnectUrl",
    ] {
        if let Some(v) = scheme.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    if let Some(Value::Object(flows)) = scheme.get("flows") {
        let flows: serde_json::Map<String, Value> = flows
            .iter()
            .map(|(kind, flow)| {
                let mut kept = flow.clone();
                if let Some(obj) = kept.as_object_mut() {
                    obj.remove("description");
                }
                (kind.clone(), kept)
            })
            .collect();
        out.insert("flows".into(), Value::Object(flows));
    }
    Value::Object(out)
}

fn security_schemes(ctx: &Context<'_>, sink: &mut Sink) {
    let schemes = |doc: &Value| {
        doc.pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), scheme_contract(refs::deref(doc, v))))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default()
    };
    let (before, after) = (schemes(ctx.base), schemes(ctx.revision));
    for (name, old) in &before {
        let loc = format!("components.securitySchemes.{name}");
        match after.get(name) {
            None => sink.push(
                "security-scheme-removed",
                Severity::Breaking,
                &loc,
                old.clone(),
                Value::Null,
                format!("security scheme `{name}` removed"),
            ),
            Some(new) if new != old => sink.push(
                "security-scheme-changed",
                Severity::Breaking,
                &loc,
                old.clone(),
                new.clone(),
                format!("security scheme `{name}` changed how clients authenticate"),
            ),
            Some(_) => {}
        }
    }
    for (name, new) in after.iter().filter(|(n, _)| !before.contains_key(*n)) {
        sink.push(
            "security-scheme-added",
            Severity::Info,
            &format!("components.securitySchemes.{name}"),
            Value::Null,
            new.clone(),
            format!("security scheme `{name}` added"),
        );
    }
}
