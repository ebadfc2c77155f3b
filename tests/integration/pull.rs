//! `cargo xtask pull`: reproducing the committed fragments, and refusing bad input without touching `spec/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use integration_tests::{shared_upstream, workspace_root};
use xtask::PullError;
use xtask::pull::{self, Origin, PullOptions, Status};

const FLAVOURS: [&str; 3] = ["atlas-v1", "atlas-v2", "ops-manager-v1"];

/// A scratch `spec/` holding the real pins and overlay, so pulls never write into the checkout.
fn scratch_spec() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = workspace_root().join("spec");
    for file in ["sources.toml", "operations.toml"] {
        std::fs::copy(spec.join(file), dir.path().join(file)).expect("copy sources and table");
    }
    std::fs::create_dir(dir.path().join("overlays")).expect("mkdir");
    std::fs::copy(
        spec.join("overlays/ops-manager-v1.yaml"),
        dir.path().join("overlays/ops-manager-v1.yaml"),
    )
    .expect("copy overlay");
    dir
}

fn options(spec_dir: &Path, origin: Origin, check: bool) -> PullOptions {
    PullOptions {
        spec_dir: spec_dir.to_path_buf(),
        flavours: Vec::new(),
        origin,
        check,
        update_pin: false,
    }
}

#[test]
fn pulling_the_mirror_reproduces_every_committed_fragment_byte_for_byte() {
    let Some(upstream) = shared_upstream() else {
        return;
    };
    let scratch = scratch_spec();
    let report = pull::run(&options(
        scratch.path(),
        Origin::MirrorDir(upstream.clone()),
        false,
    ))
    .expect("pull");
    for flavour in FLAVOURS {
        assert_eq!(report.fragments[flavour].1, Status::Written, "{flavour}");
        let pulled = std::fs::read(scratch.path().join(format!("{flavour}.json"))).expect("pulled");
        let committed = std::fs::read(workspace_root().join(format!("spec/{flavour}.json")))
            .expect("committed");
        assert!(
            pulled == committed,
            "spec/{flavour}.json is stale: run `cargo xtask pull --from ../shared/upstream`"
        );
    }
    // A second run finds nothing to do.
    let again =
        pull::run(&options(scratch.path(), Origin::MirrorDir(upstream), false)).expect("pull");
    assert!(
        again
            .fragments
            .values()
            .all(|(_, s)| *s == Status::Unchanged)
    );
}

#[test]
fn check_mode_reports_a_stale_fragment_and_writes_nothing() {
    let Some(upstream) = shared_upstream() else {
        return;
    };
    let scratch = scratch_spec();
    let stale = scratch.path().join("atlas-v1.json");
    std::fs::write(&stale, b"{}\n").expect("write");
    let report =
        pull::run(&options(scratch.path(), Origin::MirrorDir(upstream), true)).expect("check");
    assert_eq!(report.stale(), ["atlas-v1", "atlas-v2", "ops-manager-v1"]);
    assert_eq!(std::fs::read(&stale).expect("read"), b"{}\n");
    assert!(
        !scratch.path().join("atlas-v2.json").exists(),
        "check mode created a file"
    );
}

#[test]
fn the_ops_manager_fragment_is_the_v1_fragment_rewritten_by_the_overlay() {
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_slice(
            &std::fs::read(workspace_root().join(format!("spec/{f}.json"))).expect("read"),
        )
        .expect("json")
    };
    let om = read("ops-manager-v1");
    let paths: Vec<&String> = om["paths"].as_object().expect("paths").keys().collect();
    assert_eq!(paths.len(), 4);
    assert!(
        paths.iter().all(|p| p.starts_with("/api/public/v1.0/")),
        "{paths:?}"
    );
    let schemas = &om["components"]["schemas"];
    assert_eq!(
        schemas["OrganizationInvitationUpdateRequest"]["required"],
        serde_json::json!(["roles"])
    );
    assert_eq!(
        schemas["GroupInvitationRequest"]["required"],
        serde_json::json!(["roles", "username"])
    );
    assert!(
        schemas["OrganizationInvitationRequest"]["properties"]
            .get("groupRoleAssignments")
            .is_none()
    );
    assert_eq!(
        schemas["OrganizationInvitation"]["properties"]["roles"]["items"]["enum"],
        serde_json::json!([
            "ORG_OWNER",
            "ORG_MEMBER",
            "ORG_GROUP_CREATOR",
            "ORG_READ_ONLY"
        ])
    );
    assert!(
        om["components"]["securitySchemes"]
            .get("ServiceAccounts")
            .is_none()
    );
    assert!(om.get("servers").is_none());
    // Everything the overlay does not mention is the v1.0 contract unchanged.
    let v1 = read("atlas-v1");
    assert_eq!(schemas["ApiError"], v1["components"]["schemas"]["ApiError"]);
}

