//! Throughput of 1,000 Digest-authenticated updates against the fake server: the transport versus a
//! hand-written reqwest loop that knows the protocol in advance (one probe, then signed requests with a
//! shared `nc`), sequentially and with 32 in flight, in the same run. Prints a Markdown table.
//!
//! `cargo bench -p mongodb-invitations-transport --bench digest_throughput`

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use md5::{Digest as _, Md5};
use transport::{Credentials, RetryPolicy, Transport};

const UPDATES: usize = 1000;
const ROUNDS: usize = 5;
const PUBLIC: &str = "BENCHPUBLIC";
const PRIVATE: &str = "bench-private-key";
const ACCEPT: &str = "application/vnd.atlas.2023-01-01+json";
const REALM: &str = "MMS Public API";

/// The URLs of the six seeded org invitations.
fn targets(fake: &fake::FakeServer) -> Vec<String> {
    fake.seeded()
        .orgs
        .iter()
        .flat_map(|org| {
            org.invitations
                .iter()
                .map(|inv| {
                    format!(
                        "{}/api/atlas/v2/orgs/{}/invites/{}",
                        fake.base_url(),
                        org.id,
                        inv.id
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn body(i: usize) -> &'static str {
    if i.is_multiple_of(2) {
        r#"{"roles":["ORG_MEMBER"]}"#
    } else {
        r#"{"roles":["ORG_READ_ONLY"]}"#
    }
}

/// Runs `UPDATES` calls of `one(i)` with `in_flight` workers.
async fn drive<F, Fut>(in_flight: usize, one: F) -> Duration
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..in_flight)
        .map(|_| {
            let (next, one) = (Arc::clone(&next), one.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= UPDATES {
                        return;
                    }
                    one(i).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    started.elapsed()
}

async fn through_transport(fake: &fake::FakeServer, in_flight: usize) -> Duration {
    let transport = Transport::builder()
        .credentials(Credentials::digest(PUBLIC, PRIVATE))
        .retry(RetryPolicy::never())
        .proxy_from_environment(false)
        .build()
        .expect("transport");
    let targets = Arc::new(targets(fake));
    drive(in_flight, move |i| {
        let (transport, targets) = (transport.clone(), Arc::clone(&targets));
        async move {
            let request = transport
                .http_client()
                .patch(&targets[i % targets.len()])
                .header("accept", ACCEPT)
                .header("content-type", ACCEPT)
                .body(body(i))
                .build()
                .expect("request");
            let response = transport.execute(request).await.expect("response");
            assert_eq!(response.status().as_u16(), 200);
            response.bytes().await.expect("body");
        }
    })
    .await
}

/// The baseline: what a programmer who knows the server would write by hand.
async fn hand_written(fake: &fake::FakeServer, in_flight: usize) -> Duration {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let targets = Arc::new(targets(fake));
    let probe = client.get(&targets[0]).send().await.expect("probe");
    let challenge = probe.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let nonce = Arc::new(
        challenge
            .split("nonce=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("nonce")
            .to_owned(),
    );
    let nc = Arc::new(AtomicU32::new(0));
    let ha1 = Arc::new(hex::encode(Md5::digest(format!(
        "{PUBLIC}:{REALM}:{PRIVATE}"
    ))));
    drive(in_flight, move |i| {
        let (client, targets, nonce, nc, ha1) =
            (client.clone(), Arc::clone(&targets), Arc::clone(&nonce), Arc::clone(&nc), Arc::clone(&ha1));
        async move {
            let url = reqwest::Url::parse(&targets[i % targets.len()]).expect("url");
            let count = format!("{:08x}", nc.fetch_add(1, Ordering::Relaxed) + 1);
            let cnonce = hex::encode(rand::random::<[u8; 16]>());
            let ha2 = hex::encode(Md5::digest(format!("PATCH:{}", url.path())));
            let response = hex::encode(Md5::digest(format!("{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")));
            let header = format!(
                "Digest username=\"{PUBLIC}\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"{}\", algorithm=MD5, qop=auth, nc={count}, cnonce=\"{cnonce}\", response=\"{response}\"",
                url.path()
            );
            let answer = client
                .patch(url)
                .header("authorization", header)
                .header("accept", ACCEPT)
                .header("content-type", ACCEPT)
                .body(body(i))
                .send()
                .await
                .expect("response");
            assert_eq!(answer.status().as_u16(), 200);
            answer.bytes().await.expect("body");
        }
    })
    .await
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fake = fake::FakeServer::builder()
        .seed(7)
        .digest_keys(PUBLIC, PRIVATE)
        // The hand-written side shares one nonce and an atomic count across 32 requests in flight,
        // which only window counting accepts (the transport leases nonces and passes either way).
        .nonce_counting(fake::NonceCounting::Window)
        .nonce_max_uses(u32::MAX)
        .nonce_max_age(Duration::from_secs(3600))
        .start()
        .await
        .expect("fake");
    println!(
        "| in flight | transport req/s | hand-written req/s | ratio | round trips per update (transport / hand-written) |"
    );
    println!("|---|---|---|---|---|");
    for in_flight in [1, 32] {
        let (mut ours, mut theirs, mut trips_ours, mut trips_theirs) =
            (Vec::new(), Vec::new(), 0.0, 0.0);
        // Alternate the order so neither side always runs on a warmer server.
        for round in 0..ROUNDS {
            for ours_first in [round % 2 == 0, round % 2 != 0] {
                fake.reset_counters();
                if ours_first {
                    let took = through_transport(&fake, in_flight).await;
                    ours.push(UPDATES as f64 / took.as_secs_f64());
                    trips_ours = fake.counters().total_requests as f64 / UPDATES as f64;
                } else {
                    let took = hand_written(&fake, in_flight).await;
                    theirs.push(UPDATES as f64 / took.as_secs_f64());
                    trips_theirs = fake.counters().total_requests as f64 / UPDATES as f64;
                }
            }
        }
        let (ours, theirs) = (median(ours), median(theirs));
        println!(
            "| {in_flight} | {ours:.0} | {theirs:.0} | {:.2} | {trips_ours:.3} / {trips_theirs:.3} |",
            ours / theirs
        );
    }
    fake.shutdown().await;
}
