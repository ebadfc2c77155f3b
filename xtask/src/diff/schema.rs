//! Comparing two schemas, each resolved inside its own document, with the direction deciding severities.
//!
//! Schemas are first flattened (`$ref` followed, `allOf` merged, `null` branches and `type: [.., "null"]`
//! turned into `nullable`), so an OpenAPI 3.0 fragment and a JSON Schema 2020-12 document derived by
//! schemars compare on what they accept, not on how they spell it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::bindings::{Facts, FieldKind, Generated};
use super::finding::{Direction, Severity, Sink, opt_str};
use super::refs;

/// Deeper than any real payload; stops a walk that cycle detection could not see (inline recursion).
const MAX_DEPTH: usize = 48;

/// A schema flattened for comparison.
#[derive(Debug, Default)]
struct Flat<'a> {
    /// The component reached through `$ref`, if any: names the node for cycle detection.
    reference: Option<&'a str>,
    /// Allowed JSON types other than null; `None` when unconstrained.
    types: Option<BTreeSet<&'a str>>,
    nullable: bool,
    format: Option<&'a str>,
    enumeration: Option<Vec<&'a Value>>,
    /// The schema node the `enum` was read from, which names it for [`Generated::is_open`].
    enum_owner: Option<&'a Value>,
    unique_items: bool,
    has_default: bool,
    /// `discriminator.propertyName` of the schema itself (not of an `allOf` part).
    discriminator: Option<&'a str>,
    pattern: Option<&'a str>,
    bounds: [Option<&'a Value>; BOUNDS.len()],
    properties: BTreeMap<&'a str, &'a Value>,
    required: BTreeSet<&'a str>,
    items: Option<&'a Value>,
    additional: Option<&'a Value>,
    one_of: Vec<&'a Value>,
    any_of: Vec<&'a Value>,
    read_only: bool,
    write_only: bool,
}

/// A numeric limit: its keyword, the word used in rule ids, and whether it is an upper bound.
struct Bound {
    keyword: &'static str,
    rule: &'static str,
    upper: bool,
}

const BOUNDS: [Bound; 6] = [
    Bound {
        keyword: "maxLength",
        rule: "max-length",
        upper: true,
    },
    Bound {
        keyword: "minLength",
        rule: "min-length",
        upper: false,
    },
    Bound {
        keyword: "maximum",
        rule: "max",
        upper: true,
    },
    Bound {
        keyword: "minimum",
        rule: "min",
        upper: false,
    },
    Bound {
        keyword: "maxItems",
        rule: "max-items",
        upper: true,
    },
    Bound {
        keyword: "minItems",
        rule: "min-items",
        upper: false,
    },
];

