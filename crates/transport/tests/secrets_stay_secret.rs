//! Runs every authentication path against the fake with a `trace`-level subscriber capturing all
//! output, then looks for anything secret in the logs, in `Debug` and `Display` of the transport, its
//! builder, credentials and errors — and for the e-mail address a URL's query carried.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use transport::{Credentials, RetryPolicy, Transport};

const PUBLIC: &str = "LEAKTESTPUB";
const PRIVATE: &str = "leak-test-private-3c9f1e";
const CLIENT_ID: &str = "mdb_sa_id_leaktest";
const CLIENT_SECRET: &str = "mdb_sa_sk_leaktest_77ab";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        max_elapsed: Duration::from_secs(30),
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
    }
}

async fn patch(transport: &Transport, fake: &fake::FakeServer, i: usize) -> reqwest::Response {
    let org = &fake.seeded().orgs[0];
    let url = format!(
        "{}/api/atlas/v1.0/orgs/{}/invites/{}",
        fake.base_url(),
        org.id,
        org.invitations[i % 3].id
    );
    let role = if i.is_multiple_of(2) {
        "ORG_MEMBER"
    } else {
        "ORG_READ_ONLY"
    };
    let request = transport
        .http_client()
        .patch(url)
        .header("content-type", "application/json")
        .body(format!(r#"{{"roles":["{role}"]}}"#))
        .build()
        .expect("request");
    transport.execute(request).await.expect("a response")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_secret_reaches_logs_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut shown = String::new();

    let test = async {
        let faults: fake::Faults = "429=0.1:0s,503=0.05,drop=0.02,400=0.02"
            .parse()
            .expect("plan");
        for algorithm in [fake::DigestAlgorithm::Md5, fake::DigestAlgorithm::Sha256] {
            let fake = fake::FakeServer::builder()
                .digest_keys(PUBLIC, PRIVATE)
                .service_account(CLIENT_ID, CLIENT_SECRET)
                .digest_algorithm(algorithm)
                .nonce_max_uses(5)
                .faults(faults.clone())
                .start()
                .await
                .expect("fake");
            let digest = Transport::builder()
                .credentials(Credentials::digest(PUBLIC, PRIVATE))
                .retry(fast_retries())
                .proxy_from_environment(false)
                .build()
                .expect("builds");
            let account = Transport::builder()
                .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
                .retry(fast_retries())
                .proxy_from_environment(false)
                .build()
                .expect("builds");
            let wrong = Transport::builder()
                .credentials(Credentials::digest(PUBLIC, "wrong-private-key-zz"))
                .proxy_from_environment(false)
                .build()
                .expect("builds");
            for i in 0..40 {
                assert!(patch(&digest, &fake, i).await.status().is_success());
                assert!(patch(&account, &fake, i).await.status().is_success());
            }
            // Usernames in queries are e-mail addresses: retried (and so logged) lists by username.
            for _ in 0..20 {
                let url = format!(
                    "{}/api/atlas/v1.0/orgs/{}/invites?username=leak.test@example.com",
                    fake.base_url(),
                    fake.seeded().orgs[0].id
                );
                let request = digest.http_client().get(url).build().expect("request");
                let _ = digest.execute(request).await;
            }
            let request = digest
                .http_client()
                .get("http://127.0.0.1:9/api/atlas/v1.0/orgs/x/invites?username=leak.test@example.com")
                .build()
                .expect("request");
            let err = digest.send(request).await.expect_err("nobody listens");
            shown.push_str(&format!("{err}\n{err:?}\n"));
            let refused = patch(&wrong, &fake, 0).await;
            let err = transport::classify(refused).await.expect_err("401");
            shown.push_str(&format!(
                "{err}\n{err:?}\n{digest:?}\n{account:?}\n{wrong:?}\n{digest:#?}\n"
            ));
            assert!(fake.counters().stale_challenges > 0, "stale path exercised");
            fake.shutdown().await;
        }
        shown.push_str(&format!(
            "{:?}",
            Transport::builder().credentials(Credentials::digest(PUBLIC, PRIVATE))
        ));
        shown.push_str(&format!(
            "{:?}",
            Credentials::service_account(CLIENT_ID, CLIENT_SECRET)
        ));
    };
    tokio::time::timeout(Duration::from_secs(120), test)
        .await
        .expect("finished in time");

    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8 logs");
    assert!(
        logs.contains("signed") && logs.contains("retrying") && logs.contains("re-signing once"),
        "logs were captured"
    );
    let basic = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    };
    for (what, text) in [("logs", &logs), ("debug/display", &shown)] {
        for secret in [
            PRIVATE,
            CLIENT_SECRET,
            "wrong-private-key-zz",
            basic.as_str(),
            "example.com",
        ] {
            assert!(!text.contains(secret), "{what} contain a secret");
        }
        // Any Authorization value: a digest response, a bearer token, basic credentials.
        for marker in ["response=", "Bearer ", "Basic ", "cnonce=", "access_token"] {
            assert!(!text.contains(marker), "{what} contain {marker:?}");
        }
    }
}
