//! `crates/transport` against the fake server: round trips per request under Digest (sequential and
//! concurrent, MD5 and SHA-256, stale nonces) against strict and window nonce counting, wrong keys
//! (typed, with JSON, HTML and empty 401 bodies, through the transport and the facade), service
//! accounts, retries under injected faults, and URLs without their query in errors. Every figure asserted
//! is counted by the fake, not by the transport.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ::transport::reqwest::Request;
use ::transport::{AuthFailure, AuthReason, Principal};
use ::transport::{Credentials, Error, RetryPolicy, Transport};
use fake::{DigestAlgorithm, FakeServer, Fault, Faults, NonceCounting, Product, UnauthorizedBody};
use serde_json::{Value, json};

const PUBLIC: &str = "PUBKEYTRANSPORT";
const PRIVATE: &str = "6d1f0c9e-private-key-4b7a";
const CLIENT_ID: &str = "mdb_sa_id_transport";
const CLIENT_SECRET: &str = "mdb_sa_sk_transport_secret";
const V2_ACCEPT: &str = "application/vnd.atlas.2023-01-01+json";
const ORG_ROLES: [&str; 7] = [
    "ORG_OWNER",
    "ORG_MEMBER",
    "ORG_GROUP_CREATOR",
    "ORG_BILLING_ADMIN",
    "ORG_BILLING_READ_ONLY",
    "ORG_STREAM_PROCESSING_ADMIN",
    "ORG_READ_ONLY",
];
/// Bound on every test's run time.
const TEST_LIMIT: Duration = Duration::from_secs(120);

async fn start_fake(algorithm: DigestAlgorithm, nonce_max_uses: u32, faults: Faults) -> FakeServer {
    fake_builder(algorithm, nonce_max_uses, faults)
        .start()
        .await
        .expect("fake starts")
}

/// The fake with strict nonce counting (its default): each count above the highest accepted.
fn fake_builder(
    algorithm: DigestAlgorithm,
    nonce_max_uses: u32,
    faults: Faults,
) -> fake::FakeServerBuilder {
    FakeServer::builder()
        .seed(42)
        .digest_keys(PUBLIC, PRIVATE)
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .nonce_max_uses(nonce_max_uses)
        .digest_algorithm(algorithm)
        .faults(faults)
}

fn digest_transport(private_key: &str, retry: RetryPolicy) -> Transport {
    Transport::builder()
        .credentials(Credentials::digest(PUBLIC, private_key))
        .retry(retry)
        .proxy_from_environment(false)
        .user_agent_product("transport-tests/0")
        .build()
        .expect("transport builds")
}

/// Fast retries, many attempts: enough to ride out 17 % injected failures without slowing the test.
fn patient_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 12,
        max_elapsed: Duration::from_secs(60),
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(50),
    }
}

/// Update number `i`: which org invitation, and a roles/teams combination no other update below 3,048
/// sends to it, so the fake's re-send detector only counts real retries.
struct Update {
    org: usize,
    invitation: usize,
    roles: BTreeSet<String>,
    teams: BTreeSet<String>,
}

fn update(fake: &FakeServer, i: usize) -> Update {
    let (org, invitation, combo) = ((i % 6) / 3, i % 3, i / 6);
    let role_mask = combo % 127 + 1;
    let team_mask = (combo / 127) % 4;
    let teams = &fake.seeded().orgs[org].teams;
    Update {
        org,
        invitation,
        roles: (0..7)
            .filter(|b| role_mask & (1 << b) != 0)
            .map(|b| ORG_ROLES[b].to_owned())
            .collect(),
        teams: (0..2)
            .filter(|b| team_mask & (1 << b) != 0)
            .map(|b| teams[b].id.clone())
            .collect(),
    }
}

fn update_request(transport: &Transport, fake: &FakeServer, u: &Update) -> Request {
    let org = &fake.seeded().orgs[u.org];
    let url = format!(
        "{}/api/atlas/v2/orgs/{}/invites/{}",
        fake.base_url(),
        org.id,
        org.invitations[u.invitation].id
    );
    let body = json!({ "roles": u.roles, "teamIds": u.teams });
    transport
        .http_client()
        .patch(url)
        .header("accept", V2_ACCEPT)
        .header("content-type", V2_ACCEPT)
        .body(body.to_string())
        .build()
        .expect("request builds")
}