impl<'a> Flat<'a> {
    fn of(doc: &'a Value, value: &'a Value) -> Flat<'a> {
        let mut flat = Flat::default();
        flat.absorb(doc, value, 0, true);
        flat
    }

    /// Merges `value` (resolved) into `self`; used for the schema itself and for each `allOf` branch.
    /// `own` is false for `allOf` parts, whose alternatives are not taken (see below).
    fn absorb(&mut self, doc: &'a Value, value: &'a Value, depth: usize, own: bool) {
        let (value, reference) = refs::resolve(doc, value);
        if own && self.reference.is_none() {
            self.reference = reference;
        }
        let Some(map) = value.as_object() else {
            return;
        };
        match map.get("type") {
            Some(Value::String(t)) if t == "null" => self.nullable = true,
            Some(Value::String(t)) => self.restrict_types([t.as_str()].into()),
            Some(Value::Array(list)) => {
                let mut set = BTreeSet::new();
                for t in list.iter().filter_map(Value::as_str) {
                    if t == "null" {
                        self.nullable = true;
                    } else {
                        set.insert(t);
                    }
                }
                self.restrict_types(set);
            }
            _ => {}
        }
        let flag = |key: &str| map.get(key).and_then(Value::as_bool) == Some(true);
        self.nullable |= flag("nullable");
        self.read_only |= flag("readOnly");
        self.write_only |= flag("writeOnly");
        self.unique_items |= flag("uniqueItems");
        self.has_default |= map.contains_key("default");
        if own && self.discriminator.is_none() {
            self.discriminator = map
                .get("discriminator")
                .and_then(|d| d.get("propertyName"))
                .and_then(Value::as_str);
        }
        self.format = self.format.or(map.get("format").and_then(Value::as_str));
        self.pattern = self.pattern.or(map.get("pattern").and_then(Value::as_str));
        if self.enumeration.is_none() {
            if let Some(Value::Array(values)) = map.get("enum") {
                let (nulls, values): (Vec<&Value>, Vec<&Value>) =
                    values.iter().partition(|v| v.is_null());
                self.nullable |= !nulls.is_empty();
                self.enumeration = Some(values);
                self.enum_owner = Some(value);
            } else if let Some(constant) = map.get("const") {
                self.enumeration = Some(vec![constant]);
            }
        }
        for (slot, bound) in self.bounds.iter_mut().zip(BOUNDS.iter()) {
            *slot = slot.or(map.get(bound.keyword).filter(|v| v.is_number()));
        }
        if let Some(Value::Object(props)) = map.get("properties") {
            for (name, schema) in props {
                self.properties.entry(name.as_str()).or_insert(schema);
            }
        }
        if let Some(Value::Array(required)) = map.get("required") {
            self.required
                .extend(required.iter().filter_map(Value::as_str));
        }
        self.items = self.items.or(map.get("items"));
        if let Some(extra) = map.get("additionalProperties")
            && extra.is_object()
        {
            self.additional = self.additional.or(Some(extra));
        }
        if depth < MAX_DEPTH
            && let Some(Value::Array(parts)) = map.get("allOf")
        {
            for part in parts {
                self.absorb(doc, part, depth + 1, false);
            }
        }
        // Alternatives count only on the schema itself: an `allOf` part is typically the polymorphic parent
        // whose `oneOf` lists this very schema, and taking it would loop.
        for (key, is_one_of) in [("oneOf", true), ("anyOf", false)] {
            let Some(Value::Array(branches)) = map.get(key).filter(|_| own) else {
                continue;
            };
            let mut kept = Vec::new();
            for branch in branches {
                if is_null_schema(refs::deref(doc, branch)) {
                    self.nullable = true;
                } else {
                    kept.push(branch);
                }
            }
            // `anyOf: [X, {type: null}]` is how JSON Schema spells an optional X: it is X, nullable.
            if kept.len() == 1 && branches.len() > 1 && depth < MAX_DEPTH {
                self.absorb(doc, kept[0], depth + 1, true);
            } else if is_one_of {
                self.one_of.extend(kept);
            } else {
                self.any_of.extend(kept);
            }
        }
    }

    fn restrict_types(&mut self, set: BTreeSet<&'a str>) {
        self.types = Some(match self.types.take() {
            Some(old) => old.intersection(&set).copied().collect(),
            None => set,
        });
    }

    /// Properties a client can see in this direction: read-only ones are never sent, write-only ones never
    /// come back.
    fn visible_properties(
        &self,
        doc: &'a Value,
        direction: Direction,
    ) -> BTreeMap<&'a str, &'a Value> {
        self.properties
            .iter()
            .filter(|(_, schema)| {
                let flat = Flat::of(doc, schema);
                match direction {
                    Direction::Request => !flat.read_only,
                    Direction::Response => !flat.write_only,
                }
            })
            .map(|(k, v)| (*k, *v))
            .collect()
    }
}

impl Flat<'_> {
    /// The struct field typify generates for this property schema (see [`FieldKind`]). `direction` matters
    /// because codegen strips `default` from request schemas.
    fn field_kind(&self, required: bool, direction: Direction) -> FieldKind {
        let only = |t: &str| {
            self.types
                .as_ref()
                .is_some_and(|set| set.len() == 1 && set.contains(t))
        };
        let map = only("object") && self.properties.is_empty() && self.one_of.is_empty();
        if required {
            FieldKind::Required
        } else if self.nullable {
            FieldKind::Optional
        } else if (self.has_default && direction == Direction::Response)
            || (only("array") && !self.unique_items)
            || map
        {
            FieldKind::Defaulted
        } else {
            FieldKind::Optional
        }
    }
}

