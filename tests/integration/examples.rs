//! MongoDB's own example bodies (from the upstream documents in `../shared/upstream`, which the committed
//! fragments leave out as prose) decode into the generated types and re-encode to the same JSON.

use integration_tests::shared_upstream;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn load(file: &str) -> Option<Value> {
    let path = shared_upstream()?.join(file);
    let fetched = xtask::document::read_file(&path).expect("read upstream document");
    Some(
        xtask::document::parse(&fetched, xtask::sources::Format::Yaml)
            .expect("parse upstream document"),
    )
}

/// Decodes `example` as `T` and checks that encoding gives the same JSON back.
fn round_trip<T: DeserializeOwned + Serialize>(what: &str, example: &Value) {
    let typed: T = serde_json::from_value(example.clone())
        .unwrap_or_else(|e| panic!("{what}: {e}\n{example}"));
    let again = serde_json::to_value(&typed).expect("encode");
    assert_eq!(&again, example, "{what} did not re-encode to the same JSON");
}

/// The example error bodies every operation's error responses carry.
fn error_examples(doc: &Value) -> Vec<(String, Value)> {
    let responses = doc["components"]["responses"]
        .as_object()
        .expect("responses");
    let examples: Vec<(String, Value)> = responses
        .iter()
        .filter_map(|(name, r)| {
            Some((
                name.clone(),
                r.pointer("/content/application~1json/example")?.clone(),
            ))
        })
        .collect();
    assert!(
        examples.len() >= 5,
        "expected the documented error examples, found {}",
        examples.len()
    );
    examples
}

/// An object made of the `example` of each property that has one.
fn property_examples(doc: &Value, schema: &str) -> Value {
    let props = doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .expect("properties");
    Value::Object(
        props
            .iter()
            .filter_map(|(name, p)| Some((name.clone(), p.get("example")?.clone())))
            .collect(),
    )
}

#[test]
fn upstream_error_examples_round_trip_through_every_api_error_type() {
    let Some(v2) = load("atlas-v2/v2-2026-08-21.yaml") else {
        return;
    };
    let Some(v1) = load("atlas-v1/v1-invitations-2026-01.yaml") else {
        return;
    };
    for (source, doc) in [("v2", &v2), ("v1.0", &v1)] {
        for (name, example) in error_examples(doc) {
            let what = format!("{source} {name}");
            round_trip::<atlas_v2::types::ApiError>(&what, &example);
            round_trip::<atlas_v1::types::ApiError>(&what, &example);
            round_trip::<ops_manager_v1::types::ApiError>(&what, &example);
            round_trip::<mongodb_invitations::ApiError>(&what, &example);
        }
    }
}

#[test]
fn upstream_property_examples_round_trip_through_the_invitation_types() {
    let Some(v2) = load("atlas-v2/v2-2026-08-21.yaml") else {
        return;
    };
    let Some(v1) = load("atlas-v1/v1-invitations-2026-01.yaml") else {
        return;
    };
    let group = property_examples(&v2, "GroupInvitation");
    assert_eq!(
        group["groupId"], "32b6e34b3d91647abb20e7b8",
        "the example ids are still there"
    );
    round_trip::<atlas_v2::types::GroupInvitation>("v2 GroupInvitation", &group);
    round_trip::<atlas_v1::types::GroupInvitation>(
        "v1.0 GroupInvitation",
        &property_examples(&v1, "GroupInvitation"),
    );
    round_trip::<ops_manager_v1::types::GroupInvitation>("Ops Manager GroupInvitation", &group);
    let assignment = property_examples(&v2, "GroupRole");
    round_trip::<atlas_v2::types::GroupRole>("v2 GroupRole", &assignment);
}
