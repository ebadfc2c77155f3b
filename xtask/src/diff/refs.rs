//! `$ref` resolution inside one document (`#/components/...` in OpenAPI, `#/$defs/...` in JSON Schema).

use serde_json::Value;

/// How many `$ref` hops are followed before giving up: a chain this long is a loop of plain aliases.
const MAX_HOPS: usize = 32;

/// Looks up a local reference (`#/a/b~1c`). External references and dangling ones give `None`.
pub(crate) fn lookup<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(doc);
    }
    // serde_json's pointer lookup does the `~0`/`~1` unescaping; percent-encoding is not used by our inputs.
    doc.pointer(pointer)
}

/// Follows `$ref` chains until a value without `$ref`. Returns the value and the last reference followed,
/// which names the component for cycle detection. An unresolvable reference yields the `$ref` object itself
/// so that two documents pointing at the same missing name still compare equal.
pub(crate) fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> (&'a Value, Option<&'a str>) {
    let mut last = None;
    for _ in 0..MAX_HOPS {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return (value, last);
        };
        match lookup(doc, reference) {
            Some(target) => {
                last = Some(reference);
                value = target;
            }
            None => return (value, last),
        }
    }
    (value, last)
}

/// Resolves and returns only the value.
pub(crate) fn deref<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    resolve(doc, value).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follows_chains_and_escapes() {
        let doc = json!({
            "components": {"schemas": {"a/b": {"$ref": "#/$defs/C"}}},
            "$defs": {"C": {"type": "string"}}
        });
        let start = json!({"$ref": "#/components/schemas/a~1b"});
        let (v, last) = resolve(&doc, &start);
        assert_eq!(v, &json!({"type": "string"}));
        assert_eq!(last, Some("#/$defs/C"));
    }

    #[test]
    fn dangling_and_looping_refs_stop() {
        let doc = json!({"$defs": {"A": {"$ref": "#/$defs/A"}}});
        let dangling = json!({"$ref": "#/$defs/Missing"});
        assert_eq!(deref(&doc, &dangling), &dangling);
        let looping = json!({"$ref": "#/$defs/A"});
        assert_eq!(deref(&doc, &looping), &json!({"$ref": "#/$defs/A"}));
    }
}