/// Sends updates `0..count` with `in_flight` concurrent callers; checks each answer is the 200 of the
/// invitation as updated.
async fn run_updates(
    transport: &Transport,
    fake: &Arc<FakeServer>,
    count: usize,
    in_flight: usize,
) {
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..in_flight)
        .map(|_| {
            let (transport, fake, next) = (transport.clone(), Arc::clone(fake), Arc::clone(&next));
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return;
                    }
                    let u = update(&fake, i);
                    let response = transport
                        .send(update_request(&transport, &fake, &u))
                        .await
                        .unwrap_or_else(|e| panic!("update {i}: {e}"));
                    assert_eq!(response.status().as_u16(), 200, "update {i}");
                    let body: Value =
                        serde_json::from_slice(&response.bytes().await.expect("body"))
                            .expect("JSON body");
                    let roles: BTreeSet<String> =
                        serde_json::from_value(body["roles"].clone()).expect("roles");
                    assert_eq!(roles, u.roles, "update {i}");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker did not panic");
    }
}

/// The store holds, for each invitation, the roles and teams of an update sent to it: the last one when
/// the updates were sequential, one of them (whichever the server ran last) when they were concurrent.
fn assert_updates_applied(fake: &FakeServer, count: usize, sequential: bool) {
    let state = fake.state(Product::Atlas);
    for slot in 0..6.min(count) {
        let sent: Vec<Update> = (0..count)
            .filter(|i| i % 6 == slot)
            .map(|i| update(fake, i))
            .collect();
        let probe = sent.last().expect("slot used");
        let stored = &state.orgs[probe.org].invitations[probe.invitation];
        let stored = (
            stored.roles.iter().cloned().collect::<BTreeSet<_>>(),
            stored.team_ids.iter().cloned().collect::<BTreeSet<_>>(),
        );
        let candidates = if sequential {
            &sent[sent.len() - 1..]
        } else {
            &sent[..]
        };
        assert!(
            candidates
                .iter()
                .any(|u| (u.roles.clone(), u.teams.clone()) == stored),
            "invitation {slot} holds {stored:?}"
        );
    }
}

async fn bounded<F: Future>(test: F) -> F::Output {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .expect("test finished within its time limit")
}

/// What one run of 1,000 Digest updates left behind, after the checks every run shares: each update
/// answered 200 and applied, and no request carried a body without credentials.
struct DigestRun {
    seen: fake::CountersSnapshot,
    stats: ::transport::Stats,
}

async fn digest_run(
    algorithm: DigestAlgorithm,
    nonce_max_uses: u32,
    faults: Faults,
    retry: RetryPolicy,
    in_flight: usize,
) -> DigestRun {
    digest_run_counting(
        NonceCounting::Strict,
        algorithm,
        nonce_max_uses,
        faults,
        retry,
        in_flight,
    )
    .await
}