#[test]
fn committed_fragments_hold_no_prose() {
    for flavour in FLAVOURS {
        let text = std::fs::read_to_string(workspace_root().join(format!("spec/{flavour}.json")))
            .expect("read");
        for keyword in [
            "\"summary\"",
            "\"example\"",
            "\"examples\"",
            "\"externalDocs\"",
            "\"x-codeSamples\"",
        ] {
            assert!(!text.contains(keyword), "{flavour} still holds {keyword}");
        }
        let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
        let mut descriptions = Vec::new();
        collect_descriptions(&doc, "", &mut descriptions);
        assert!(
            descriptions.is_empty(),
            "{flavour} keeps descriptions at {descriptions:?}"
        );
    }
}

/// Non-empty `description` keywords; a property named `description` (FieldViolation has one) is a name.
fn collect_descriptions(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    if let Some(map) = v.as_object() {
        for (k, child) in map {
            let in_properties = at.ends_with("/properties");
            if k == "description" && !in_properties && child.as_str().is_some_and(|s| !s.is_empty())
            {
                out.push(at.to_string());
            }
            collect_descriptions(child, &format!("{at}/{k}"), out);
        }
    } else if let Some(items) = v.as_array() {
        items.iter().for_each(|c| collect_descriptions(c, at, out));
    }
}

/// A scratch project with its own small upstream mirror, to feed `pull` bad documents.
struct BadInput {
    spec: tempfile::TempDir,
    mirror: tempfile::TempDir,
}

const GOOD_DOC: &str = "openapi: 3.0.1
info: {title: t, version: '1'}
paths:
  /api/x/orgs/{orgId}/invites:
    patch:
      operationId: updateOne
      parameters:
        - $ref: '#/components/parameters/orgId'
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Update'}
      responses:
        '200':
          description: OK
components:
  parameters:
    orgId: {in: path, name: orgId, required: true, schema: {type: string}}
  schemas:
    Update:
      type: object
      properties:
        roles: {type: array, items: {type: string}}
";

impl BadInput {
    /// Writes `document` as the mirror's file, pins `pin` (or the document's real hash) and selects `op`.
    fn new(document: &[u8], format: &str, pin: Option<&str>, op: &str) -> BadInput {
        let spec = tempfile::tempdir().expect("tempdir");
        let mirror = tempfile::tempdir().expect("tempdir");
        std::fs::write(mirror.path().join("doc"), document).expect("write doc");
        let real = xtask::document::sha256_hex(document);
        let (method, path) = op.split_once(' ').expect("METHOD /path");
        let table = format!(
            "[flavours.one]\ntitle = \"One\"\nprefix = \"/api/x\"\nmedia-type = \"application/json\"\n\
             envelope-field = \"content\"\n[[operations]]\nname = \"the_operation\"\nroute = \"{method} {}\"\n\
             flavours = [\"one\"]\n[roles]\norg = {{}}\nproject = {{}}\n",
            path.strip_prefix("/api/x").expect("the test prefix")
        );
        std::fs::write(spec.path().join("operations.toml"), table).expect("write table");
        let sources = format!(
            "[one.upstream]\nurl = \"https://example.invalid/doc\"\ncommit = \"c\"\nformat = \"{format}\"\n\
             [one.mirror]\nfile = \"doc\"\nformat = \"{format}\"\nsha256 = \"{}\"\n",
            pin.unwrap_or(&real)
        );
        std::fs::write(spec.path().join("sources.toml"), sources).expect("write sources");
        // A fragment committed earlier, which a failed pull must leave alone.
        std::fs::write(spec.path().join("one.json"), b"{\"committed\": true}\n")
            .expect("write fragment");
        BadInput { spec, mirror }
    }

    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        std::fs::read_dir(self.spec.path())
            .expect("read_dir")
            .map(|e| {
                let p = e.expect("entry").path();
                let bytes = std::fs::read(&p).expect("read");
                (p, bytes)
            })
            .collect()
    }

    /// Pulls, expecting an error, and checks that the spec folder is exactly as before.
    fn pull_fails(&self) -> PullError {
        let before = self.snapshot();
        let err = pull::run(&options(
            self.spec.path(),
            Origin::MirrorDir(self.mirror.path().into()),
            false,
        ))
        .expect_err("the pull must fail");
        assert_eq!(
            self.snapshot(),
            before,
            "a failed pull changed spec/ ({err})"
        );
        err
    }
}

