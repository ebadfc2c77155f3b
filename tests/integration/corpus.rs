//! A response corpus generated from each fragment's schemas (see `integration_tests::corpus`), served from a
//! loopback responder and decoded through the facade for every operation and flavour, plain and
//! enveloped; the v2 Cloud Users operations other than `update_org_user` decode into the generated types
//! here (their facade calls are checked in `users_wire.rs`). Every body the schema allows must decode, with its values intact; bodies it does not allow give
//! a typed error.

use chrono::{DateTime, Utc};
use integration_tests::capture::{CaptureServer, Reply};
use integration_tests::corpus::{
    self, Body, Kind, Operation, UNKNOWN_ENUM_VALUE, UNKNOWN_PROPERTY,
};
use jsonschema::{Draft, Validator};
use mongodb_invitations::{
    Client, Error, Flavour, Invitation, InvitationId, InvitationTarget, Invitee,
    OrgInvitationChanges, OrgRole, OrgUser, OrgUserChanges, ProjectRole, RetryPolicy,
};
use serde_json::Value;

const ORG: &str = "5a0a1e7e0f2912c554080adc";
const GROUP: &str = "6b0b2f8f1f3a23d665191bed";
const INVITATION: &str = "7c1c309020b434e776202cfe";
const USER: &str = "9e3e52b242d656a998424e1f";
const USERNAME: &str = "ada@example.com";

/// One operation as the flavour crate's generated table lists it.
#[derive(Debug, Clone, Copy)]
struct Row {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    media_type: &'static str,
}

/// What the tests need of a flavour crate: its fragment, operations and envelope field.
struct FlavourCrate {
    flavour: Flavour,
    fragment: &'static str,
    rows: Vec<Row>,
    envelope_field: &'static str,
}

macro_rules! flavour_crate {
    ($flavour:expr, $krate:ident) => {
        FlavourCrate {
            flavour: $flavour,
            fragment: $krate::FRAGMENT,
            rows: $krate::operations::OPERATIONS
                .iter()
                .map(|o| Row {
                    name: o.name,
                    method: o.method,
                    path: o.path,
                    media_type: o.media_type,
                })
                .collect(),
            envelope_field: $krate::operations::ENVELOPE_FIELD,
        }
    };
}

fn flavour_crate(flavour: Flavour) -> FlavourCrate {
    match flavour {
        Flavour::AtlasV2 => flavour_crate!(flavour, atlas_v2),
        Flavour::AtlasV1 => flavour_crate!(flavour, atlas_v1),
        Flavour::OpsManager => flavour_crate!(flavour, ops_manager_v1),
    }
}

/// The corpus of every operation of a flavour, each body checked against its schema first: a body the
/// schema does not allow would prove nothing.
fn corpora(krate: &FlavourCrate) -> Vec<(Row, Operation, Vec<Body>)> {
    let doc: Value = serde_json::from_str(krate.fragment).expect("fragment is JSON");
    krate
        .rows
        .iter()
        .map(|row| {
            let op = Operation::read(&doc, row.method, row.path, row.media_type);
            let bodies = op.bodies();
            if let Some(schema) = &op.schema {
                let closed = validator(schema, false);
                let open = validator(schema, true);
                for body in &bodies {
                    let value = body.value.as_ref().expect("a schema gives a body");
                    let check = if body.kind == Kind::UnknownEnums {
                        &open
                    } else {
                        &closed
                    };
                    let errors: Vec<String> =
                        check.iter_errors(value).map(|e| e.to_string()).collect();
                    assert!(
                        errors.is_empty(),
                        "{} {}: generated {:?} body breaks its schema: {errors:?}\n{value:#}",
                        krate.flavour,
                        row.name,
                        body.kind
                    );
                }
                for invalid in op.invalid_bodies() {
                    assert!(
                        !closed.is_valid(&invalid.value),
                        "{} {}: the body with {} is allowed by the schema",
                        krate.flavour,
                        row.name,
                        invalid.what
                    );
                }
            }
            (*row, op, bodies)
        })
        .collect()
}

fn validator(schema: &Value, open_enums: bool) -> Validator {
    jsonschema::options()
        .with_draft(Draft::Draft4)
        .should_validate_formats(true)
        .build(&corpus::json_schema(schema, open_enums))
        .expect("the flattened schema compiles")
}

