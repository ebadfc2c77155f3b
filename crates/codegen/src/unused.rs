//! Which fixups of a flavour find nothing left to change in a fragment, so that `cargo xtask pull` and
//! `bump` can report them (name, fragment, revision) instead of a build failing on them.

use serde_json::Value;

use crate::{CodegenError, Flavour, operations};

/// The names of `flavour`'s fixups that change nothing in `fragment` (its committed JSON text), in the
/// flavour's order. Each fixup sees the fragment as the ones before it left it, as in [`crate::generate`].
pub fn unused_fixups(flavour: Flavour, fragment: &str) -> Result<Vec<&'static str>, CodegenError> {
    let mut doc: Value = serde_json::from_str(fragment)
        .map_err(|e| CodegenError(format!("fragment is not valid JSON: {e}")))?;
    let rows = operations::rows(&doc);
    Ok(flavour
        .fixups
        .iter()
        .filter(|fixup| fixup.apply_counting(&mut doc, &rows) == 0)
        .map(|fixup| fixup.name())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_fragments_use_every_fixup() {
        for flavour in [crate::ATLAS_V2, crate::ATLAS_V1, crate::OPS_MANAGER_V1] {
            let path = format!(
                "{}/../../spec/{}.json",
                env!("CARGO_MANIFEST_DIR"),
                flavour.name
            );
            let text = std::fs::read_to_string(&path).expect("committed fragment");
            assert_eq!(unused_fixups(flavour, &text).unwrap(), Vec::<&str>::new());
        }
    }

    #[test]
    fn a_fixup_with_nothing_to_change_is_named() {
        // v1.0 fixups on a fragment with one plain operation and no ApiError, enum, default or pattern.
        let fragment = r#"{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{
            "/api/x/orgs/{orgId}":{"get":{"operationId":"getThing","parameters":[
                {"in":"path","name":"orgId","required":true,"schema":{"type":"string","pattern":"^([a-f0-9]{24})$"}}],
                "responses":{"200":{"description":"","content":{"application/json":{"schema":{"type":"string"}}}}}}}}}"#;
        let unused = unused_fixups(crate::ATLAS_V1, fragment).unwrap();
        assert!(
            unused.contains(&"loosen_api_error_parameters"),
            "{unused:?}"
        );
        assert!(unused.contains(&"open_enums"), "{unused:?}");
        assert!(!unused.contains(&"operation_docs"), "{unused:?}");
        assert!(unused_fixups(crate::ATLAS_V1, "{").is_err());
    }
}
