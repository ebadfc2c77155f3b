//! `cargo xtask bump`: moving atlas-v2 to the 2024-05-30 document (MongoDB's older operation names) in a
//! scratch copy of the workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use integration_tests::{shared_upstream, workspace_root};
use sha2::{Digest, Sha256};
use xtask::bump::{self, BumpOptions, Target};
use xtask::pull::{self, Origin, PullOptions, Status};

const DOCUMENT: &str = "atlas-v2/openapi-2024-05-30.yaml";
const DAY: &str = "2026-01-01";

/// A scratch workspace: `ws/` holds the tracked files of this checkout (symlinks kept), `shared/upstream/`
/// beside it holds the one document the bump reads.
struct Scratch {
    _dir: tempfile::TempDir,
    ws: PathBuf,
    document: PathBuf,
}

fn scratch() -> Option<Scratch> {
    let upstream = shared_upstream()?;
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = dir.path().join("ws");
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(workspace_root())
        .output()
        .expect("git ls-files");
    assert!(out.status.success(), "git ls-files failed");
    for rel in out.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let rel = Path::new(std::str::from_utf8(rel).expect("UTF-8 path"));
        let (from, to) = (workspace_root().join(rel), ws.join(rel));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let meta = std::fs::symlink_metadata(&from).unwrap();
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from).unwrap(), &to).unwrap();
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    let document = dir.path().join("shared/upstream").join(DOCUMENT);
    std::fs::create_dir_all(document.parent().unwrap()).unwrap();
    std::fs::copy(upstream.join(DOCUMENT), &document).unwrap();
    Some(Scratch {
        _dir: dir,
        ws,
        document,
    })
}

/// Every file under `root` (not following symlinks), with its bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(path, target.as_os_str().as_encoded_bytes().to_vec());
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn options(s: &Scratch, check: bool) -> BumpOptions {
    BumpOptions {
        root: s.ws.clone(),
        flavour: "atlas-v2".into(),
        to: Target::parse(s.document.to_str().unwrap()),
        mirror: None,
        check,
        today: Some(DAY.into()),
    }
}

/// (METHOD /path, operationId before, operationId after) of the twelve invitation operations.
const RENAMES: [(&str, &str, &str); 12] = [
    (
        "GET /api/atlas/v2/groups/{groupId}/invites",
        "listGroupInvites",
        "listProjectInvitations",
    ),
    (
        "PATCH /api/atlas/v2/groups/{groupId}/invites",
        "updateGroupInvites",
        "updateProjectInvitation",
    ),
    (
        "POST /api/atlas/v2/groups/{groupId}/invites",
        "createGroupInvite",
        "createProjectInvitation",
    ),
    (
        "DELETE /api/atlas/v2/groups/{groupId}/invites/{invitationId}",
        "deleteGroupInvite",
        "deleteProjectInvitation",
    ),
    (
        "GET /api/atlas/v2/groups/{groupId}/invites/{invitationId}",
        "getGroupInvite",
        "getProjectInvitation",
    ),
    (
        "PATCH /api/atlas/v2/groups/{groupId}/invites/{invitationId}",
        "updateGroupInviteById",
        "updateProjectInvitationById",
    ),
    (
        "GET /api/atlas/v2/orgs/{orgId}/invites",
        "listOrgInvites",
        "listOrganizationInvitations",
    ),
    (
        "PATCH /api/atlas/v2/orgs/{orgId}/invites",
        "updateOrgInvites",
        "updateOrganizationInvitation",
    ),
    (
        "POST /api/atlas/v2/orgs/{orgId}/invites",
        "createOrgInvite",
        "createOrganizationInvitation",
    ),
    (
        "DELETE /api/atlas/v2/orgs/{orgId}/invites/{invitationId}",
        "deleteOrgInvite",
        "deleteOrganizationInvitation",
    ),
    (
        "GET /api/atlas/v2/orgs/{orgId}/invites/{invitationId}",
        "getOrgInvite",
        "getOrganizationInvitation",
    ),
    (
        "PATCH /api/atlas/v2/orgs/{orgId}/invites/{invitationId}",
        "updateOrgInviteById",
        "updateOrganizationInvitationById",
    ),
];