/// What a facade call gave back.
#[derive(Debug)]
enum Decoded {
    One(Invitation),
    Many(Vec<Invitation>),
    Nothing,
    User(Box<OrgUser>),
}

/// Calls the facade method that sends operation `name`, or `None` when the facade has none.
async fn call(client: &Client, name: &str) -> Option<Result<(u16, Decoded), Error>> {
    let org = ORG.parse().expect("org id");
    let project = GROUP.parse().expect("project id");
    let by_id = Invitee::Id(INVITATION.parse().expect("invitation id"));
    let by_name = Invitee::Username(USERNAME.parse().expect("username"));
    let username = USERNAME.parse().expect("username");
    let invitation: InvitationId = INVITATION.parse().expect("invitation id");
    let org_changes = OrgInvitationChanges::roles([OrgRole::Member]);
    let project_roles = [ProjectRole::ReadOnly];
    let one = |r: mongodb_invitations::Response<Invitation>| (r.status, Decoded::One(r.value));
    let many =
        |r: mongodb_invitations::Response<Vec<Invitation>>| (r.status, Decoded::Many(r.value));
    let nothing = |r: mongodb_invitations::Response<()>| (r.status, Decoded::Nothing);
    Some(match name {
        "update_org_invitation_by_id" => client
            .update_org_invitation(&org, &by_id, &org_changes)
            .await
            .map(one),
        "update_org_invitation" => client
            .update_org_invitation(&org, &by_name, &org_changes)
            .await
            .map(one),
        "create_org_invitation" => client
            .create_org_invitation(&org, &username, &org_changes)
            .await
            .map(one),
        "get_org_invitation" => client.get_org_invitation(&org, &invitation).await.map(one),
        "list_org_invitations" => client.list_org_invitations(&org, None).await.map(many),
        "delete_org_invitation" => client
            .delete_org_invitation(&org, &invitation)
            .await
            .map(nothing),
        "update_project_invitation_by_id" => client
            .update_project_invitation(&project, &by_id, &project_roles)
            .await
            .map(one),
        "update_project_invitation" => client
            .update_project_invitation(&project, &by_name, &project_roles)
            .await
            .map(one),
        "create_project_invitation" => client
            .create_project_invitation(&project, &username, &project_roles)
            .await
            .map(one),
        "get_project_invitation" => client
            .get_project_invitation(&project, &invitation)
            .await
            .map(one),
        "list_project_invitations" => client
            .list_project_invitations(&project, None)
            .await
            .map(many),
        "delete_project_invitation" => client
            .delete_project_invitation(&project, &invitation)
            .await
            .map(nothing),
        "update_org_user" => {
            let changes = OrgUserChanges {
                org_roles: vec![OrgRole::Member],
                ..Default::default()
            };
            client
                .update_org_user(&org, &USER.parse().expect("user id"), &changes)
                .await
                .map(|r| (r.status, Decoded::User(Box::new(r.value))))
        }
        _ => return None,
    })
}

/// The path `row` is sent to with this test's ids.
fn expected_path(row: &Row) -> String {
    row.path
        .replace("{orgId}", ORG)
        .replace("{groupId}", GROUP)
        .replace("{invitationId}", INVITATION)
        .replace("{userId}", USER)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(String::from)
}

fn instant(value: Option<&Value>) -> Option<DateTime<Utc>> {
    value.and_then(Value::as_str).map(|s| {
        DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .with_timezone(&Utc)
    })
}