/// The generated struct field of every property of `schema` (its `allOf` parts merged, as typify merges
/// them), by property name.
pub(crate) fn field_kinds(
    doc: &Value,
    schema: &Value,
    direction: Direction,
) -> BTreeMap<String, FieldKind> {
    let flat = Flat::of(doc, schema);
    flat.properties
        .iter()
        .map(|(name, property)| {
            let kind = Flat::of(doc, property).field_kind(flat.required.contains(name), direction);
            (name.to_string(), kind)
        })
        .collect()
}

fn is_null_schema(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("null")
}

fn types_value(types: Option<&BTreeSet<&str>>) -> Value {
    match types {
        None => Value::Null,
        Some(set) if set.len() == 1 => json!(set.iter().next()),
        Some(set) => json!(set),
    }
}

/// Whether every value `narrow` allows is also allowed by `wide` (`None` allows anything; an integer is a
/// number).
fn types_within(narrow: Option<&BTreeSet<&str>>, wide: Option<&BTreeSet<&str>>) -> bool {
    match (narrow, wide) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(narrow), Some(wide)) => narrow
            .iter()
            .all(|t| wide.contains(t) || (*t == "integer" && wide.contains("number"))),
    }
}

/// Whether two type sets share no value at all (neither lies within the other).
fn unrelated_types(a: Option<&BTreeSet<&str>>, b: Option<&BTreeSet<&str>>) -> bool {
    a.is_some() && b.is_some() && !types_within(a, b) && !types_within(b, a)
}

/// One comparison: the two documents, the direction, and the rule-id prefix at the root
/// (`request-body`, `response-body`, `request-parameter`, `response-header`).
pub(crate) struct SchemaDiff<'a, 's> {
    pub(crate) base_doc: &'a Value,
    pub(crate) revision_doc: &'a Value,
    pub(crate) direction: Direction,
    pub(crate) root_prefix: &'static str,
    pub(crate) sink: &'s mut Sink,
    /// Component pairs being compared further up, to stop at recursive types.
    stack: Vec<(&'a str, &'a str)>,
    /// What codegen makes of the base document (which enums are open).
    generated: Option<&'a Generated>,
}

impl<'a, 's> SchemaDiff<'a, 's> {
    pub(crate) fn new(
        base_doc: &'a Value,
        revision_doc: &'a Value,
        direction: Direction,
        root_prefix: &'static str,
        sink: &'s mut Sink,
    ) -> Self {
        SchemaDiff {
            base_doc,
            revision_doc,
            direction,
            root_prefix,
            sink,
            stack: Vec::new(),
            generated: None,
        }
    }

    /// Decides enum severities from what codegen makes of the base document.
    pub(crate) fn with_generated(mut self, generated: &'a Generated) -> Self {
        self.generated = Some(generated);
        self
    }

    /// Compares `base` with `revision`, reporting at `location`.
    pub(crate) fn run(&mut self, base: &'a Value, revision: &'a Value, location: &str) {
        let prefix = self.root_prefix;
        self.node(base, revision, location, prefix, 0, None);
    }