/// The operations of the table the 2024-05-30 document lacks: the MongoDB Cloud Users API came with resource
/// version 2025-02-19. (It has list and remove users at 2023-01-01 only: pulled, but not the version the
/// table sends, so codegen leaves them out too.)
const ABSENT: [&str; 9] = [
    "POST /api/atlas/v2/orgs/{orgId}/users",
    "GET /api/atlas/v2/orgs/{orgId}/users/{userId}",
    "PATCH /api/atlas/v2/orgs/{orgId}/users/{userId}",
    "POST /api/atlas/v2/orgs/{orgId}/users/{userId}:addRole",
    "POST /api/atlas/v2/orgs/{orgId}/users/{userId}:removeRole",
    "POST /api/atlas/v2/groups/{groupId}/users",
    "GET /api/atlas/v2/groups/{groupId}/users/{userId}",
    "POST /api/atlas/v2/groups/{groupId}/users/{userId}:addRole",
    "POST /api/atlas/v2/groups/{groupId}/users/{userId}:removeRole",
];

/// 16 renames: the 12 invitation operations keep their Rust methods; list and remove users exist in the
/// older document only at 2023-01-01, so their methods go (the report lists them as gone).
fn assert_renames_absorbed(report: &str) {
    assert!(
        report.contains(
            "16 renames in `atlas-v2` (operations matched by method and path); 12 absorbed"
        ),
        "{report}"
    );
    assert!(
        report.contains("`update_org_invitation_by_id` (unchanged)")
            && report.contains("`list_org_users` (gone)"),
        "{report}"
    );
}

#[test]
fn bump_check_reports_the_renames_and_writes_nothing() {
    let Some(s) = scratch() else { return };
    let before = tree(s.ws.parent().unwrap());
    let outcome = bump::run(&options(&s, true)).expect("bump --check");
    assert_eq!(
        tree(s.ws.parent().unwrap()),
        before,
        "--check changed the tree"
    );
    assert!(!outcome.written);
    let report = outcome.markdown();
    // Shown with --nocapture: the pull-request body of this bump.
    println!("{report}");
    for (operation, old, new) in RENAMES {
        assert!(
            report.contains(&format!("| `{operation}` | `{old}` | `{new}` | `")),
            "missing rename {old} -> {new} in:\n{report}"
        );
    }
    assert_renames_absorbed(&report);
    assert!(report.contains("Files a bump would write"), "{report}");
    // The successor endpoint came with resource version 2025-02-19: absent, and breaking.
    assert_eq!(outcome.absent, ABSENT);
    for absent in ABSENT {
        assert!(
            report.contains(&format!("`{absent}` (atlas-v2): selected")),
            "{report}"
        );
    }
    assert_eq!(outcome.exit_code(), 1, "{report}");
    let changed: Vec<&str> = outcome
        .files
        .iter()
        .filter(|f| f.changed)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        changed,
        [
            "spec/sources.toml",
            "spec/atlas-v2.json",
            "crates/atlas-v2/contract.txt"
        ]
    );
}

