//! A small OpenAPI Overlay 1.0 applier over `serde_json::Value`.
//!
//! Written here rather than taken from a crate: the one overlay crate seen (`roas-overlay`) brings its own
//! OpenAPI model, while the pull pipeline works on plain JSON values; JSONPath itself comes from
//! `serde_json_path` (RFC 9535). Semantics, per the Overlay 1.0 action model:
//! - `remove: true` deletes every node the `target` selects;
//! - `update` merges into every selected node: objects recursively (keys of the update win), arrays and
//!   scalars replaced; when the selected node is an array, the update value is appended to it.
//!
//! One extension is supported, because the action model cannot rename object keys: a top-level
//! `x-rename-path-prefix: {from, to}` rewrites the prefix of every key under `paths` before the actions run.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::error::PullError;

/// The parts of an overlay document this applier uses.
#[derive(Debug, Deserialize)]
pub struct Overlay {
    /// Must be `1.0.x`.
    pub overlay: String,
    /// Optional prefix rename done before the actions.
    #[serde(rename = "x-rename-path-prefix")]
    pub rename_path_prefix: Option<PrefixRename>,
    /// Actions, applied in order.
    pub actions: Vec<Action>,
}

/// `x-rename-path-prefix`.
#[derive(Debug, Deserialize)]
pub struct PrefixRename {
    /// Old prefix.
    pub from: String,
    /// New prefix.
    pub to: String,
}

/// One action.
#[derive(Debug, Deserialize)]
pub struct Action {
    /// RFC 9535 JSONPath selecting the nodes to change.
    pub target: String,
    /// Value merged into every target.
    pub update: Option<Value>,
    /// Delete every target.
    #[serde(default)]
    pub remove: bool,
}

/// Reads an overlay (YAML, which includes JSON).
pub fn load(path: &Path) -> Result<Overlay, PullError> {
    let fail = |message: String| PullError::Overlay {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let overlay: Overlay = serde_yaml_ng::from_str(&text).map_err(|e| fail(e.to_string()))?;
    if !overlay.overlay.starts_with("1.0.") {
        return Err(fail(format!(
            "overlay version {} is not 1.0.x",
            overlay.overlay
        )));
    }
    Ok(overlay)
}

/// Applies `overlay` to `doc`. An action whose target selects nothing is an error: an overlay that
/// silently stops applying would let an upstream change slip into the derived fragment unreviewed.
pub fn apply(doc: &mut Value, overlay: &Overlay, path: &Path) -> Result<(), PullError> {
    let fail = |message: String| PullError::Overlay {
        path: path.to_path_buf(),
        message,
    };
    if let Some(rename) = &overlay.rename_path_prefix {
        let paths = doc
            .get_mut("paths")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| fail("document has no paths to rename".into()))?;
        let old = std::mem::take(paths);
        let mut renamed = 0;
        for (key, item) in old {
            let key = match key.strip_prefix(&rename.from) {
                Some(rest) => {
                    renamed += 1;
                    format!("{}{rest}", rename.to)
                }
                None => key,
            };
            paths.insert(key, item);
        }
        if renamed == 0 {
            return Err(fail(format!("no path starts with {}", rename.from)));
        }
    }
    for (i, action) in overlay.actions.iter().enumerate() {
        let json_path = JsonPath::parse(&action.target).map_err(|e| {
            fail(format!(
                "action {}: bad target {}: {e}",
                i + 1,
                action.target
            ))
        })?;
        let pointers: Vec<String> = json_path
            .query_located(doc)
            .locations()
            .map(|p| p.to_json_pointer())
            .collect();
        if pointers.is_empty() {
            return Err(fail(format!(
                "action {}: target {} selects nothing",
                i + 1,
                action.target
            )));
        }
        if action.remove {
            // Remove from the end so earlier array indices stay valid.
            for pointer in pointers.iter().rev() {
                remove_at(doc, pointer);
            }
        } else if let Some(update) = &action.update {
            for pointer in &pointers {
                if let Some(node) = doc.pointer_mut(pointer) {
                    match node {
                        Value::Array(items) => items.push(update.clone()),
                        _ => merge(node, update),
                    }
                }
            }
        } else {
            return Err(fail(format!("action {}: neither update nor remove", i + 1)));
        }
    }
    Ok(())
}

fn merge(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Object(t), Value::Object(u)) => {
            for (k, v) in u {
                match t.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (t, u) => *t = u.clone(),
    }
}

fn remove_at(doc: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: &mut Value, overlay: &str) -> Result<(), PullError> {
        let overlay: Overlay = serde_yaml_ng::from_str(overlay).unwrap();
        apply(doc, &overlay, Path::new("test.yaml"))
    }

    #[test]
    fn rename_update_and_remove() {
        let mut doc =
            json!({"paths": {"/api/a/x": {"get": {}}}, "s": {"r": ["A", "B", "C"], "o": {"k": 1}}});
        run(
            &mut doc,
            "overlay: 1.0.0\nx-rename-path-prefix: {from: /api/a, to: /api/b}\nactions:\n\
             - target: $.s.r[?@ == 'B' || @ == 'C']\n  remove: true\n\
             - target: $.s\n  update: {required: [r], o: {j: 2}}\n\
             - target: $.s.r\n  update: D\n",
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"paths": {"/api/b/x": {"get": {}}}, "s": {"r": ["A", "D"], "o": {"k": 1, "j": 2}, "required": ["r"]}})
        );
    }

    #[test]
    fn an_action_that_selects_nothing_is_an_error() {
        let mut doc = json!({"paths": {}});
        let err = run(
            &mut doc,
            "overlay: 1.0.0\nactions:\n- target: $.nothing\n  remove: true\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("selects nothing"), "{err}");
    }
}
