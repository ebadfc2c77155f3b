//! The token endpoint's own 429 is waited out inside the single flight. The fake server injects faults
//! on API requests only, so this test answers from a minimal loopback responder of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use transport::{Credentials, RetryPolicy, Transport};

mod common;
use common::{all_answer_200, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_429_is_retried_once_for_all_concurrent_callers() {
    let token_requests = Arc::new(AtomicUsize::new(0));
    let api_requests = Arc::new(AtomicUsize::new(0));
    let (tokens, apis) = (Arc::clone(&token_requests), Arc::clone(&api_requests));
    let (base, server) = serve(move |head: String| {
        let (tokens, apis) = (Arc::clone(&tokens), Arc::clone(&apis));
        async move {
            if head.starts_with("POST /api/oauth/token ") {
                if tokens.fetch_add(1, Ordering::SeqCst) == 0 {
                    "HTTP/1.1 429 Too Many Requests\r\nretry-after: 0\r\ncontent-length: 0\r\n\r\n".to_owned()
                } else {
                    let body = r#"{"access_token":"tok-after-429","expires_in":3600,"token_type":"Bearer"}"#;
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    )
                }
            } else {
                apis.fetch_add(1, Ordering::SeqCst);
                let ok = head
                    .lines()
                    .any(|l| l.eq_ignore_ascii_case("authorization: Bearer tok-after-429"));
                let status = if ok { "200 OK" } else { "401 Unauthorized" };
                format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\n\r\n{{}}")
            }
        }
    })
    .await;

    let transport = Transport::builder()
        .credentials(Credentials::service_account("id", "secret"))
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .proxy_from_environment(false)
        .build()
        .expect("builds");
    all_answer_200(&transport, 16, |i| {
        format!("{base}/api/atlas/v2/orgs?i={i}")
    })
    .await;
    assert_eq!(
        token_requests.load(Ordering::SeqCst),
        2,
        "one 429, one success, shared by all 16 callers"
    );
    assert_eq!(api_requests.load(Ordering::SeqCst), 16);
    let stats = transport.stats();
    assert_eq!((stats.tokens_fetched, stats.retries), (1, 1));
    server.abort();
}