async fn digest_run_counting(
    counting: NonceCounting,
    algorithm: DigestAlgorithm,
    nonce_max_uses: u32,
    faults: Faults,
    retry: RetryPolicy,
    in_flight: usize,
) -> DigestRun {
    let fake = Arc::new(
        fake_builder(algorithm, nonce_max_uses, faults)
            .nonce_counting(counting)
            .start()
            .await
            .expect("fake starts"),
    );
    let transport = digest_transport(PRIVATE, retry);
    run_updates(&transport, &fake, 1000, in_flight).await;
    let seen = fake.counters();
    assert_eq!(
        (seen.status(200), seen.bodies_without_credentials),
        (1000, 0),
        "{seen:?}"
    );
    assert_updates_applied(&fake, 1000, in_flight == 1);
    Arc::into_inner(fake)
        .expect("workers done")
        .shutdown()
        .await;
    DigestRun {
        seen,
        stats: transport.stats(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_sequential_updates_cost_one_round_trip_each_md5_and_sha256() {
    bounded(async {
        for algorithm in [DigestAlgorithm::Md5, DigestAlgorithm::Sha256] {
            let DigestRun { seen, stats } = digest_run(
                algorithm,
                1_000_000,
                Faults::none(),
                RetryPolicy::never(),
                1,
            )
            .await;
            assert!(seen.total_requests <= 1001, "{algorithm:?}: {seen:?}");
            assert_eq!(
                (seen.challenges, seen.replays_refused),
                (1, 0),
                "{algorithm:?}"
            );
            assert_eq!(
                (stats.requests_sent, stats.probes, stats.challenges),
                (seen.total_requests, 1, 1)
            );
        }
    })
    .await;
}

/// 1,000 updates at concurrency 1, 8, 32 and 64, against strict nonce counting (a count must be above
/// the highest accepted for its nonce, in arrival order: what strict RFC 7616 servers enforce) and
/// against window counting (any unused count). Each in-flight request holds its nonce alone, so strict
/// servers refuse nothing: at most N + 2c requests there (in fact N + c: one probe per nonce, at most
/// one nonce per request in flight), N + c against the window, and no body refused for a nonce reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_updates_all_land_within_the_bounds_under_strict_and_window_counting() {
    bounded(async {
        for counting in [NonceCounting::Strict, NonceCounting::Window] {
            for in_flight in [1u64, 8, 32, 64] {
                let DigestRun { seen, stats } = digest_run_counting(
                    counting,
                    DigestAlgorithm::Sha256,
                    1_000_000,
                    Faults::none(),
                    RetryPolicy::never(),
                    in_flight as usize,
                )
                .await;
                let bound = match counting {
                    NonceCounting::Strict => 1000 + 2 * in_flight,
                    _ => 1000 + in_flight,
                };
                println!(
                    "{counting:?} c={in_flight}: {} requests, {} challenges",
                    seen.total_requests, seen.challenges
                );
                assert!(
                    seen.total_requests <= bound,
                    "{counting:?} c={in_flight}: {seen:?}"
                );
                // Every challenge answered a probe for a new nonce; none refused a signed request.
                assert!(
                    (1..=in_flight).contains(&seen.challenges),
                    "{counting:?} c={in_flight}: {seen:?}"
                );
                assert_eq!(
                    (
                        stats.probes,
                        stats.challenges,
                        seen.total_requests,
                        stats.requests_sent
                    ),
                    (
                        seen.challenges,
                        seen.challenges,
                        1000 + seen.challenges,
                        seen.total_requests
                    ),
                    "{counting:?} c={in_flight}"
                );
                assert_eq!(
                    (
                        seen.bodies_refused_for_nonce,
                        seen.counts_out_of_order,
                        seen.replays_refused,
                        seen.stale_challenges
                    ),
                    (0, 0, 0, 0),
                    "{counting:?} c={in_flight}: {seen:?}"
                );
            }
        }
    })
    .await;
}

/// With nonces going stale every 20 uses at 8 in flight, each stale answer costs exactly one re-sign and
/// every update still lands, against strict counting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_nonces_under_concurrency_cost_one_re_sign_each() {
    bounded(async {
        let DigestRun { seen, stats } = digest_run(
            DigestAlgorithm::Md5,
            20,
            Faults::none(),
            RetryPolicy::never(),
            8,
        )
        .await;
        assert!(seen.stale_challenges >= 1000 / 20 - 8, "{seen:?}");
        assert_eq!(stats.stale_nonces, seen.stale_challenges);
        assert_eq!(
            seen.total_requests,
            1000 + stats.probes + seen.stale_challenges,
            "{seen:?}"
        );
        assert_eq!(
            (seen.counts_out_of_order, seen.replays_refused),
            (0, 0),
            "{seen:?}"
        );
        // Only stale nonces refused bodies; no count was refused.
        assert_eq!(seen.bodies_refused_for_nonce, seen.stale_challenges);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_nonces_cost_one_extra_round_trip_each_and_no_error() {
    bounded(async {
        let DigestRun { seen, stats } = digest_run(
            DigestAlgorithm::Md5,
            100,
            Faults::none(),
            RetryPolicy::never(),
            1,
        )
        .await;
        // A nonce serves 100 requests; requests 101, 201, ... 901 each meet a stale one.
        assert_eq!(
            (seen.stale_challenges, stats.stale_nonces),
            (9, 9),
            "{seen:?}"
        );
        assert_eq!(
            seen.total_requests,
            1001 + seen.stale_challenges,
            "{seen:?}"
        );
    })
    .await;
}

fn wrong_credentials() -> AuthFailure {
    AuthFailure {
        reason: AuthReason::WrongCredentials,
        principal: Some(Principal::PublicKey(PUBLIC.into())),
    }
}

/// A wrong private key: the probe and one signed attempt, then a typed 401 saying the credentials are
/// wrong, whatever the body of the server's 401 (JSON, HTML, empty).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_fail_with_one_typed_401_whatever_its_body() {
    bounded(async {
        for body in [
            UnauthorizedBody::Json,
            UnauthorizedBody::Html,
            UnauthorizedBody::Empty,
        ] {
            let fake = Arc::new(
                fake_builder(DigestAlgorithm::Md5, 100, Faults::none())
                    .unauthorized_body(body)
                    .start()
                    .await
                    .expect("fake starts"),
            );
            let transport = digest_transport("not-the-private-key", patient_retries());
            let request = update_request(&transport, &fake, &update(&fake, 0));
            let err = transport
                .send(request)
                .await
                .expect_err("wrong keys are refused");
            let Error::Unauthorized {
                status,
                failure,
                body_excerpt,
            } = &err
            else {
                panic!("expected Unauthorized, got {err:?}")
            };
            assert_eq!(status.as_u16(), 401);
            assert_eq!(failure.as_ref(), Some(&wrong_credentials()), "{body:?}");
            let expected_start = match body {
                UnauthorizedBody::Json => "{",
                UnauthorizedBody::Html => "<!DOCTYPE HTML",
                _ => "",
            };
            assert!(body_excerpt.starts_with(expected_start), "{body_excerpt}");
            assert!(
                err.to_string().starts_with(
                    "authentication refused: the server refused the credentials for public key PUBKEYTRANSPORT (HTTP 401"
                ),
                "{err}"
            );
            assert!(!format!("{err}{err:?}").contains("not-the-private-key"));
            let seen = fake.counters();
            // The body-less probe, then the one signed attempt: no loop, no body without credentials.
            assert_eq!(
                (
                    seen.total_requests,
                    seen.status(401),
                    seen.bodies_without_credentials
                ),
                (2, 2, 0),
                "{seen:?}"
            );

            // Through `execute`, the same failure is the server's own 401 response, with the reason
            // attached. The nonce the refusal brought is fresh: refused again without `stale`, the keys
            // are wrong, so it is not re-signed.
            let org = &fake.seeded().orgs[0];
            let get = transport
                .http_client()
                .get(format!(
                    "{}/api/atlas/v1.0/orgs/{}/invites",
                    fake.base_url(),
                    org.id
                ))
                .build()
                .expect("request");
            let response = transport.execute(get).await.expect("a response");
            assert_eq!(response.status().as_u16(), 401);
            assert_eq!(
                response.extensions().get::<AuthFailure>(),
                Some(&wrong_credentials())
            );
            assert_eq!(fake.counters().total_requests, 3);
            Arc::into_inner(fake)
                .expect("no other holder")
                .shutdown()
                .await;
        }
    })
    .await;
}

/// A server that calls every nonce stale (here nonces live 0 s): the one re-sign, then a typed
/// stale-nonce failure rather than a loop or a claim that the keys are wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nonce_still_stale_after_the_re_sign_is_typed_as_stale() {
    bounded(async {
        let fake = fake_builder(DigestAlgorithm::Md5, 100, Faults::none())
            .nonce_max_age(Duration::ZERO)
            .start()
            .await
            .expect("fake starts");
        let transport = digest_transport(PRIVATE, RetryPolicy::never());
        let err = transport
            .send(update_request(&transport, &fake, &update(&fake, 0)))
            .await
            .expect_err("always stale");
        assert!(
            matches!(&err, Error::Unauthorized { failure: Some(f), .. } if f.reason == AuthReason::StaleNonce),
            "{err:?}"
        );
        let seen = fake.counters();
        // The probe, the signed request, the one re-sign.
        assert_eq!(
            (seen.total_requests, seen.stale_challenges),
            (3, 2),
            "{seen:?}"
        );
        fake.shutdown().await;
    })
    .await;
}

/// The facade turns the same refusal into `Error::Authentication` naming the public key, for JSON and
/// HTML 401 bodies alike (an HTML body is not an `ApiError`, and used to surface as undecodable), with and
/// without the envelope (which rebuilds the answer and must keep the transport's reason on it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facade_types_a_wrong_key_as_an_authentication_error_with_json_and_html_401s() {
    use mongodb_invitations::{Client, Flavour, Invitee, OrgInvitationChanges, OrgRole};
    bounded(async {
        for body in [UnauthorizedBody::Json, UnauthorizedBody::Html, UnauthorizedBody::Empty] {
            let fake = fake_builder(DigestAlgorithm::Md5, 100, Faults::none())
                .unauthorized_body(body)
                .start()
                .await
                .expect("fake starts");
            let org = &fake.seeded().orgs[0];
            for (flavour, envelope) in [Flavour::AtlasV2, Flavour::AtlasV1, Flavour::OpsManager]
                .into_iter()
                .flat_map(|f| [(f, false), (f, true)])
            {
                let client = Client::builder(flavour)
                    .base_url(fake.base_url())
                    .digest(PUBLIC, "not-the-private-key")
                    .retry(RetryPolicy::never())
                    .envelope(envelope)
                    .build()
                    .expect("client");
                let err = client
                    .update_org_invitation(
                        &org.id.parse().expect("org id"),
                        &Invitee::Id(org.invitations[0].id.parse().expect("id")),
                        &OrgInvitationChanges::roles([OrgRole::Member]),
                    )
                    .await
                    .expect_err("refused");
                assert!(
                    matches!(
                        &err,
                        mongodb_invitations::Error::Authentication {
                            reason: AuthReason::WrongCredentials,
                            principal: Some(Principal::PublicKey(key)),
                        } if key == PUBLIC
                    ),
                    "{body:?} {flavour:?} envelope {envelope}: {err:?}"
                );
                assert_eq!(
                    err.to_string(),
                    format!(
                        "authentication failed for public key {PUBLIC}: the server refused the credentials"
                    )
                );
                assert!(!format!("{err:?}").contains("not-the-private-key"));
            }
            fake.shutdown().await;
        }
    })
    .await;
}

/// Errors name URLs without their query: a username there is an e-mail address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_urls_without_their_query() {
    use mongodb_invitations::{Client, Flavour};
    bounded(async {
        // Port 9 (discard) on loopback: nothing listens there in the test environment.
        let base = "http://127.0.0.1:9";
        let transport = digest_transport(PRIVATE, RetryPolicy::never());
        let request = transport
            .http_client()
            .get(format!(
                "{base}/api/atlas/v2/orgs/0123456789abcdef01234567/invites?username=ada%40example.com"
            ))
            .build()
            .expect("request");
        let err = transport.send(request).await.expect_err("nobody listens");
        let shown = format!("{err} {err:?}");
        assert!(
            shown.contains("/api/atlas/v2/orgs/0123456789abcdef01234567/invites"),
            "{shown}"
        );
        assert!(!shown.contains("example.com") && !shown.contains("username="), "{shown}");

        let client = Client::builder(Flavour::AtlasV2)
            .base_url(base)
            .digest(PUBLIC, PRIVATE)
            .retry(RetryPolicy::never())
            .build()
            .expect("client");
        let err = client
            .list_org_invitations(
                &"0123456789abcdef01234567".parse().expect("org id"),
                Some(&"ada@example.com".parse().expect("username")),
            )
            .await
            .expect_err("nobody listens");
        let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
        assert!(matches!(err, mongodb_invitations::Error::Transport { .. }), "{shown}");
        assert!(!shown.contains("example.com") && !shown.contains("username="), "{shown}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_rate_limits_outages_and_drops_are_retried_until_every_update_lands() {
    bounded(async {
        let faults = Faults {
            rate_limited: 0.10,
            retry_after: Duration::from_secs(1),
            unavailable: 0.05,
            drop_connection: 0.02,
            ..Faults::none()
        };
        let DigestRun { seen, stats } = digest_run(
            DigestAlgorithm::Sha256,
            1_000_000,
            faults,
            patient_retries(),
            32,
        )
        .await;
        let injected: u64 = seen.faults_injected.values().sum();
        println!(
            "faults injected {:?}; transport {stats:?}",
            seen.faults_injected
        );
        assert!(
            seen.faults_injected
                .get(&Fault::RateLimited)
                .copied()
                .unwrap_or(0)
                > 50,
            "{seen:?}"
        );
        assert!(
            seen.faults_injected.get(&Fault::Drop).copied().unwrap_or(0) > 5,
            "{seen:?}"
        );
        // Every fault was answered by exactly one retry, and the fake saw each of them re-sent.
        assert_eq!(stats.retries, injected);
        assert_eq!(seen.retries_seen, injected);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_invitations_rate_limited_ip_is_retried_and_other_400s_are_not() {
    bounded(async {
        let fake = Arc::new(start_fake(DigestAlgorithm::Md5, 1_000_000, Faults::none()).await);
        let transport = digest_transport(PRIVATE, patient_retries());
        fake.inject([
            Fault::InvitationsRateLimitedIp,
            Fault::InvitationsRateLimitedIp,
        ]);
        run_updates(&transport, &fake, 1, 1).await;
        assert_eq!(transport.stats().retries, 2);
        // A validation error is the caller's mistake: sent once, handed back.
        let org = &fake.seeded().orgs[0];
        let bad = transport
            .http_client()
            .patch(format!(
                "{}/api/atlas/v2/orgs/{}/invites/{}",
                fake.base_url(),
                org.id,
                org.invitations[0].id
            ))
            .header("accept", V2_ACCEPT)
            .header("content-type", "application/json")
            .body(r#"{"roles":["NOT_A_ROLE"]}"#)
            .build()
            .expect("request");
        let before = fake.counters().total_requests;
        let response = transport
            .send(bad)
            .await
            .expect("a 400 is a response, not a transport error");
        assert_eq!(response.status().as_u16(), 400);
        assert!(
            String::from_utf8_lossy(&response.bytes().await.expect("body"))
                .contains("VALIDATION_ERROR")
        );
        assert_eq!(fake.counters().total_requests, before + 1);
        assert_eq!(transport.stats().retries, 2);
        Arc::into_inner(fake)
            .expect("no other holder")
            .shutdown()
            .await;
    })
    .await;
}

fn service_account_transport(secret: &str) -> Transport {
    Transport::builder()
        .credentials(Credentials::service_account(CLIENT_ID, secret))
        .retry(patient_retries())
        .proxy_from_environment(false)
        .build()
        .expect("transport builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_account_token_is_fetched_once_for_32_concurrent_callers() {
    bounded(async {
        let fake = Arc::new(start_fake(DigestAlgorithm::Md5, 100, Faults::none()).await);
        let transport = service_account_transport(CLIENT_SECRET);
        run_updates(&transport, &fake, 200, 32).await;
        let seen = fake.counters();
        assert_eq!(
            (seen.tokens_issued, seen.status(401), seen.challenges),
            (1, 0, 0),
            "{seen:?}"
        );
        assert_eq!(seen.total_requests, 201);
        assert_eq!(transport.stats().tokens_fetched, 1);
        Arc::into_inner(fake)
            .expect("workers done")
            .shutdown()
            .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_refreshed_once_then_the_401_is_typed() {
    bounded(async {
        // Tokens come from a second fake whose tokens the first does not know: every API call gets 401.
        let api = Arc::new(start_fake(DigestAlgorithm::Md5, 100, Faults::none()).await);
        let issuer = start_fake(DigestAlgorithm::Md5, 100, Faults::none()).await;
        let transport = Transport::builder()
            .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
            .token_url(format!("{}/api/oauth/token", issuer.base_url()))
            .proxy_from_environment(false)
            .build()
            .expect("builds");
        let err = transport
            .send(update_request(&transport, &api, &update(&api, 0)))
            .await
            .expect_err("refused");
        assert!(
            matches!(&err, Error::Unauthorized { failure: Some(f), .. } if f.reason == AuthReason::TokenRefused),
            "{err:?}"
        );
        assert_eq!(
            issuer.counters().tokens_issued,
            2,
            "first token, then one refresh"
        );
        assert_eq!(
            api.counters().total_requests,
            2,
            "one attempt per token, no loop"
        );

        // A wrong client secret: the token endpoint's own 401, typed, and no API request at all.
        let wrong = service_account_transport("wrong-secret");
        let err = wrong
            .send(update_request(&wrong, &api, &update(&api, 0)))
            .await
            .expect_err("refused");
        assert!(
            matches!(&err, Error::Unauthorized { failure: Some(f), .. } if f.reason == AuthReason::WrongCredentials
                && f.principal == Some(Principal::ClientId(CLIENT_ID.into()))),
            "{err:?}"
        );
        assert!(!format!("{err:?}{err}").contains("wrong-secret"));
        assert_eq!(api.counters().tokens_issued, 0);

        // 16 callers waiting for one token fetch that the endpoint refuses: one request to the token
        // endpoint, and every caller gets its refusal.
        api.reset_counters();
        let wrong = service_account_transport("wrong-secret");
        let callers: Vec<_> = (0..16)
            .map(|_| {
                let (wrong, api) = (wrong.clone(), Arc::clone(&api));
                tokio::spawn(async move {
                    wrong
                        .send(update_request(&wrong, &api, &update(&api, 0)))
                        .await
                })
            })
            .collect();
        for caller in callers {
            let err = caller.await.expect("no panic").expect_err("refused");
            assert!(
                matches!(&err, Error::Unauthorized { failure: Some(f), .. } if f.reason == AuthReason::WrongCredentials),
                "{err:?}"
            );
        }
        let seen = api.counters();
        assert_eq!((seen.total_requests, seen.status(401)), (1, 1), "{seen:?}");
        issuer.shutdown().await;
        Arc::into_inner(api)
            .expect("no other holder")
            .shutdown()
            .await;
    })
    .await;
}
