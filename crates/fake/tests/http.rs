//! The fake over real HTTP with reqwest: auth, every operation in every flavour, strictness, faults,
//! counters.

use std::time::{Duration, Instant};

use fake::{DigestAlgorithm, FakeServer, Fault, Faults, Flavour, Product};
use md5::{Digest as _, Md5};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

const PUBLIC: &str = "PUBLICKEY";
const PRIVATE: &str = "private-key";
const V2: &str = "application/vnd.atlas.2023-01-01+json";
const V2_USERS: &str = "application/vnd.atlas.2025-02-19+json";

fn client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

async fn start(builder: fake::FakeServerBuilder) -> FakeServer {
    builder
        .seed(42)
        .digest_keys(PUBLIC, PRIVATE)
        .service_account("mdb_sa_id_x", "sa-secret")
        .start()
        .await
        .expect("fake starts")
}

/// A Digest client written from RFC 7616 for these tests, independent of the server's code.
struct Digest {
    user: String,
    password: String,
    algorithm: DigestAlgorithm,
    nonce: String,
    nc: u32,
}

fn challenge_param(challenge: &str, name: &str) -> Option<String> {
    let at = challenge.find(&format!("{name}="))? + name.len() + 1;
    let rest = &challenge[at..];
    Some(match rest.strip_prefix('"') {
        Some(quoted) => quoted[..quoted.find('"')?].to_owned(),
        None => rest.split(',').next()?.trim().to_owned(),
    })
}

fn hash(algorithm: DigestAlgorithm, text: &str) -> String {
    match algorithm {
        DigestAlgorithm::Md5 => hex::encode(Md5::digest(text)),
        DigestAlgorithm::Sha256 => hex::encode(Sha256::digest(text)),
    }
}

impl Digest {
    fn from_challenge(challenge: &str, user: &str, password: &str) -> Digest {
        let algorithm = match challenge_param(challenge, "algorithm").as_deref() {
            Some("SHA-256") => DigestAlgorithm::Sha256,
            _ => DigestAlgorithm::Md5,
        };
        Digest {
            user: user.into(),
            password: password.into(),
            algorithm,
            nonce: challenge_param(challenge, "nonce").expect("nonce"),
            nc: 0,
        }
    }

    fn header(&mut self, method: &str, uri: &str) -> String {
        self.nc += 1;
        self.header_with_nc(method, uri, self.nc)
    }

    fn header_with_nc(&self, method: &str, uri: &str, nc: u32) -> String {
        let nc = format!("{nc:08x}");
        let cnonce = "0a4f113b";
        let ha1 = hash(
            self.algorithm,
            &format!("{}:MMS Public API:{}", self.user, self.password),
        );
        let ha2 = hash(self.algorithm, &format!("{method}:{uri}"));
        let response = hash(
            self.algorithm,
            &format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce),
        );
        format!(
            r#"Digest username="{}", realm="MMS Public API", nonce="{}", uri="{uri}", algorithm={}, qop=auth, nc={nc}, cnonce="{cnonce}", response="{response}""#,
            self.user,
            self.nonce,
            self.algorithm.token()
        )
    }
}

/// A session that answers the first challenge and then reuses its nonce.
struct Session {
    http: Client,
    base: String,
    digest: Option<Digest>,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Session {
    fn new(fake: &FakeServer) -> Session {
        Session {
            http: client(),
            base: fake.base_url().to_owned(),
            digest: None,
        }
    }

    async fn send(
        &mut self,
        method: Method,
        uri: &str,
        accept: &str,
        body: Option<&Value>,
    ) -> Answer {
        for _ in 0..3 {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{uri}", self.base))
                .header("accept", accept);
            if let Some(digest) = &mut self.digest {
                request = request.header("authorization", digest.header(method.as_str(), uri));
            }
            if let Some(body) = body {
                let media = if accept.starts_with("application/vnd") {
                    accept
                } else {
                    "application/json"
                };
                request = request.header("content-type", media).body(body.to_string());
            }
            let response = request.send().await.expect("answer");
            let status = response.status();
            let headers = response.headers().clone();
            let text = response.text().await.expect("body");
            if status == StatusCode::UNAUTHORIZED
                && let Some(challenge) = headers.get("www-authenticate")
            {
                let challenge = challenge.to_str().expect("ascii");
                if self.digest.is_none() || challenge.contains("stale=true") {
                    self.digest = Some(Digest::from_challenge(challenge, PUBLIC, PRIVATE));
                    continue;
                }
            }
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            return Answer {
                status,
                headers,
                body,
            };
        }
        panic!("no answer after three challenges")
    }
}

fn accept_for(flavour: Flavour) -> &'static str {
    match flavour {
        Flavour::AtlasV2 => V2,
        _ => "application/json",
    }
}

