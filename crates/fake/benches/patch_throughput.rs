//! Requests per second the fake serves for Digest-authenticated `PATCH` updates over keep-alive.
//!
//! `cargo bench -p mongodb-invitations-fake` (or `-- 20000` for another request count). Client and server
//! share the process and the machine, so the figure is a floor for the server alone. Every `Authorization`
//! header is computed before the clock starts: the client spends its time on HTTP only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake::FakeServer;
use md5::{Digest as _, Md5};

const PUBLIC: &str = "BENCHKEY";
const PRIVATE: &str = "bench-private-key";
const V2: &str = "application/vnd.atlas.2023-01-01+json";

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text))
}

fn nonce_of(challenge: &str) -> String {
    let start = challenge.find("nonce=\"").expect("nonce") + 7;
    let rest = &challenge[start..];
    rest[..rest.find('"').expect("closing quote")].to_owned()
}

fn authorization(nonce: &str, uri: &str, nc: u32) -> String {
    let nc = format!("{nc:08x}");
    let ha1 = md5_hex(&format!("{PUBLIC}:MMS Public API:{PRIVATE}"));
    let ha2 = md5_hex(&format!("PATCH:{uri}"));
    let response = md5_hex(&format!("{ha1}:{nonce}:{nc}:bench:auth:{ha2}"));
    format!(
        r#"Digest username="{PUBLIC}", realm="MMS Public API", nonce="{nonce}", uri="{uri}", algorithm=MD5, qop=auth, nc={nc}, cnonce="bench", response="{response}""#
    )
}

async fn run(requests: u32, connections: u32) -> f64 {
    let fake = FakeServer::builder()
        .seed(1)
        .digest_keys(PUBLIC, PRIVATE)
        // Headers are signed ahead with one nonce and counts spread over several connections, so their
        // arrival order is not their count order: measure the server with window counting.
        .nonce_counting(fake::NonceCounting::Window)
        .nonce_max_uses(u32::MAX)
        .nonce_max_age(Duration::from_secs(3600))
        .start()
        .await
        .expect("fake starts");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(connections as usize)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let org = &fake.seeded().orgs[0];
    let uri = format!(
        "/api/atlas/v2/orgs/{}/invites/{}",
        org.id, org.invitations[0].id
    );
    let url = format!("{}{uri}", fake.base_url());
    let challenge = http.patch(&url).send().await.expect("challenge");
    let nonce = nonce_of(
        challenge.headers()["www-authenticate"]
            .to_str()
            .expect("ascii"),
    );

    // One worker per connection; each takes its own slice of nc values so none repeats.
    let per_worker = requests / connections;
    let headers: Vec<Vec<String>> = (0..connections)
        .map(|w| {
            (1..=per_worker)
                .map(|i| authorization(&nonce, &uri, w * per_worker + i))
                .collect()
        })
        .collect();
    let body = r#"{"roles":["ORG_OWNER","ORG_READ_ONLY"],"teamIds":[]}"#;
    let url = Arc::new(url);
    let started = Instant::now();
    let workers: Vec<_> = headers
        .into_iter()
        .map(|headers| {
            let http = http.clone();
            let url = url.clone();
            tokio::spawn(async move {
                for header in headers {
                    let answer = http
                        .patch(url.as_str())
                        .header("accept", V2)
                        .header("content-type", V2)
                        .header("authorization", header)
                        .body(body)
                        .send()
                        .await
                        .expect("answer");
                    assert_eq!(answer.status(), 200);
                    let _ = answer.bytes().await.expect("body");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    let elapsed = started.elapsed();
    let seen = fake.counters();
    assert_eq!(seen.status(200), u64::from(per_worker * connections));
    assert_eq!(
        seen.challenges, 1,
        "every request after the first authenticated"
    );
    fake.shutdown().await;
    f64::from(per_worker * connections) / elapsed.as_secs_f64()
}

fn main() {
    // `cargo bench` passes `--bench`; a bare number overrides the request count.
    let requests: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    for connections in [1, 4] {
        let mut rates: Vec<f64> = (0..3)
            .map(|_| runtime.block_on(run(requests, connections)))
            .collect();
        rates.sort_by(f64::total_cmp);
        println!(
            "fake PATCH updateOrgInviteById, Digest MD5, keep-alive, {connections} connection(s), {requests} requests: median {:.0} req/s (min {:.0}, max {:.0})",
            rates[1], rates[0], rates[2]
        );
    }
}