/// The invitation carries exactly what `body` said, and the called organization or project where the
/// body names none.
fn check_invitation(what: &str, inv: &Invitation, body: &Value) {
    assert_eq!(
        inv.id.as_ref().map(|id| id.as_str().to_string()),
        text(body.get("id")),
        "{what}: id"
    );
    assert_eq!(inv.username, text(body.get("username")), "{what}: username");
    assert_eq!(
        inv.inviter_username,
        text(body.get("inviterUsername")),
        "{what}: inviterUsername"
    );
    assert_eq!(
        inv.created_at,
        instant(body.get("createdAt")),
        "{what}: createdAt"
    );
    assert_eq!(
        inv.expires_at,
        instant(body.get("expiresAt")),
        "{what}: expiresAt"
    );
    match &inv.target {
        InvitationTarget::Org {
            org_id,
            org_name,
            roles,
            team_ids,
            group_role_assignments,
        } => {
            assert_eq!(
                Some(org_id.clone()),
                text(body.get("orgId")).or(Some(ORG.into())),
                "{what}: orgId"
            );
            assert_eq!(*org_name, text(body.get("orgName")), "{what}: orgName");
            let wanted: Vec<OrgRole> = strings(body.get("roles"))
                .iter()
                .map(|r| OrgRole::from_wire(r))
                .collect();
            assert_eq!(*roles, wanted, "{what}: roles");
            if wanted.iter().any(|r| r.as_str() == UNKNOWN_ENUM_VALUE) {
                assert!(
                    roles.contains(&OrgRole::Other(UNKNOWN_ENUM_VALUE.into())),
                    "{what}: the unknown role decodes as Other: {roles:?}"
                );
            }
            assert_eq!(*team_ids, strings(body.get("teamIds")), "{what}: teamIds");
            let grants: Vec<(Option<String>, Option<String>)> = group_role_assignments
                .iter()
                .map(|g| {
                    (
                        g.project_id.clone(),
                        g.role.as_ref().map(|r| r.as_str().to_string()),
                    )
                })
                .collect();
            let wanted: Vec<(Option<String>, Option<String>)> = body
                .get("groupRoleAssignments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|g| (text(g.get("groupId")), text(g.get("groupRole"))))
                .collect();
            assert_eq!(grants, wanted, "{what}: groupRoleAssignments");
        }
        InvitationTarget::Project {
            project_id,
            project_name,
            roles,
        } => {
            assert_eq!(
                Some(project_id.clone()),
                text(body.get("groupId")).or(Some(GROUP.into())),
                "{what}: groupId"
            );
            assert_eq!(
                *project_name,
                text(body.get("groupName")),
                "{what}: groupName"
            );
            let wanted: Vec<ProjectRole> = strings(body.get("roles"))
                .iter()
                .map(|r| ProjectRole::from_wire(r))
                .collect();
            assert_eq!(*roles, wanted, "{what}: roles");
            if wanted.iter().any(|r| r.as_str() == UNKNOWN_ENUM_VALUE) {
                assert!(
                    roles.contains(&ProjectRole::Other(UNKNOWN_ENUM_VALUE.into())),
                    "{what}: the unknown role decodes as Other: {roles:?}"
                );
            }
        }
    }
}

fn check_user(what: &str, user: &OrgUser, body: &Value) {
    assert_eq!(
        Some(user.id.as_str().to_string()),
        text(body.get("id")),
        "{what}: id"
    );
    assert_eq!(
        Some(user.username.clone()),
        text(body.get("username")),
        "{what}: username"
    );
    assert_eq!(
        Some(user.org_membership_status.to_string()),
        text(body.get("orgMembershipStatus")),
        "{what}: orgMembershipStatus"
    );
    let roles: Vec<String> = user
        .roles
        .org_roles
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    assert_eq!(
        roles,
        strings(body.pointer("/roles/orgRoles")),
        "{what}: orgRoles"
    );
    let assignments = body
        .pointer("/roles/groupRoleAssignments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Typed by the facade: each project with its roles (unknown properties are not kept).
    let expected: Vec<(Option<String>, Vec<String>)> = assignments
        .iter()
        .map(|a| (text(a.get("groupId")), strings(a.get("groupRoles"))))
        .collect();
    let got: Vec<(Option<String>, Vec<String>)> = user
        .roles
        .group_role_assignments
        .iter()
        .map(|a| {
            (
                a.project_id.clone(),
                a.roles.iter().map(|r| r.as_str().to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(got, expected, "{what}: groupRoleAssignments");
    assert_eq!(
        user.invitation_expires_at.map(|t| t.timestamp()),
        body.get("invitationExpiresAt")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp()),
        "{what}: invitationExpiresAt"
    );
    let teams: Vec<String> = user
        .team_ids
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    assert_eq!(teams, strings(body.get("teamIds")), "{what}: teamIds");
}

fn check(what: &str, decoded: &Decoded, body: Option<&Value>) {
    match (decoded, body) {
        (Decoded::One(inv), Some(body)) => check_invitation(what, inv, body),
        (Decoded::Many(all), Some(Value::Array(items))) => {
            assert_eq!(all.len(), items.len(), "{what}: list length");
            for (i, (inv, item)) in all.iter().zip(items).enumerate() {
                check_invitation(&format!("{what}[{i}]"), inv, item);
            }
        }
        (Decoded::User(user), Some(body)) => check_user(what, user, body),
        (Decoded::Nothing, None) => {}
        (decoded, body) => panic!("{what}: {decoded:?} from {body:?}"),
    }
}

/// Bodies decoded for one operation: plain (and how many of each kind), enveloped, and refused as the
/// schema does not allow them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    plain: usize,
    by_kind: [usize; Kind::ALL.len()],
    enveloped: usize,
    refused: usize,
}

impl Counts {
    fn of(&self, kind: Kind) -> usize {
        Kind::ALL
            .iter()
            .position(|k| *k == kind)
            .map_or(0, |i| self.by_kind[i])
    }
}

/// What the server answers with `body`: the operation's own media type (v2 answers its versioned one)
/// and, with `envelope=true`, a 200 holding the real status. A list is a JSON array here, which cannot gain
/// a `status` beside its fields, so it is wrapped like an entity.
fn reply(row: &Row, status: u16, field: &str, body: Option<&Value>, enveloped: bool) -> Reply {
    if enveloped {
        let wrapped = corpus::envelope(status, field, body);
        return Reply::raw(
            200,
            row.media_type,
            &serde_json::to_vec(&wrapped).expect("JSON"),
        );
    }
    let bytes = body.map_or_else(Vec::new, |b| serde_json::to_vec(b).expect("JSON"));
    Reply::raw(status, row.media_type, &bytes)
}

/// Serves every body of every facade operation of `flavour` and checks what the facade makes of it.
async fn facade_corpus(flavour: Flavour) -> Vec<(&'static str, Counts)> {
    let krate = flavour_crate(flavour);
    let server = CaptureServer::start(Reply::raw(500, "text/plain", b"unset")).await;
    let build = |envelope: bool| {
        Client::builder(flavour)
            .base_url(&server.base_url)
            .retry(RetryPolicy::never())
            // Bounded in time as well as count: a reply that never comes fails the test.
            .request_timeout(std::time::Duration::from_secs(10))
            .envelope(envelope)
            .build()
            .expect("client")
    };
    let (plain, enveloped) = (build(false), build(true));
    let mut table = Vec::new();
    for (row, op, bodies) in corpora(&krate) {
        let mut counts = Counts::default();
        for body in &bodies {
            for (is_enveloped, client) in [(false, &plain), (true, &enveloped)] {
                let what = format!(
                    "{flavour} {} {} variant {} round {}{}",
                    row.name,
                    body.kind.name(),
                    body.variant,
                    body.round,
                    if is_enveloped { " enveloped" } else { "" }
                );
                server.set_reply(reply(
                    &row,
                    op.status,
                    krate.envelope_field,
                    body.value.as_ref(),
                    is_enveloped,
                ));
                let Some(result) = call(client, row.name).await else {
                    break;
                };
                let (status, decoded) = result.unwrap_or_else(|e| {
                    panic!(
                        "{what}: {e:?}\n{:#}",
                        body.value.clone().unwrap_or_default()
                    )
                });
                assert_eq!(status, op.status, "{what}: status");
                check(&what, &decoded, body.value.as_ref());
                let sent = server.take();
                assert_eq!(sent.len(), 1, "{what}: one request");
                assert_eq!(sent[0].method(), row.method, "{what}: method");
                let (path, query) = sent[0]
                    .target()
                    .split_once('?')
                    .unwrap_or((sent[0].target(), ""));
                assert_eq!(path, expected_path(&row), "{what}: path");
                assert_eq!(
                    query.contains("envelope=true"),
                    is_enveloped,
                    "{what}: query"
                );
                if is_enveloped {
                    counts.enveloped += 1;
                } else {
                    counts.plain += 1;
                    if let Some(i) = Kind::ALL.iter().position(|k| *k == body.kind) {
                        counts.by_kind[i] += 1;
                    }
                }
            }
        }
        for invalid in op.invalid_bodies() {
            for (is_enveloped, client) in [(false, &plain), (true, &enveloped)] {
                let what = format!(
                    "{flavour} {} with {} (enveloped: {is_enveloped})",
                    row.name, invalid.what
                );
                server.set_reply(reply(
                    &row,
                    op.status,
                    krate.envelope_field,
                    Some(&invalid.value),
                    is_enveloped,
                ));
                let Some(result) = call(client, row.name).await else {
                    break;
                };
                let Err(Error::UndecodableResponse {
                    reason, excerpt, ..
                }) = result
                else {
                    panic!("{what}: expected UndecodableResponse, got {result:?}")
                };
                // The error says why and shows the start of the body. A missing field is named, except
                // behind an untagged union (serde then says only that no variant matched).
                assert!(!excerpt.is_empty(), "{what}: no excerpt");
                if invalid.missing && !reason.contains("did not match any variant") {
                    assert!(
                        reason.contains(&format!("missing field `{}`", invalid.field)),
                        "{what}: {reason}"
                    );
                }
                assert!(!reason.is_empty(), "{what}: no reason");
                counts.refused += 1;
                server.take();
            }
        }
        if counts != Counts::default() {
            table.push((row.name, counts));
        }
    }
    drop(server);
    print_table(flavour, &table);
    table
}

fn print_table(flavour: Flavour, table: &[(&str, Counts)]) {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    println!(
        "| flavour | operation | plain | {} | enveloped | refused |",
        kinds.join(" / ")
    );
    println!("|---|---|---:|---|---:|---:|");
    for (name, c) in table {
        let by_kind: Vec<String> = c.by_kind.iter().map(usize::to_string).collect();
        println!(
            "| {flavour} | {name} | {} | {} | {} | {} |",
            c.plain,
            by_kind.join(" / "),
            c.enveloped,
            c.refused
        );
    }
}

/// The facade offers all twelve invitation operations in every flavour (and `update_org_user` on v2), and
/// each decodes every body of its corpus, plain and enveloped.
async fn assert_facade_corpus(flavour: Flavour) {
    let table = facade_corpus(flavour).await;
    let expected = 12 + usize::from(flavour == Flavour::AtlasV2);
    assert_eq!(
        table.len(),
        expected,
        "{flavour}: operations covered: {table:?}"
    );
    for (name, c) in &table {
        assert_eq!(c.plain, c.enveloped, "{flavour} {name}");
        if name.starts_with("delete_") {
            assert_eq!(c.plain, 1, "{flavour} {name}: one bodiless answer");
        } else {
            for kind in [
                Kind::Full,
                Kind::RequiredOnly,
                Kind::OddStrings,
                Kind::UnknownProperties,
                Kind::EmptyArrays,
            ] {
                assert!(c.of(kind) >= 1, "{flavour} {name}: no {kind:?} body: {c:?}");
            }
            // Organization roles and membership statuses are enums everywhere; project roles only in
            // Ops Manager (Atlas lists them as free strings).
            if name.contains("org") || flavour == Flavour::OpsManager {
                assert!(c.of(Kind::UnknownEnums) >= 1, "{flavour} {name}: {c:?}");
            }
            if *name == "update_org_user" {
                assert!(c.of(Kind::Nulls) >= 1, "{flavour} {name}: {c:?}");
            }
            // A wrong type at least, plain and enveloped.
            assert!(c.refused >= 2, "{flavour} {name}: {c:?}");
        }
    }
}

#[tokio::test]
async fn the_atlas_v2_corpus_decodes_through_the_facade() {
    assert_facade_corpus(Flavour::AtlasV2).await;
}

#[tokio::test]
async fn the_atlas_v1_corpus_decodes_through_the_facade() {
    assert_facade_corpus(Flavour::AtlasV1).await;
}

#[tokio::test]
async fn the_ops_manager_corpus_decodes_through_the_facade() {
    assert_facade_corpus(Flavour::OpsManager).await;
}

/// Drops what an encoder may leave out or spell differently: `null`, empty arrays, properties the schema
/// does not know, and the offset of a date-time (re-encoded in UTC).
fn normalized(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| {
                    *k != UNKNOWN_PROPERTY
                        && !v.is_null()
                        && v.as_array().is_none_or(|a| !a.is_empty())
                })
                .map(|(k, v)| (k.clone(), normalized(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalized).collect()),
        Value::String(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Value::String(t.with_timezone(&Utc).to_rfc3339()),
            Err(_) => value.clone(),
        },
        other => other.clone(),
    }
}

/// Decodes `body` as `T` and encodes it again.
fn through<T: serde::de::DeserializeOwned + serde::Serialize>(
    body: &Value,
) -> Result<Value, String> {
    let typed: T = serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

/// The generated v2 type a response component decodes into, encoded back to JSON.
fn through_generated(schema: &str, body: &Value) -> Result<Value, String> {
    use atlas_v2::types;
    match schema {
        "OrgUserResponse" => through::<types::OrgUserResponse>(body),
        "GroupUserResponse" => through::<types::GroupUserResponse>(body),
        "PaginatedOrgUserView" => through::<types::PaginatedOrgUserView>(body),
        "PaginatedGroupUserView" => through::<types::PaginatedGroupUserView>(body),
        other => panic!("no generated type mapped for the response component {other}"),
    }
}

/// The v2 Cloud Users operations have no facade method yet: their corpus decodes into the generated types
/// and re-encodes to the same JSON (nothing dropped, `null` read as absent).
#[test]
fn the_v2_users_corpus_decodes_into_the_generated_types() {
    let krate = flavour_crate(Flavour::AtlasV2);
    let mut table = Vec::new();
    for (row, op, bodies) in corpora(&krate) {
        if !row.path.contains("/users") {
            continue;
        }
        let Some(schema) = &op.schema_name else {
            assert!(op.schema.is_none());
            table.push((row.name, 0, 0));
            continue;
        };
        let mut decoded = 0;
        for body in &bodies {
            let value = body.value.as_ref().expect("a body");
            let what = format!(
                "{} {} variant {} round {}",
                row.name,
                body.kind.name(),
                body.variant,
                body.round
            );
            let again = through_generated(schema, value)
                .unwrap_or_else(|e| panic!("{what}: {e}\n{value:#}"));
            assert_eq!(normalized(&again), normalized(value), "{what}: re-encoded");
            if body.kind == Kind::Nulls {
                assert!(corpus_has_null(value), "{what}: a nulls body holds a null");
            }
            decoded += 1;
        }
        let mut refused = 0;
        for invalid in op.invalid_bodies() {
            assert!(
                through_generated(schema, &invalid.value).is_err(),
                "{} with {} decoded",
                row.name,
                invalid.what
            );
            refused += 1;
        }
        table.push((row.name, decoded, refused));
    }
    println!("| flavour | operation | decoded | refused |");
    println!("|---|---|---:|---:|");
    for (name, decoded, refused) in &table {
        println!("| atlas-v2 | {name} | {decoded} | {refused} |");
    }
    assert_eq!(table.len(), 13, "{table:?}");
}

fn corpus_has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.values().any(corpus_has_null),
        Value::Array(items) => items.iter().any(corpus_has_null),
        _ => false,
    }
}

/// A pending user whose invitation never expires (`invitationExpiresAt: null`) decodes with no expiry.
#[test]
fn a_null_expiry_decodes_as_none() {
    let krate = flavour_crate(Flavour::AtlasV2);
    let (_, _, bodies) = corpora(&krate)
        .into_iter()
        .find(|(row, _, _)| row.name == "get_org_user")
        .expect("get_org_user");
    let body = bodies
        .iter()
        .find(|b| b.kind == Kind::Nulls)
        .and_then(|b| b.value.clone())
        .expect("a nulls body");
    assert_eq!(body["invitationExpiresAt"], Value::Null, "{body:#}");
    let user: atlas_v2::types::OrgUserResponse = serde_json::from_value(body).expect("decodes");
    assert_eq!(user.invitation_expires_at, None);
    assert!(user.inviter_username.is_some(), "a pending user: {user:?}");
}