const OP: &str = "PATCH /api/x/orgs/{orgId}/invites";

#[test]
fn a_good_small_document_pulls() {
    let input = BadInput::new(GOOD_DOC.as_bytes(), "yaml", None, OP);
    pull::run(&options(
        input.spec.path(),
        Origin::MirrorDir(input.mirror.path().into()),
        false,
    ))
    .expect("pull");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(input.spec.path().join("one.json")).expect("read"))
            .expect("json");
    assert_eq!(
        written["paths"][OP.split(' ').nth(1).unwrap()]["patch"]["operationId"],
        "updateOne"
    );
    assert_eq!(
        written["components"]["parameters"]["orgId"]["name"],
        "orgId"
    );
}

#[test]
fn sha256_mismatch_prints_both_hashes() {
    let wrong = "0".repeat(64);
    let input = BadInput::new(GOOD_DOC.as_bytes(), "yaml", Some(&wrong), OP);
    let err = input.pull_fails();
    let actual = xtask::document::sha256_hex(GOOD_DOC.as_bytes());
    let PullError::Sha256Mismatch {
        expected,
        actual: got,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(
        (expected.as_str(), got.as_str()),
        (wrong.as_str(), actual.as_str())
    );
    let text = err.to_string();
    assert!(
        text.contains(&wrong) && text.contains(&actual) && text.contains("--update-pin"),
        "{text}"
    );
}

#[test]
fn update_pin_accepts_the_new_document_and_records_its_hash() {
    let wrong = "0".repeat(64);
    let input = BadInput::new(GOOD_DOC.as_bytes(), "yaml", Some(&wrong), OP);
    let mut opts = options(
        input.spec.path(),
        Origin::MirrorDir(input.mirror.path().into()),
        false,
    );
    opts.update_pin = true;
    let report = pull::run(&opts).expect("pull with --update-pin");
    let actual = xtask::document::sha256_hex(GOOD_DOC.as_bytes());
    assert_eq!(report.pins_updated, [("one".to_string(), actual.clone())]);
    let sources = std::fs::read_to_string(input.spec.path().join("sources.toml")).expect("read");
    assert!(
        sources.contains(&actual) && !sources.contains(&wrong),
        "{sources}"
    );
}

#[test]
fn a_selected_operation_missing_upstream() {
    let input = BadInput::new(
        GOOD_DOC.as_bytes(),
        "yaml",
        None,
        "DELETE /api/x/orgs/{orgId}/invites",
    );
    let err = input.pull_fails();
    assert!(
        matches!(&err, PullError::MissingOperation { operation, .. } if operation == "DELETE /api/x/orgs/{orgId}/invites"),
        "{err}"
    );
}

#[test]
fn a_dangling_ref() {
    let doc = GOOD_DOC.replace(
        "{$ref: '#/components/schemas/Update'}",
        "{$ref: '#/components/schemas/Gone'}",
    );
    let err = BadInput::new(doc.as_bytes(), "yaml", None, OP).pull_fails();
    assert!(
        err.to_string()
            .contains("dangling $ref `#/components/schemas/Gone`"),
        "{err}"
    );
}

#[test]
fn a_ref_cycle() {
    let doc = GOOD_DOC.replace(
        "items: {type: string}",
        "items: {$ref: '#/components/schemas/Update'}",
    );
    let err = BadInput::new(doc.as_bytes(), "yaml", None, OP).pull_fails();
    assert!(
        err.to_string()
            .contains("$ref cycle: #/components/schemas/Update -> #/components/schemas/Update"),
        "{err}"
    );
}

#[test]
fn malformed_and_truncated_documents() {
    let malformed = GOOD_DOC.replace("paths:", "paths: [\n");
    let err = BadInput::new(malformed.as_bytes(), "yaml", None, OP).pull_fails();
    assert!(matches!(err, PullError::Parse { .. }), "{err}");

    let truncated = &GOOD_DOC.as_bytes()[..GOOD_DOC.len() / 2];
    let err = BadInput::new(truncated, "yaml", None, OP).pull_fails();
    assert!(
        matches!(
            err,
            PullError::Parse { .. } | PullError::MissingOperation { .. }
        ),
        "{err}"
    );

    let json = br#"{"openapi": "3.0.1", "paths": {"#;
    let err = BadInput::new(json, "json", None, OP).pull_fails();
    assert!(
        err.to_string().contains("not a valid json document"),
        "{err}"
    );
}

#[test]
fn openapi_versions_other_than_3_0_are_refused() {
    for version in ["3.1.0", "2.0", "3.0.x"] {
        let doc = GOOD_DOC.replace("openapi: 3.0.1", &format!("openapi: '{version}'"));
        let err = BadInput::new(doc.as_bytes(), "yaml", None, OP).pull_fails();
        assert!(
            matches!(&err, PullError::UnsupportedVersion { found, .. } if found == version),
            "{version}: {err}"
        );
    }
}

/// Serves the files under `root` over plain HTTP on loopback, one request per connection, for at most
/// `requests` requests; returns the base URL and the thread (which ends after the last request).
pub(crate) fn serve_mirror(
    root: PathBuf,
    requests: usize,
) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .ok();
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            reader.read_line(&mut line).ok();
            let path = line.split(' ').nth(1).unwrap_or("/").to_string();
            // Drain the header lines.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            seen.push(path.clone());
            let file = root.join(path.trim_start_matches('/'));
            let reply = match std::fs::read(&file) {
                Ok(body) => [
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes(),
                    body,
                ]
                .concat(),
                Err(_) => {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec()
                }
            };
            stream.write_all(&reply).ok();
        }
        seen
    });
    (url, handle)
}