#[test]
fn bump_rewrites_the_pin_the_fragment_and_the_snapshot_and_pull_agrees() {
    let Some(s) = scratch() else { return };
    let untouched = [
        "spec/atlas-v1.json",
        "spec/ops-manager-v1.json",
        "crates/atlas-v1/contract.txt",
    ]
    .map(|rel| (rel, std::fs::read(s.ws.join(rel)).unwrap()));
    let outcome = bump::run(&options(&s, false)).expect("bump");
    assert!(outcome.written);
    let report = outcome.markdown();
    assert!(report.contains("Files written"), "{report}");

    // The pin: the mirror entry names the new file and its hash; the upstream entry is left alone (and the
    // report says so).
    let sources = xtask::sources::Sources::load(&s.ws.join("spec")).expect("sources.toml parses");
    let v2 = &sources.flavours["atlas-v2"];
    let sha = hex::encode(Sha256::digest(std::fs::read(&s.document).unwrap()));
    let mirror = v2.mirror.as_ref().unwrap();
    assert_eq!(
        (mirror.file.as_str(), mirror.sha256.as_str()),
        (DOCUMENT, sha.as_str())
    );
    assert_eq!(
        v2.upstream.as_ref().unwrap().sha256.as_deref(),
        Some("0fd914afb4a3e1ede2d0f48822fe30d7f1ba2c287625382dfb98bbe2606119f9")
    );
    assert!(
        report.contains("`[atlas-v2.upstream]` still pins commit"),
        "{report}"
    );
    assert_eq!(v2.absent, ABSENT);

    // The fragment has the older names and no successor endpoint.
    let fragment = std::fs::read_to_string(s.ws.join("spec/atlas-v2.json")).unwrap();
    assert!(fragment.contains("\"operationId\": \"updateOrganizationInvitationById\""));
    assert!(!fragment.contains("\"operationId\": \"updateOrgInviteById\""));
    assert!(!fragment.contains("/users/{userId}:addRole"));
    assert!(!fragment.contains("\"operationId\": \"updateOrgUser\""));

    // `pull --check --from <mirror>` (what CI runs) accepts the new pin and finds the fragment fresh, and
    // flags the fixup the older document no longer needs.
    let pulled = pull::run(&PullOptions {
        spec_dir: s.ws.join("spec"),
        flavours: vec!["atlas-v2".into()],
        origin: Origin::MirrorDir(s.document.parent().unwrap().parent().unwrap().to_path_buf()),
        check: true,
        update_pin: false,
    })
    .expect("pull --check after the bump");
    assert_eq!(pulled.fragments["atlas-v2"].1, Status::Unchanged);
    let unused: Vec<(&str, &str)> = pulled
        .unused_fixups
        .iter()
        .map(|u| (u.flavour.as_str(), u.fixup))
        .collect();
    // The older document offers one resource version per operation and has no discriminated hierarchy.
    assert_eq!(
        unused,
        [
            ("atlas-v2", "select_version"),
            ("atlas-v2", "flatten_hierarchies")
        ]
    );
    assert!(
        pulled.unused_fixups[0].revision.contains(DOCUMENT),
        "{:?}",
        pulled.unused_fixups
    );
    assert_eq!(
        pulled.exit_code(true),
        1,
        "pull --check fails on an unused fixup"
    );
    assert_eq!(pulled.exit_code(false), 0, "a plain pull still succeeds");
    assert!(
        report.contains("fixup `flatten_hierarchies` changes nothing in spec/atlas-v2.json"),
        "{report}"
    );

    // The snapshot is what `cargo xtask contracts` computes from the new fragment, with the older names.
    let contracts = xtask::contracts::compute(&s.ws).expect("contracts");
    assert!(
        contracts.iter().all(|c| c.fresh),
        "snapshots stale after the bump"
    );
    let contract = std::fs::read_to_string(s.ws.join("crates/atlas-v2/contract.txt")).unwrap();
    // The rename changes the upstream id on the operation's line; the Rust name stays.
    assert!(contract.contains(
        "update_org_invitation_by_id (upstream updateOrganizationInvitationById) PATCH /api/atlas/v2/orgs/{orgId}/invites/{invitationId}"
    ));
    assert!(contract.contains("update_org_user absent from this revision"));
    assert!(contract.contains("async fn update_org_invitation_by_id<'a>"));

    // Other flavours are untouched; a second bump finds nothing left to change.
    for (rel, bytes) in untouched {
        assert_eq!(std::fs::read(s.ws.join(rel)).unwrap(), bytes, "{rel}");
    }
    // An operation recorded as absent that a document has after all stops the pull: moving the mirror pin
    // back to the 2026 document by hand, without `bump`, is refused and writes nothing.
    let mirror_root = s.document.parent().unwrap().parent().unwrap().to_path_buf();
    let newer = "atlas-v2/v2-2026-08-21.yaml";
    std::fs::copy(
        shared_upstream().unwrap().join(newer),
        mirror_root.join(newer),
    )
    .unwrap();
    let sources_path = s.ws.join("spec/sources.toml");
    let bumped = std::fs::read_to_string(&sources_path).unwrap();
    let by_hand = bumped
        .replace(
            &format!("file = \"{DOCUMENT}\""),
            &format!("file = \"{newer}\""),
        )
        .replace(
            &sha,
            "0fd914afb4a3e1ede2d0f48822fe30d7f1ba2c287625382dfb98bbe2606119f9",
        );
    std::fs::write(&sources_path, by_hand).unwrap();
    let before_pull = tree(&s.ws);
    let err = pull::run(&PullOptions {
        spec_dir: s.ws.join("spec"),
        flavours: vec!["atlas-v2".into()],
        origin: Origin::MirrorDir(mirror_root),
        check: false,
        update_pin: false,
    })
    .expect_err("absent operation present after all");
    assert!(
        matches!(&err, xtask::PullError::PresentAfterAll { operation, .. } if ABSENT.contains(&operation.as_str())),
        "{err}"
    );
    assert_eq!(tree(&s.ws), before_pull);
    std::fs::write(&sources_path, bumped).unwrap();

    let again = bump::run(&options(&s, false)).expect("second bump");
    assert!(
        again.files.iter().all(|f| !f.changed),
        "{:?}",
        again.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    assert!(again.flavours[0].renames.is_empty());
    assert_eq!(again.absent, ABSENT);
}

#[test]
fn a_file_outside_the_mirror_is_refused_before_anything_is_written() {
    let Some(s) = scratch() else { return };
    let outside = s.ws.join("elsewhere.yaml");
    std::fs::copy(&s.document, &outside).unwrap();
    let before = tree(&s.ws);
    let err = bump::run(&BumpOptions {
        to: Target::File(outside),
        ..options(&s, false)
    })
    .expect_err("outside the mirror");
    assert!(
        err.to_string().contains("is not in the mirror folder"),
        "{err}"
    );
    assert_eq!(tree(&s.ws), before);
    let err = bump::run(&BumpOptions {
        flavour: "ops-manager-v1".into(),
        ..options(&s, false)
    })
    .expect_err("derived flavour");
    assert!(err.to_string().contains("bump atlas-v1"), "{err}");
}

#[test]
fn bump_to_a_commit_downloads_the_pinned_url_at_that_commit() {
    let Some(s) = scratch() else { return };
    const OLD: &str = "6fd452a08ad9fdd0c3b5ca4ec1eca5fc1ea26253";
    // The commit of mongodb/atlas-sdk-go that vendors the 2024-05-30 document.
    const NEW: &str = "e7ba704dc799cc8297f40170b7258d3529c26dfc";
    let served = s.ws.parent().unwrap().join("served");
    std::fs::create_dir_all(served.join(NEW)).unwrap();
    std::fs::copy(&s.document, served.join(NEW).join("spec.yaml")).unwrap();
    let (base, server) = crate::pull::serve_mirror(served, 1);
    // Upstream stands on loopback (plain http is fetched only from there); the URL names the commit.
    let sources_path = s.ws.join("spec/sources.toml");
    let text = std::fs::read_to_string(&sources_path).unwrap().replace(
        &format!("https://raw.githubusercontent.com/mongodb/mongodb-atlas-cli/{OLD}/tools/internal/specs/spec.yaml"),
        &format!("{base}/{OLD}/spec.yaml"),
    );
    std::fs::write(&sources_path, text).unwrap();

    let outcome = bump::run(&BumpOptions {
        to: Target::parse(NEW),
        ..options(&s, false)
    })
    .expect("bump --to COMMIT");
    assert_eq!(server.join().unwrap(), [format!("/{NEW}/spec.yaml")]);
    let sources = xtask::sources::Sources::load(&s.ws.join("spec")).unwrap();
    let v2 = &sources.flavours["atlas-v2"];
    let upstream = v2.upstream.as_ref().unwrap();
    let sha = hex::encode(Sha256::digest(std::fs::read(&s.document).unwrap()));
    assert_eq!(upstream.url, format!("{base}/{NEW}/spec.yaml"));
    assert_eq!(upstream.commit, NEW);
    assert_eq!(upstream.sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(
        v2.mirror.as_ref().unwrap().file,
        "atlas-v2/v2-2026-08-21.yaml"
    );
    assert_eq!(v2.absent, ABSENT);
    let report = outcome.markdown();
    assert!(
        report.contains(&format!("after: upstream commit `{NEW}`")),
        "{report}"
    );
    assert!(
        report.contains("`[atlas-v2.mirror]` still names `atlas-v2/v2-2026-08-21.yaml`"),
        "{report}"
    );
    assert_renames_absorbed(&report);
    let fragment = std::fs::read_to_string(s.ws.join("spec/atlas-v2.json")).unwrap();
    assert!(fragment.contains("\"operationId\": \"updateOrganizationInvitationById\""));
}

/// The workspace's crates build after the bump to a revision with other operationIds and without
/// `update_org_user`, with no hand edit: codegen names methods from the table and reports (does not fail
/// on) the fixups the old document does not need, and the facade compiles the absent operation to a typed
/// error. It shares `target/bump-scratch` between runs, so only the first compiles the dependencies (163 s
/// cold on a shared 2-core machine).
#[test]
fn the_workspace_builds_after_the_bump() {
    let Some(s) = scratch() else { return };
    bump::run(&options(&s, false)).expect("bump");
    let out = Command::new(env!("CARGO"))
        .args([
            "check",
            "--offline",
            "-p",
            "mongodb-invitations",
            "-p",
            "mongodb-invitations-cli",
        ])
        .current_dir(&s.ws)
        .env(
            "CARGO_TARGET_DIR",
            workspace_root().join("target/bump-scratch"),
        )
        .output()
        .expect("cargo check");
    assert!(
        out.status.success(),
        "cargo check after the bump failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