#[tokio::test]
async fn a_digest_exchange_authenticates_and_an_update_replaces_roles() {
    let fake = start(FakeServer::builder()).await;
    let org = &fake.seeded().orgs[0];
    let invitation = &org.invitations[0];
    let uri = format!("/api/atlas/v2/orgs/{}/invites/{}", org.id, invitation.id);
    let body = json!({"roles": ["ORG_OWNER", "ORG_BILLING_ADMIN"]});

    let first = client()
        .patch(format!("{}{uri}", fake.base_url()))
        .header("accept", V2)
        .header("content-type", V2)
        .body(body.to_string())
        .send()
        .await
        .expect("answer");
    assert_eq!(first.status(), StatusCode::UNAUTHORIZED);
    let challenge = first.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        challenge.starts_with(r#"Digest realm="MMS Public API""#),
        "{challenge}"
    );
    assert!(challenge.contains(r#"qop="auth""#) && challenge.contains("algorithm=MD5"));
    assert!(challenge.contains("stale=false"));
    let error: Value = first.json().await.expect("ApiError");
    assert_eq!(error["error"], 401);
    assert_eq!(error["errorCode"], "UNAUTHORIZED");

    let mut digest = Digest::from_challenge(&challenge, PUBLIC, PRIVATE);
    let second = client()
        .patch(format!("{}{uri}", fake.base_url()))
        .header("accept", V2)
        .header("content-type", V2)
        .header("authorization", digest.header("PATCH", &uri))
        .body(body.to_string())
        .send()
        .await
        .expect("answer");
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(second.headers()["content-type"], V2);
    assert_eq!(second.headers()["sunset"], "Thu, 01 Jul 2027 00:00:00 GMT");
    let updated: Value = second.json().await.expect("invitation");
    assert_eq!(updated["roles"], json!(["ORG_OWNER", "ORG_BILLING_ADMIN"]));
    assert_eq!(updated["id"], invitation.id.as_str());
    assert_eq!(updated["orgName"], org.name.as_str());
    assert_eq!(
        updated["links"][0]["href"],
        format!("{}{uri}", fake.base_url()).as_str()
    );

    let stored = fake.state(Product::Atlas);
    assert_eq!(
        stored.orgs[0].invitations[0].roles,
        vec!["ORG_OWNER", "ORG_BILLING_ADMIN"]
    );
    let seen = fake.counters();
    assert_eq!(seen.total_requests, 2);
    assert_eq!(seen.challenges, 1);
    assert_eq!(seen.bodies_without_credentials, 1);
    assert_eq!(seen.status(401), 1);
    assert_eq!(seen.status(200), 1);
    assert_eq!(seen.retries_seen, 0);
    fake.shutdown().await;
}

#[tokio::test]
async fn sha256_challenges_want_sha256_answers() {
    let fake = start(FakeServer::builder().digest_algorithm(DigestAlgorithm::Sha256)).await;
    let uri = format!("/api/public/v1.0/orgs/{}/invites", fake.seeded().orgs[0].id);
    let url = format!("{}{uri}", fake.base_url());
    let first = client().get(&url).send().await.expect("answer");
    let challenge = first.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(challenge.contains("algorithm=SHA-256"), "{challenge}");

    let mut sha = Digest::from_challenge(&challenge, PUBLIC, PRIVATE);
    let ok = client()
        .get(&url)
        .header("authorization", sha.header("GET", &uri))
        .send()
        .await
        .expect("answer");
    assert_eq!(ok.status(), StatusCode::OK);
    let listed: Value = ok.json().await.expect("list");
    assert_eq!(listed.as_array().map(Vec::len), Some(3));

    let mut md5 = Digest::from_challenge(&challenge, PUBLIC, PRIVATE);
    md5.algorithm = DigestAlgorithm::Md5;
    md5.nc = 5;
    let refused = client()
        .get(&url)
        .header("authorization", md5.header("GET", &uri))
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    fake.shutdown().await;
}

/// Strict counting (the default) refuses a count below the highest accepted one in arrival order, and
/// counts the body that crossed the wire for nothing; window counting takes it.
#[tokio::test]
async fn strict_counting_refuses_an_overtaken_count_and_window_counting_takes_it() {
    for (counting, late_status) in [
        (fake::NonceCounting::Strict, StatusCode::UNAUTHORIZED),
        (fake::NonceCounting::Window, StatusCode::OK),
    ] {
        let fake = start(FakeServer::builder().nonce_counting(counting)).await;
        let org = &fake.seeded().orgs[0];
        let uri = format!(
            "/api/atlas/v1.0/orgs/{}/invites/{}",
            org.id, org.invitations[0].id
        );
        let url = format!("{}{uri}", fake.base_url());
        let http = client();
        let challenge = http.get(&url).send().await.expect("answer").headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let digest = Digest::from_challenge(&challenge, PUBLIC, PRIVATE);
        let patch = |nc: u32| {
            http.patch(&url)
                .header("authorization", digest.header_with_nc("PATCH", &uri, nc))
                .header("content-type", "application/json")
                .body(r#"{"roles":["ORG_MEMBER"]}"#)
                .send()
        };
        assert_eq!(patch(2).await.expect("answer").status(), StatusCode::OK);
        // Count 1 was never used, but arrives after 2 was accepted: a request that lost a race.
        let late = patch(1).await.expect("answer");
        assert_eq!(late.status(), late_status, "{counting:?}");
        if late_status == StatusCode::UNAUTHORIZED {
            assert!(
                late.headers()["www-authenticate"]
                    .to_str()
                    .expect("ascii")
                    .contains("stale=false")
            );
        }
        assert_eq!(patch(3).await.expect("answer").status(), StatusCode::OK);
        let seen = fake.counters();
        let refused = u64::from(late_status == StatusCode::UNAUTHORIZED);
        assert_eq!(
            (
                seen.counts_out_of_order,
                seen.bodies_refused_for_nonce,
                seen.replays_refused
            ),
            (refused, refused, 0),
            "{counting:?}: {seen:?}"
        );
        fake.shutdown().await;
    }
}

/// Whatever the 401's body (JSON by default, an Apache-style HTML page, nothing), it carries the same
/// Digest challenge.
#[tokio::test]
async fn unauthorized_bodies_can_be_html_or_empty_with_the_same_challenge() {
    for (body, media, start_of_body) in [
        (fake::UnauthorizedBody::Json, Some("application/json"), "{"),
        (
            fake::UnauthorizedBody::Html,
            Some("text/html; charset=iso-8859-1"),
            "<!DOCTYPE HTML",
        ),
        (fake::UnauthorizedBody::Empty, None, ""),
    ] {
        let fake = start(FakeServer::builder().unauthorized_body(body)).await;
        let url = format!(
            "{}/api/public/v1.0/orgs/{}/invites",
            fake.base_url(),
            fake.seeded().orgs[0].id
        );
        let answer = client().get(&url).send().await.expect("answer");
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        let challenge = answer.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            challenge.starts_with("Digest realm=\"MMS Public API\"")
                && challenge.contains("nonce="),
            "{challenge}"
        );
        assert_eq!(
            answer
                .headers()
                .get("content-type")
                .map(|v| v.to_str().expect("ascii")),
            media,
            "{body:?}"
        );
        let text = answer.text().await.expect("body");
        assert!(text.starts_with(start_of_body), "{body:?}: {text}");
        assert_eq!(text.is_empty(), body == fake::UnauthorizedBody::Empty);
        fake.shutdown().await;
    }
}

#[tokio::test]
async fn wrong_keys_replayed_nc_and_stale_nonces_are_refused() {
    let fake = start(FakeServer::builder().nonce_max_uses(2)).await;
    let uri = format!("/api/atlas/v1.0/orgs/{}/invites", fake.seeded().orgs[0].id);
    let url = format!("{}{uri}", fake.base_url());
    let http = client();
    let challenge = http.get(&url).send().await.expect("answer").headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();

    let wrong = Digest::from_challenge(&challenge, PUBLIC, "not-the-key");
    let answer = http
        .get(&url)
        .header("authorization", wrong.header_with_nc("GET", &uri, 1))
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert!(
        answer.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .contains("stale=false")
    );
    let error: Value = answer.json().await.expect("ApiError");
    assert_eq!(error["errorCode"], "UNAUTHORIZED");

    let good = Digest::from_challenge(&challenge, PUBLIC, PRIVATE);
    let send = |nc: u32| {
        http.get(&url)
            .header("authorization", good.header_with_nc("GET", &uri, nc))
            .send()
    };
    assert_eq!(send(1).await.expect("answer").status(), StatusCode::OK);
    let replay = send(1).await.expect("answer");
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert!(
        replay.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .contains("stale=false")
    );
    assert_eq!(send(2).await.expect("answer").status(), StatusCode::OK);
    let used_up = send(3).await.expect("answer");
    assert_eq!(used_up.status(), StatusCode::UNAUTHORIZED);
    let fresh = used_up.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(fresh.contains("stale=true"), "{fresh}");
    assert_ne!(
        challenge_param(&fresh, "nonce"),
        challenge_param(&challenge, "nonce")
    );

    let seen = fake.counters();
    assert_eq!(seen.replays_refused, 1);
    assert_eq!(seen.stale_challenges, 1);
    assert_eq!(seen.challenges, 4);
    fake.shutdown().await;
}

#[tokio::test]
async fn nonces_expire_with_age() {
    let fake = start(FakeServer::builder().nonce_max_age(Duration::from_millis(50))).await;
    let uri = format!(
        "/api/public/v1.0/groups/{}/invites",
        fake.seeded().orgs[0].projects[0].id
    );
    let url = format!("{}{uri}", fake.base_url());
    let http = client();
    let challenge = http.get(&url).send().await.expect("answer").headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let mut digest = Digest::from_challenge(&challenge, PUBLIC, PRIVATE);
    let ok = http
        .get(&url)
        .header("authorization", digest.header("GET", &uri))
        .send()
        .await
        .expect("answer");
    assert_eq!(ok.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(120)).await;
    let late = http
        .get(&url)
        .header("authorization", digest.header("GET", &uri))
        .send()
        .await
        .expect("answer");
    assert_eq!(late.status(), StatusCode::UNAUTHORIZED);
    assert!(
        late.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .contains("stale=true")
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn service_account_tokens_work_on_atlas_until_they_expire() {
    let fake = start(FakeServer::builder()).await;
    let http = client();
    let token_url = format!("{}/api/oauth/token", fake.base_url());
    let issued = http
        .post(&token_url)
        .basic_auth("mdb_sa_id_x", Some("sa-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("answer");
    assert_eq!(issued.status(), StatusCode::OK);
    let issued: Value = issued.json().await.expect("token");
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["expires_in"], 3600);
    let token = issued["access_token"].as_str().expect("token").to_owned();

    let org = &fake.seeded().orgs[0].id;
    for (flavour, expected) in [
        (Flavour::AtlasV2, StatusCode::OK),
        (Flavour::AtlasV1, StatusCode::OK),
        (Flavour::OpsManagerV1, StatusCode::UNAUTHORIZED),
    ] {
        let answer = http
            .get(format!("{}/orgs/{org}/invites", fake.url(flavour)))
            .header("accept", accept_for(flavour))
            .bearer_auth(&token)
            .send()
            .await
            .expect("answer");
        assert_eq!(answer.status(), expected, "{flavour:?}");
    }

    let wrong = http
        .post(&token_url)
        .basic_auth("mdb_sa_id_x", Some("guess"))
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let error: Value = wrong.json().await.expect("ApiError");
    assert_eq!(error["error"], 401);

    let revoked = http
        .post(format!("{}/api/oauth/revoke", fake.base_url()))
        .body(format!("token={token}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(revoked.status(), StatusCode::OK);
    let after = http
        .get(format!("{}/orgs/{org}/invites", fake.url(Flavour::AtlasV1)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answer");
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(fake.counters().tokens_issued, 1);
    fake.shutdown().await;

    let short = start(FakeServer::builder().token_ttl(Duration::ZERO)).await;
    let issued: Value = http
        .post(format!("{}/api/oauth/token", short.base_url()))
        .basic_auth("mdb_sa_id_x", Some("sa-secret"))
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("token");
    let expired = http
        .get(format!(
            "{}/orgs/{}/invites",
            short.url(Flavour::AtlasV1),
            short.seeded().orgs[0].id
        ))
        .bearer_auth(issued["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("answer");
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    short.shutdown().await;
}

#[tokio::test]
async fn every_operation_in_every_flavour_behaves_as_documented() {
    let fake = start(FakeServer::builder()).await;
    let mut session = Session::new(&fake);
    for flavour in Flavour::ALL {
        let prefix = flavour.prefix();
        let accept = accept_for(flavour);
        // Each product has its own store; Atlas v1 sees what v2 changed, so read ids afresh.
        let data = fake.state(flavour.product());
        let org = &data.orgs[1];
        let project = &org.projects[0];
        let org_role = if flavour == Flavour::OpsManagerV1 {
            "ORG_GROUP_CREATOR"
        } else {
            "ORG_BILLING_READ_ONLY"
        };
        let group_role = if flavour == Flavour::OpsManagerV1 {
            "GROUP_USER_ADMIN"
        } else {
            "GROUP_CLUSTER_MANAGER"
        };

        // Org: list, list by username, create, update by username, get, update by id, delete.
        let list = session
            .send(
                Method::GET,
                &format!("{prefix}/orgs/{}/invites", org.id),
                accept,
                None,
            )
            .await;
        assert_eq!(list.status, StatusCode::OK, "{flavour:?}");
        assert_eq!(
            list.body.as_array().map(Vec::len),
            Some(org.invitations.len())
        );
        let wanted = &org.invitations[1].username;
        let filtered = session
            .send(
                Method::GET,
                &format!(
                    "{prefix}/orgs/{}/invites?username={}",
                    org.id,
                    wanted.replace('@', "%40")
                ),
                accept,
                None,
            )
            .await;
        assert_eq!(
            filtered.body.as_array().map(Vec::len),
            Some(1),
            "{flavour:?}"
        );
        assert_eq!(filtered.body[0]["username"], wanted.as_str());

        let created = session
            .send(Method::POST, &format!("{prefix}/orgs/{}/invites", org.id), accept,
                Some(&json!({"username": "new.person@example.com", "roles": ["ORG_MEMBER"], "teamIds": [org.teams[1].id]})))
            .await;
        assert_eq!(
            created.status,
            StatusCode::OK,
            "{flavour:?} {}",
            created.body
        );
        let new_id = created.body["id"].as_str().expect("id").to_owned();
        assert_eq!(created.body["teamIds"], json!([org.teams[1].id]));
        let expires = chrono::DateTime::parse_from_rfc3339(
            created.body["expiresAt"].as_str().expect("expiresAt"),
        )
        .expect("date");
        let made = chrono::DateTime::parse_from_rfc3339(
            created.body["createdAt"].as_str().expect("createdAt"),
        )
        .expect("date");
        assert_eq!(expires - made, chrono::Duration::days(30));

        let by_name = session
            .send(
                Method::PATCH,
                &format!("{prefix}/orgs/{}/invites", org.id),
                accept,
                Some(&json!({"username": "new.person@example.com", "roles": [org_role]})),
            )
            .await;
        assert_eq!(
            by_name.status,
            StatusCode::OK,
            "{flavour:?} {}",
            by_name.body
        );
        assert_eq!(by_name.body["id"], new_id.as_str());
        assert_eq!(
            by_name.body["roles"],
            json!([org_role]),
            "roles are replaced, not merged"
        );
        assert_eq!(
            by_name.body["teamIds"],
            json!([org.teams[1].id]),
            "teams left alone"
        );

        let got = session
            .send(
                Method::GET,
                &format!("{prefix}/orgs/{}/invites/{new_id}", org.id),
                accept,
                None,
            )
            .await;
        assert_eq!(got.body["roles"], json!([org_role]));

        let mut update = json!({"roles": ["ORG_READ_ONLY"], "teamIds": []});
        if flavour != Flavour::OpsManagerV1 {
            update["groupRoleAssignments"] =
                json!([{"groupId": project.id, "roles": [group_role]}]);
        }
        let by_id = session
            .send(
                Method::PATCH,
                &format!("{prefix}/orgs/{}/invites/{new_id}", org.id),
                accept,
                Some(&update),
            )
            .await;
        assert_eq!(by_id.status, StatusCode::OK, "{flavour:?} {}", by_id.body);
        assert_eq!(by_id.body["roles"], json!(["ORG_READ_ONLY"]));
        assert_eq!(by_id.body["teamIds"], json!([]));
        if flavour != Flavour::OpsManagerV1 {
            assert_eq!(
                by_id.body["groupRoleAssignments"],
                json!([{"groupId": project.id, "groupRole": group_role}])
            );
        } else {
            assert!(by_id.body.get("groupRoleAssignments").is_none());
        }

        let deleted = session
            .send(
                Method::DELETE,
                &format!("{prefix}/orgs/{}/invites/{new_id}", org.id),
                accept,
                None,
            )
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let gone = session
            .send(
                Method::GET,
                &format!("{prefix}/orgs/{}/invites/{new_id}", org.id),
                accept,
                None,
            )
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(gone.body["errorCode"], "INVITATION_NOT_FOUND");
        assert_eq!(gone.body["error"], 404);

        // Project: the same six.
        let base = format!("{prefix}/groups/{}/invites", project.id);
        let list = session.send(Method::GET, &base, accept, None).await;
        assert_eq!(
            list.body.as_array().map(Vec::len),
            Some(project.invitations.len())
        );
        let created = session
            .send(
                Method::POST,
                &base,
                accept,
                Some(&json!({"username": "p.new@example.com", "roles": ["GROUP_READ_ONLY"]})),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::OK,
            "{flavour:?} {}",
            created.body
        );
        assert_eq!(created.body["groupId"], project.id.as_str());
        assert_eq!(created.body["groupName"], project.name.as_str());
        let new_id = created.body["id"].as_str().expect("id").to_owned();
        let by_name = session
            .send(
                Method::PATCH,
                &base,
                accept,
                Some(
                    &json!({"username": "p.new@example.com", "roles": [group_role, "GROUP_OWNER"]}),
                ),
            )
            .await;
        assert_eq!(
            by_name.body["roles"],
            json!([group_role, "GROUP_OWNER"]),
            "{flavour:?} {}",
            by_name.body
        );
        let by_id = session
            .send(
                Method::PATCH,
                &format!("{base}/{new_id}"),
                accept,
                Some(&json!({"roles": ["GROUP_READ_ONLY"]})),
            )
            .await;
        assert_eq!(by_id.body["roles"], json!(["GROUP_READ_ONLY"]));
        let got = session
            .send(Method::GET, &format!("{base}/{new_id}"), accept, None)
            .await;
        assert_eq!(got.body["roles"], json!(["GROUP_READ_ONLY"]));
        let deleted = session
            .send(Method::DELETE, &format!("{base}/{new_id}"), accept, None)
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let missing = session
            .send(
                Method::PATCH,
                &base,
                accept,
                Some(&json!({"username": "nobody@example.com", "roles": ["GROUP_OWNER"]})),
            )
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.body["errorCode"], "INVITATION_NOT_FOUND");

        let no_org = session
            .send(
                Method::GET,
                &format!("{prefix}/orgs/{}/invites", "0".repeat(24)),
                accept,
                None,
            )
            .await;
        assert_eq!(no_org.status, StatusCode::NOT_FOUND);
        assert_eq!(no_org.body["errorCode"], "RESOURCE_NOT_FOUND");
        let no_group = session
            .send(
                Method::PATCH,
                &format!(
                    "{prefix}/groups/{}/invites/{}",
                    "0".repeat(24),
                    "1".repeat(24)
                ),
                accept,
                Some(&json!({"roles": ["GROUP_OWNER"]})),
            )
            .await;
        assert_eq!(no_group.body["errorCode"], "RESOURCE_NOT_FOUND");
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn the_v2_successor_edits_a_pending_user() {
    let fake = start(FakeServer::builder()).await;
    let mut session = Session::new(&fake);
    let org = &fake.seeded().orgs[0];
    let pending = &org.invitations[2];
    let uri = format!("/api/atlas/v2/orgs/{}/users/{}", org.id, pending.user_id);
    let body = json!({"roles": {"orgRoles": ["ORG_GROUP_CREATOR"], "groupRoleAssignments": [{"groupId": org.projects[1].id, "groupRoles": ["GROUP_OWNER"]}]}});

    let old_version = session.send(Method::PATCH, &uri, V2, Some(&body)).await;
    assert_eq!(old_version.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(old_version.body["errorCode"], "INVALID_VERSION_DATE");

    let answer = session
        .send(Method::PATCH, &uri, V2_USERS, Some(&body))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.headers["content-type"], V2_USERS);
    assert!(
        answer.headers.get("sunset").is_none(),
        "the successor is not deprecated"
    );
    assert_eq!(answer.body["orgMembershipStatus"], "PENDING");
    assert_eq!(answer.body["id"], pending.user_id.as_str());
    assert_eq!(
        answer.body["roles"]["orgRoles"],
        json!(["ORG_GROUP_CREATOR"])
    );

    let invitation = session
        .send(
            Method::GET,
            &format!("/api/atlas/v2/orgs/{}/invites/{}", org.id, pending.id),
            V2,
            None,
        )
        .await;
    assert_eq!(invitation.body["roles"], json!(["ORG_GROUP_CREATOR"]));
    assert_eq!(
        invitation.body["groupRoleAssignments"],
        json!([{"groupId": org.projects[1].id, "groupRole": "GROUP_OWNER"}])
    );

    let empty = session
        .send(
            Method::PATCH,
            &uri,
            V2_USERS,
            Some(&json!({"roles": {"orgRoles": []}})),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        empty.body["badRequestDetail"]["fields"][0]["field"],
        "roles.orgRoles"
    );
    let stranger = session
        .send(
            Method::PATCH,
            &format!("/api/atlas/v2/orgs/{}/users/{}", org.id, "a".repeat(24)),
            V2_USERS,
            Some(&body),
        )
        .await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    fake.shutdown().await;
}

#[tokio::test]
async fn bodies_headers_and_ids_are_checked_strictly() {
    let fake = start(FakeServer::builder()).await;
    let mut session = Session::new(&fake);
    let org = &fake.seeded().orgs[0];
    let by_id = format!(
        "/api/atlas/v2/orgs/{}/invites/{}",
        org.id, org.invitations[0].id
    );

    let unknown_role = session
        .send(
            Method::PATCH,
            &by_id,
            V2,
            Some(&json!({"roles": ["ORG_OWNER", "ORG_WIZARD"]})),
        )
        .await;
    assert_eq!(unknown_role.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown_role.body["errorCode"], "VALIDATION_ERROR");
    assert_eq!(
        unknown_role.body["badRequestDetail"]["fields"][0]["field"],
        "roles[1]"
    );

    let unknown_field = session
        .send(
            Method::PATCH,
            &by_id,
            V2,
            Some(&json!({"role": ["ORG_OWNER"]})),
        )
        .await;
    assert_eq!(
        unknown_field.body["badRequestDetail"]["fields"][0]["field"],
        "role"
    );

    let bad_group = session
        .send(
            Method::PATCH,
            &by_id,
            V2,
            Some(
                &json!({"groupRoleAssignments": [{"groupId": "nothex", "roles": ["GROUP_OWNER"]}]}),
            ),
        )
        .await;
    assert_eq!(bad_group.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_group.body["badRequestDetail"]["fields"][0]["field"],
        "groupRoleAssignments[0].groupId"
    );

    let group = format!("/api/atlas/v2/groups/{}/invites", org.projects[0].id);
    let bad_project_role = session
        .send(Method::PATCH, &group, V2, Some(&json!({"username": org.projects[0].invitations[0].username, "roles": ["GROUP_WIZARD"]})))
        .await;
    assert_eq!(bad_project_role.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_project_role.body["badRequestDetail"]["fields"][0]["field"],
        "roles[0]"
    );

    let no_username = session
        .send(
            Method::PATCH,
            &group,
            V2,
            Some(&json!({"roles": ["GROUP_OWNER"]})),
        )
        .await;
    assert_eq!(
        no_username.body["badRequestDetail"]["fields"][0]["field"],
        "username"
    );

    let om = format!(
        "/api/public/v1.0/orgs/{}/invites/{}",
        org.id, org.invitations[0].id
    );
    let missing_roles = session
        .send(
            Method::PATCH,
            &om,
            "application/json",
            Some(&json!({"teamIds": []})),
        )
        .await;
    assert_eq!(missing_roles.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing_roles.body["badRequestDetail"]["fields"][0]["field"],
        "roles"
    );
    let billing = session
        .send(
            Method::PATCH,
            &om,
            "application/json",
            Some(&json!({"roles": ["ORG_BILLING_ADMIN"]})),
        )
        .await;
    assert_eq!(
        billing.status,
        StatusCode::BAD_REQUEST,
        "Ops Manager has no billing roles"
    );

    let bad_id = session
        .send(
            Method::GET,
            "/api/atlas/v1.0/orgs/ORG1/invites",
            "application/json",
            None,
        )
        .await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_id.body["badRequestDetail"]["fields"][0]["field"],
        "orgId"
    );

    let not_json = session
        .send(Method::PATCH, &by_id, V2, Some(&Value::String("x".into())))
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);

    let no_version = session
        .send(
            Method::GET,
            &format!("/api/atlas/v2/orgs/{}/invites", org.id),
            "application/json",
            None,
        )
        .await;
    assert_eq!(no_version.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(no_version.body["error"], 406);

    // Content-Type: neither JSON nor the vendor type.
    let digest = session.digest.as_mut().expect("authenticated by now");
    let text = client()
        .patch(format!("{}{by_id}", fake.base_url()))
        .header("accept", V2)
        .header("content-type", "text/plain")
        .header("authorization", digest.header("PATCH", &by_id))
        .body(r#"{"roles":["ORG_OWNER"]}"#)
        .send()
        .await
        .expect("answer");
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let error: Value = text.json().await.expect("ApiError");
    assert_eq!(error["error"], 415);

    let unchanged = fake.state(Product::Atlas);
    assert_eq!(
        unchanged.orgs[0].invitations[0].roles, org.invitations[0].roles,
        "refused bodies change nothing"
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn envelope_and_pretty_are_honoured() {
    let fake = start(FakeServer::builder()).await;
    let mut session = Session::new(&fake);
    let org = &fake.seeded().orgs[0];
    let uri = format!(
        "/api/atlas/v1.0/orgs/{}/invites/{}",
        org.id, org.invitations[0].id
    );
    let wrapped = session
        .send(
            Method::GET,
            &format!("{uri}?envelope=true"),
            "application/json",
            None,
        )
        .await;
    assert_eq!(wrapped.status, StatusCode::OK);
    assert_eq!(wrapped.body["status"], 200);
    assert_eq!(
        wrapped.body["content"]["id"],
        org.invitations[0].id.as_str()
    );

    let missing = session
        .send(
            Method::GET,
            &format!(
                "/api/public/v1.0/orgs/{}/invites/{}?envelope=true",
                org.id,
                "f".repeat(24)
            ),
            "application/json",
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::OK);
    assert_eq!(missing.body["status"], 404);
    assert_eq!(
        missing.body["envelope"]["errorCode"],
        "INVITATION_NOT_FOUND"
    );

    let digest = session.digest.as_mut().expect("authenticated");
    let pretty_uri = format!("{uri}?pretty=true");
    let pretty = client()
        .get(format!("{}{pretty_uri}", fake.base_url()))
        .header("authorization", digest.header("GET", &pretty_uri))
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("body");
    assert!(pretty.starts_with("{\n  \""), "{pretty}");
    fake.shutdown().await;
}

async fn one_patch(session: &mut Session, fake: &FakeServer) -> Answer {
    let org = &fake.seeded().orgs[0];
    let uri = format!(
        "/api/atlas/v2/orgs/{}/invites/{}",
        org.id, org.invitations[0].id
    );
    session
        .send(
            Method::PATCH,
            &uri,
            V2,
            Some(&json!({"roles": ["ORG_OWNER"]})),
        )
        .await
}

#[tokio::test]
async fn every_fault_answers_as_documented_and_changes_nothing() {
    let fake = start(FakeServer::builder().faults(Faults {
        retry_after: Duration::from_millis(1500),
        slow_delay: Duration::from_millis(200),
        ..Faults::none()
    }))
    .await;
    let mut session = Session::new(&fake);
    let before = fake.state(Product::Atlas);
    // Authenticate first so each injected fault lands on a PATCH that carries credentials.
    let list = session
        .send(
            Method::GET,
            &format!("/api/atlas/v2/orgs/{}/invites", fake.seeded().orgs[0].id),
            V2,
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);

    fake.inject([Fault::RateLimited]);
    let limited = one_patch(&mut session, &fake).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers["retry-after"], "2");
    assert_eq!(limited.body["errorCode"], "RATE_LIMITED");

    fake.inject([Fault::Unavailable]);
    let unavailable = one_patch(&mut session, &fake).await;
    assert_eq!(unavailable.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(unavailable.body["errorCode"], "SERVICE_UNAVAILABLE");

    fake.inject([Fault::ServerErrorHtml]);
    let html = one_patch(&mut session, &fake).await;
    assert_eq!(html.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        html.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert!(html.body.as_str().expect("not JSON").starts_with("<html>"));

    fake.inject([Fault::NotJson]);
    let garbage = one_patch(&mut session, &fake).await;
    assert_eq!(garbage.status, StatusCode::OK);
    assert_eq!(garbage.headers["content-type"], V2);
    assert!(garbage.body.is_string(), "the body must not parse as JSON");

    fake.inject([Fault::VersionGone]);
    let gone = one_patch(&mut session, &fake).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert_eq!(gone.body["errorCode"], "VERSION_GONE");

    fake.inject([Fault::InvitationsRateLimitedIp]);
    let capped = one_patch(&mut session, &fake).await;
    assert_eq!(capped.status, StatusCode::BAD_REQUEST);
    assert_eq!(capped.body["errorCode"], "INVITATIONS_RATE_LIMITED_IP");

    assert_eq!(
        fake.state(Product::Atlas),
        before,
        "faulted requests change no state"
    );

    fake.inject([Fault::Drop]);
    let org = &fake.seeded().orgs[0];
    let uri = format!(
        "/api/atlas/v2/orgs/{}/invites/{}",
        org.id, org.invitations[0].id
    );
    let header = session
        .digest
        .as_mut()
        .expect("authenticated")
        .header("PATCH", &uri);
    let dropped = client()
        .patch(format!("{}{uri}", fake.base_url()))
        .header("accept", V2)
        .header("content-type", V2)
        .header("authorization", header)
        .body(r#"{"roles":["ORG_OWNER"]}"#)
        .send()
        .await;
    let error = dropped.expect_err("no response");
    assert!(!error.is_timeout(), "closed, not timed out: {error}");

    fake.inject([Fault::Slow]);
    let started = Instant::now();
    let slow = one_patch(&mut session, &fake).await;
    assert_eq!(slow.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(
        fake.state(Product::Atlas).orgs[0].invitations[0].roles,
        vec!["ORG_OWNER"]
    );

    let seen = fake.counters();
    for fault in Fault::ALL {
        assert_eq!(seen.faults_injected.get(&fault), Some(&1), "{fault:?}");
    }
    // The same PATCH body went out eight times with credentials: seven were re-sends.
    assert_eq!(seen.retries_seen, 7);
    assert_eq!(seen.status(200), 3, "list, not-JSON, slow");
    fake.shutdown().await;
}

#[tokio::test]
async fn a_fault_plan_is_reproducible_from_the_seed() {
    async fn run(seed: u64) -> Vec<u16> {
        let fake = FakeServer::builder()
            .seed(seed)
            .digest_keys(PUBLIC, PRIVATE)
            .faults("429=0.25,503=0.25,410=0.1".parse().expect("plan"))
            .start()
            .await
            .expect("starts");
        let mut session = Session::new(&fake);
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(one_patch(&mut session, &fake).await.status.as_u16());
        }
        fake.shutdown().await;
        statuses
    }
    let first = run(9).await;
    assert_eq!(first, run(9).await);
    assert!(
        first.contains(&429) && first.contains(&503) && first.contains(&200),
        "{first:?}"
    );
    assert_ne!(first, run(10).await);
}

#[tokio::test]
async fn seed_data_round_trips_and_shutdown_closes_the_port() {
    let fake = start(FakeServer::builder()).await;
    let json = serde_json::to_string(fake.seeded()).expect("serializes");
    let again = FakeServer::builder()
        .seed_data(fake::SeedData::from_json(&json).expect("reads"))
        .start()
        .await
        .expect("starts");
    assert_eq!(again.seeded(), fake.seeded());
    assert_ne!(again.base_url(), fake.base_url());
    let unknown = client()
        .get(format!("{}/api/nowhere", again.base_url()))
        .send()
        .await
        .expect("answer");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let error: Value = unknown.json().await.expect("ApiError");
    assert_eq!(error["errorCode"], "RESOURCE_NOT_FOUND");

    let addr = fake.addr();
    fake.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens after shutdown"
    );
    let addr = again.addr();
    drop(again);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens after drop"
    );
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let builder = FakeServer::builder()
        .digest_keys("PUB", "very-private")
        .service_account("mdb_sa_id_y", "sa-very-secret");
    let shown = format!("{builder:?}");
    assert!(shown.contains("PUB") && shown.contains("mdb_sa_id_y"));
    assert!(
        !shown.contains("very-private") && !shown.contains("sa-very-secret"),
        "{shown}"
    );
    let fake = builder.start().await.expect("starts");
    let shown = format!("{fake:?}");
    assert!(!shown.contains("very-private"), "{shown}");
    fake.shutdown().await;
}

#[tokio::test]
async fn anonymous_access_lets_bare_requests_through_but_still_checks_credentials() {
    let fake = start(FakeServer::builder().allow_anonymous(true)).await;
    let url = format!(
        "{}/orgs/{}/invites",
        fake.url(Flavour::AtlasV1),
        fake.seeded().orgs[0].id
    );
    let bare = client().get(&url).send().await.expect("answer");
    assert_eq!(bare.status(), StatusCode::OK);
    let wrong = client()
        .get(&url)
        .bearer_auth("fake.not-issued")
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let old_base = fake.base_url().to_owned();
    fake.shutdown().await;

    let strict = start(FakeServer::builder()).await;
    let url = url.replace(&old_base, strict.base_url());
    let bare = client().get(&url).send().await.expect("answer");
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    strict.shutdown().await;
}