#[test]
fn pulling_from_a_mirror_url_downloads_verifies_and_writes() {
    let input = BadInput::new(GOOD_DOC.as_bytes(), "yaml", None, OP);
    let (url, server) = serve_mirror(input.mirror.path().to_path_buf(), 1);
    pull::run(&options(
        input.spec.path(),
        Origin::from_arg(Some(&url)),
        false,
    ))
    .expect("pull over http");
    assert_eq!(server.join().expect("server"), ["/doc"]);
    let written = std::fs::read_to_string(input.spec.path().join("one.json")).expect("written");
    assert!(written.contains("\"updateOne\""), "{written}");

    // A mirror that answers 404 is a download error, and spec/ stays as it was.
    let input = BadInput::new(GOOD_DOC.as_bytes(), "yaml", None, OP);
    std::fs::remove_file(input.mirror.path().join("doc")).expect("remove");
    let (url, server) = serve_mirror(input.mirror.path().to_path_buf(), 1);
    let before = input.snapshot();
    let err = pull::run(&options(
        input.spec.path(),
        Origin::from_arg(Some(&url)),
        false,
    ))
    .expect_err("404");
    assert!(err.to_string().contains("HTTP status 404"), "{err}");
    assert_eq!(input.snapshot(), before);
    server.join().expect("server");

    // Anything but https is refused for a remote host, before any connection.
    let err = pull::run(&options(
        input.spec.path(),
        Origin::from_arg(Some("http://example.invalid/m")),
        false,
    ))
    .expect_err("plain http");
    assert!(err.to_string().contains("only https://"), "{err}");
}
