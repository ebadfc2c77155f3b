//! `crates/transport` against the fake server: round trips per request under Digest (sequential and
//! concurrent, MD5 and SHA-256, stale nonces), wrong keys, service accounts, and retries under injected
//! faults. Every figure asserted is counted by the fake, not by the transport.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ::transport::reqwest::Request;
use ::transport::{Credentials, Error, RetryPolicy, Transport};
use fake::{DigestAlgorithm, FakeServer, Fault, Faults, Product};
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
    FakeServer::builder()
        .seed(42)
        .digest_keys(PUBLIC, PRIVATE)
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .nonce_max_uses(nonce_max_uses)
        .digest_algorithm(algorithm)
        .faults(faults)
        .start()
        .await
        .expect("fake starts")
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
    let fake = Arc::new(start_fake(algorithm, nonce_max_uses, faults).await);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_with_32_concurrent_callers_probes_once_and_sends_each_body_once() {
    bounded(async {
        let DigestRun { seen, stats } = digest_run(
            DigestAlgorithm::Sha256,
            1_000_000,
            Faults::none(),
            RetryPolicy::never(),
            32,
        )
        .await;
        assert!(seen.total_requests <= 1032, "{seen:?}");
        // One first contact for all 32 callers.
        assert_eq!((seen.challenges, stats.probes), (1, 1), "{seen:?}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_keys_fail_with_one_typed_401_after_exactly_one_retry() {
    bounded(async {
        let fake = Arc::new(start_fake(DigestAlgorithm::Md5, 100, Faults::none()).await);
        let transport = digest_transport("not-the-private-key", patient_retries());
        let request = update_request(&transport, &fake, &update(&fake, 0));
        let err = transport
            .send(request)
            .await
            .expect_err("wrong keys are refused");
        let Error::Unauthorized {
            status,
            body_excerpt,
        } = &err
        else {
            panic!("expected Unauthorized, got {err:?}")
        };
        assert_eq!(status.as_u16(), 401);
        assert!(body_excerpt.contains("UNAUTHORIZED"), "{body_excerpt}");
        assert!(!err.to_string().contains("not-the-private-key"));
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

        // Through `execute`, the same failure is the server's own 401 response.
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
        // The cached (wrong) nonce is tried, refused, re-signed once with the new nonce, refused again.
        assert_eq!(fake.counters().total_requests, 4);
        Arc::into_inner(fake)
            .expect("no other holder")
            .shutdown()
            .await;
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
        assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
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
        assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
        assert!(!format!("{err:?}{err}").contains("wrong-secret"));
        assert_eq!(api.counters().tokens_issued, 0);
        issuer.shutdown().await;
        Arc::into_inner(api)
            .expect("no other holder")
            .shutdown()
            .await;
    })
    .await;
}