    fn property_prefix(&self) -> &'static str {
        self.direction
            .pick_str("request-property", "response-property")
    }

    fn node(
        &mut self,
        base: &'a Value,
        revision: &'a Value,
        loc: &str,
        prefix: &str,
        depth: usize,
        field: Option<FieldKind>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let b = Flat::of(self.base_doc, base);
        let r = Flat::of(self.revision_doc, revision);
        let pair = b.reference.zip(r.reference);
        if let Some(pair) = pair {
            if self.stack.contains(&pair) {
                return;
            }
            self.stack.push(pair);
        }
        // What is said about the value itself belongs to the field holding it; what is inside it, to the
        // named schema it refers to.
        self.scalars(&b, &r, loc, prefix, field);
        let anchor = b
            .reference
            .or(r.reference)
            .and_then(component_name)
            .map(|name| (loc.to_string(), name.to_string()));
        let outer = match anchor {
            Some(anchor) => self.sink.anchor.replace(anchor),
            None => self.sink.anchor.clone(),
        };
        // Once an object became an array (say), comparing their insides only repeats the type change.
        if !unrelated_types(b.types.as_ref(), r.types.as_ref()) {
            self.structure(&b, &r, loc, prefix, depth);
        }
        self.sink.anchor = outer;
        if pair.is_some() {
            self.stack.pop();
        }
    }

    /// Properties, items, additional properties and alternatives of one node.
    fn structure(&mut self, b: &Flat<'a>, r: &Flat<'a>, loc: &str, prefix: &str, depth: usize) {
        self.properties(b, r, loc, depth);
        if let (Some(bi), Some(ri)) = (b.items, r.items) {
            self.node(bi, ri, &format!("{loc}[]"), prefix, depth + 1, None);
        }
        if let (Some(ba), Some(ra)) = (b.additional, r.additional) {
            self.node(ba, ra, &format!("{loc}{{}}"), prefix, depth + 1, None);
        }
        self.branches(&b.one_of, &r.one_of, "one-of", "oneOf", loc, prefix, depth);
        self.branches(&b.any_of, &r.any_of, "any-of", "anyOf", loc, prefix, depth);
    }

    /// Type, format, nullability, enum, pattern and numeric limits of one node.
    fn scalars(
        &mut self,
        b: &Flat<'a>,
        r: &Flat<'a>,
        loc: &str,
        prefix: &str,
        field: Option<FieldKind>,
    ) {
        let dir = self.direction;
        use Severity::{Breaking, Info, Warning};
        if b.types != r.types {
            let widened = match dir {
                Direction::Request => types_within(b.types.as_ref(), r.types.as_ref()),
                Direction::Response => types_within(r.types.as_ref(), b.types.as_ref()),
            };
            let (before, after) = (types_value(b.types.as_ref()), types_value(r.types.as_ref()));
            self.sink.push(
                format!("{prefix}-type-changed"),
                if widened { Info } else { Breaking },
                loc,
                before.clone(),
                after.clone(),
                format!("type changed from {before} to {after}"),
            );
        }
        self.string_constraint("format", false, b.format, r.format, loc, prefix);
        if b.nullable != r.nullable {
            let (rule, severity, what) = if r.nullable {
                (
                    "became-nullable",
                    dir.pick(Info, Breaking),
                    "became nullable",
                )
            } else {
                (
                    "became-not-nullable",
                    dir.pick(Breaking, Info),
                    "is no longer nullable",
                )
            };
            self.sink.push_with(
                format!("{prefix}-{rule}"),
                severity,
                loc,
                json!(b.nullable),
                json!(r.nullable),
                format!("the value {what}"),
                Facts {
                    field,
                    ..Facts::default()
                },
            );
        }
        self.enumeration(b, r, loc, prefix);
        self.discriminator(b, r, loc, prefix);
        self.string_constraint("pattern", true, b.pattern, r.pattern, loc, prefix);
        for (i, bound) in BOUNDS.iter().enumerate() {
            let (old, new) = (b.bounds[i], r.bounds[i]);
            // A missing limit is the loosest one: +inf for an upper bound, -inf for a lower one.
            let loose = if bound.upper {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            };
            let number = |v: Option<&Value>| v.and_then(Value::as_f64).unwrap_or(loose);
            let (o, n) = (number(old), number(new));
            if o == n {
                continue;
            }
            let narrowed = if bound.upper { n < o } else { n > o };
            let word = if n > o { "increased" } else { "decreased" };
            // Upstream moved string lengths into patterns (`^([a-f0-9]{24})$`): a limit dropped beside such a
            // pattern still holds.
            let implied = r
                .pattern
                .filter(|_| bound.keyword.ends_with("Length"))
                .and_then(pattern_length);
            let length_kept_by_pattern = implied.is_some_and(|(min, max)| {
                if bound.upper {
                    max.is_some_and(|m| m as f64 <= o)
                } else {
                    min as f64 >= o
                }
            });
            self.sink.push_with(
                format!("{prefix}-{}-{word}", bound.rule),
                if narrowed {
                    dir.pick(Breaking, Info)
                } else {
                    dir.pick(Info, Warning)
                },
                loc,
                old.cloned().unwrap_or(Value::Null),
                new.cloned().unwrap_or(Value::Null),
                format!(
                    "{} {word} from {} to {}",
                    bound.keyword,
                    old.map_or("none".into(), Value::to_string),
                    new.map_or("none".into(), Value::to_string)
                ),
                Facts {
                    length_kept_by_pattern,
                    ..Facts::default()
                },
            );
        }
    }

    fn enumeration(&mut self, b: &Flat<'a>, r: &Flat<'a>, loc: &str, prefix: &str) {
        let dir = self.direction;
        use Severity::{Breaking, Info, Warning};
        let facts = Facts {
            open_enum: self
                .generated
                .zip(b.enum_owner)
                .is_some_and(|(g, owner)| g.is_open(owner)),
            ..Facts::default()
        };
        match (&b.enumeration, &r.enumeration) {
            (Some(old), Some(new)) => {
                for value in old.iter().filter(|v| !new.contains(v)) {
                    self.sink.push_with(
                        format!("{prefix}-enum-value-removed"),
                        dir.pick(Breaking, Info),
                        loc,
                        (*value).clone(),
                        Value::Null,
                        format!("enum value {value} removed"),
                        facts,
                    );
                }
                for value in new.iter().filter(|v| !old.contains(v)) {
                    self.sink.push_with(
                        format!("{prefix}-enum-value-added"),
                        dir.pick(Info, Warning),
                        loc,
                        Value::Null,
                        (*value).clone(),
                        format!("enum value {value} added"),
                        facts,
                    );
                }
            }
            (Some(old), None) => self.sink.push_with(
                format!("{prefix}-enum-removed"),
                dir.pick(Info, Warning),
                loc,
                json!(old),
                Value::Null,
                "the enum constraint was dropped: any value of the type is allowed".into(),
                facts,
            ),
            (None, Some(new)) => self.sink.push_with(
                format!("{prefix}-enum-added"),
                dir.pick(Breaking, Info),
                loc,
                Value::Null,
                json!(new),
                "values are now restricted to an enum".into(),
                facts,
            ),
            (None, None) => {}
        }
    }

    fn discriminator(&mut self, b: &Flat<'a>, r: &Flat<'a>, loc: &str, prefix: &str) {
        use Severity::{Info, Warning};
        let dir = self.direction;
        let (what, severity) = match (b.discriminator, r.discriminator) {
            (old, new) if old == new => return,
            (None, Some(_)) => ("added", dir.pick(Warning, Info)),
            (Some(_), None) => ("removed", dir.pick(Info, Warning)),
            _ => ("property-name-changed", Warning),
        };
        self.sink.push(
            format!("{prefix}-discriminator-{what}"),
            severity,
            loc,
            opt_str(b.discriminator),
            opt_str(r.discriminator),
            format!(
                "discriminator property changed from {} to {}",
                b.discriminator.unwrap_or("none"),
                r.discriminator.unwrap_or("none")
            ),
        );
    }

    /// A string-valued constraint (`format`, `pattern`): adding one narrows what is allowed, dropping one
    /// widens it. `split` gives added/removed/changed their own rule ids; otherwise all are `-changed`.
    fn string_constraint(
        &mut self,
        keyword: &str,
        split: bool,
        old: Option<&str>,
        new: Option<&str>,
        loc: &str,
        prefix: &str,
    ) {
        use Severity::{Info, Warning};
        let dir = self.direction;
        let (what, severity) = match (old, new) {
            (old, new) if old == new => return,
            (None, Some(_)) => ("added", dir.pick(Warning, Info)),
            (Some(_), None) => ("removed", dir.pick(Info, Warning)),
            _ => ("changed", Warning),
        };
        let rule = if split { what } else { "changed" };
        self.sink.push(
            format!("{prefix}-{keyword}-{rule}"),
            severity,
            loc,
            opt_str(old),
            opt_str(new),
            format!(
                "{keyword} changed from {} to {}",
                old.unwrap_or("none"),
                new.unwrap_or("none")
            ),
        );
    }

    fn properties(&mut self, b: &Flat<'a>, r: &Flat<'a>, loc: &str, depth: usize) {
        use Severity::{Breaking, Info, Warning};
        let dir = self.direction;
        let old = b.visible_properties(self.base_doc, dir);
        let new = r.visible_properties(self.revision_doc, dir);
        let prefix = self.property_prefix();
        for (name, schema) in &old {
            let here = format!("{loc}.{name}");
            let was_required = b.required.contains(name);
            // A schema codegen replaces with a shared type decodes as that type does.
            let shared = self
                .sink
                .anchor
                .as_ref()
                .and_then(|(_, component)| super::shared::field_kind(component, name));
            let field = shared
                .unwrap_or_else(|| Flat::of(self.base_doc, schema).field_kind(was_required, dir));
            let facts = Facts {
                field: Some(field),
                ..Facts::default()
            };
            match new.get(name) {
                None => {
                    let (rule, severity) = match (dir, was_required) {
                        (Direction::Request, _) => ("request-property-removed", Warning),
                        (Direction::Response, true) => {
                            ("response-required-property-removed", Breaking)
                        }
                        (Direction::Response, false) => {
                            ("response-optional-property-removed", Warning)
                        }
                    };
                    self.sink.push_with(
                        rule,
                        severity,
                        &here,
                        json!({"required": was_required}),
                        Value::Null,
                        format!("property `{name}` removed"),
                        facts,
                    );
                }
                Some(rev_schema) => {
                    let is_required = r.required.contains(name);
                    if was_required != is_required {
                        let (rule, severity) = if is_required {
                            ("became-required", dir.pick(Breaking, Info))
                        } else {
                            ("became-optional", dir.pick(Info, Breaking))
                        };
                        self.sink.push_with(
                            format!("{prefix}-{rule}"),
                            severity,
                            &here,
                            json!(was_required),
                            json!(is_required),
                            format!(
                                "property `{name}` {}",
                                if is_required {
                                    "became required"
                                } else {
                                    "became optional"
                                }
                            ),
                            facts,
                        );
                    }
                    self.node(schema, rev_schema, &here, prefix, depth + 1, Some(field));
                }
            }
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            let required = r.required.contains(name);
            let (rule, severity) = match (dir, required) {
                (Direction::Request, true) => ("new-required-request-property", Breaking),
                (Direction::Request, false) => ("new-optional-request-property", Info),
                (Direction::Response, true) => ("response-required-property-added", Info),
                (Direction::Response, false) => ("response-optional-property-added", Info),
            };
            self.sink.push(
                rule,
                severity,
                &format!("{loc}.{name}"),
                Value::Null,
                json!({"required": required}),
                format!(
                    "{} property `{name}` added",
                    if required { "required" } else { "optional" }
                ),
            );
        }
    }

    /// `oneOf`/`anyOf` branches, paired by the component they name (or their title), the rest by position:
    /// upstream inserts new branches in alphabetical order, so pairing by position alone would compare
    /// unrelated schemas.
    #[allow(clippy::too_many_arguments)]
    fn branches(
        &mut self,
        old: &[&'a Value],
        new: &[&'a Value],
        rule: &str,
        keyword: &str,
        loc: &str,
        prefix: &str,
        depth: usize,
    ) {
        use Severity::{Breaking, Info, Warning};
        let dir = self.direction;
        let old_keys: Vec<Option<&str>> =
            old.iter().map(|b| branch_key(self.base_doc, b)).collect();
        let new_keys: Vec<Option<&str>> = new
            .iter()
            .map(|b| branch_key(self.revision_doc, b))
            .collect();
        let mut new_used = vec![false; new.len()];
        let mut pairs = Vec::new();
        let mut unmatched_old = Vec::new();
        for (i, key) in old_keys.iter().enumerate() {
            let hit =
                key.and_then(|k| (0..new.len()).find(|&j| !new_used[j] && new_keys[j] == Some(k)));
            match hit {
                Some(j) => {
                    new_used[j] = true;
                    pairs.push((i, j));
                }
                None => unmatched_old.push(i),
            }
        }
        // Branches without a name are paired in order with unnamed branches of the other side.
        let mut rest_new = (0..new.len()).filter(|&j| !new_used[j] && new_keys[j].is_none());
        let mut removed = Vec::new();
        for i in unmatched_old {
            match old_keys[i].is_none().then(|| rest_new.next()).flatten() {
                Some(j) => pairs.push((i, j)),
                None => removed.push(i),
            }
        }
        let paired: Vec<usize> = pairs.iter().map(|&(_, j)| j).collect();
        for j in paired {
            new_used[j] = true;
        }
        let label =
            |key: Option<&str>, index: usize| key.map_or_else(|| index.to_string(), str::to_string);
        for (i, j) in pairs {
            let here = format!("{loc}.{keyword}[{}]", label(new_keys[j], j));
            self.node(old[i], new[j], &here, prefix, depth + 1, None);
        }
        for i in removed {
            self.sink.push(
                format!("{prefix}-{rule}-removed"),
                dir.pick(Breaking, Info),
                &format!("{loc}.{keyword}[{}]", label(old_keys[i], i)),
                json!(label(old_keys[i], i)),
                Value::Null,
                format!("{keyword} branch {} removed", label(old_keys[i], i)),
            );
        }
        for j in (0..new.len()).filter(|&j| !new_used[j]) {
            self.sink.push(
                format!("{prefix}-{rule}-added"),
                dir.pick(Info, Warning),
                &format!("{loc}.{keyword}[{}]", label(new_keys[j], j)),
                Value::Null,
                json!(label(new_keys[j], j)),
                format!("{keyword} branch {} added", label(new_keys[j], j)),
            );
        }
    }
}

/// The string lengths a pattern made of one repeated atom allows: `^([a-f0-9]{24})$` → (24, Some(24)),
/// `^[\p{L}\p{N}]{1,64}$` → (1, Some(64)). `None` for any other shape.
pub(crate) fn pattern_length(pattern: &str) -> Option<(u64, Option<u64>)> {
    let inner = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let inner = inner
        .strip_prefix('(')
        .and_then(|i| i.strip_suffix(')'))
        .unwrap_or(inner);
    // One atom: a character class, an escape (`\d`, `\p{L}`) or `.`.
    let rest = if let Some(class) = inner.strip_prefix('[') {
        let mut escaped = false;
        let end = class.char_indices().find_map(|(i, c)| {
            let closes = c == ']' && !escaped;
            escaped = c == '\\' && !escaped;
            closes.then_some(i)
        })?;
        &class[end + 1..]
    } else if let Some(escape) = inner.strip_prefix('\\') {
        let mut chars = escape.chars();
        let letter = chars.next()?;
        let after = chars.as_str();
        match (letter, after.strip_prefix('{')) {
            ('p' | 'P', Some(braced)) => &braced[braced.find('}')? + 1..],
            _ => after,
        }
    } else {
        inner.strip_prefix('.')?
    };
    let counts = rest.strip_prefix('{')?.strip_suffix('}')?;
    let (min, max) = match counts.split_once(',') {
        Some((min, "")) => (min.trim().parse().ok()?, None),
        Some((min, max)) => (min.trim().parse().ok()?, Some(max.trim().parse().ok()?)),
        None => {
            let n = counts.trim().parse().ok()?;
            (n, Some(n))
        }
    };
    Some((min, max))
}

/// `Name` for `#/components/schemas/Name` or `#/$defs/Name`: the schemas typify names types after.
fn component_name(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("#/components/schemas/")
        .or_else(|| reference.strip_prefix("#/$defs/"))
        .filter(|name| !name.contains('/'))
}

/// What names a `oneOf`/`anyOf` branch across documents: the component it refers to, else its title.
fn branch_key<'a>(doc: &'a Value, branch: &'a Value) -> Option<&'a str> {
    let (value, reference) = refs::resolve(doc, branch);
    reference
        .and_then(|r| r.rsplit('/').next())
        .or_else(|| value.get("title").and_then(Value::as_str))
}

impl Direction {
    pub(crate) fn pick_str(self, request: &'static str, response: &'static str) -> &'static str {
        match self {
            Direction::Request => request,
            Direction::Response => response,
        }
    }
}
