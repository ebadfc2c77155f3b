//! The token endpoint's own 429 is waited out inside the single flight. The fake server injects faults
//! on API requests only, so this test answers from a minimal loopback responder of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use transport::{Credentials, RetryPolicy, Transport};

mod common;
use common::read_request;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_429_is_retried_once_for_all_concurrent_callers() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let token_requests = Arc::new(AtomicUsize::new(0));
    let api_requests = Arc::new(AtomicUsize::new(0));
    let (tokens, apis) = (Arc::clone(&token_requests), Arc::clone(&api_requests));
    let server = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let (tokens, apis) = (Arc::clone(&tokens), Arc::clone(&apis));
            tokio::spawn(async move {
                while let Some(head) = read_request(&mut stream).await {
                    let reply = if head.starts_with("POST /api/oauth/token ") {
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
                    };
                    if stream.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });

    let transport = Transport::builder()
        .credentials(Credentials::service_account("id", "secret"))
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .proxy_from_environment(false)
        .build()
        .expect("builds");
    let callers: Vec<_> = (0..16)
        .map(|i| {
            let (transport, base) = (transport.clone(), base.clone());
            tokio::spawn(async move {
                let request = transport
                    .http_client()
                    .get(format!("{base}/api/atlas/v2/orgs?i={i}"))
                    .build()
                    .expect("request");
                transport.send(request).await.expect("ok").status().as_u16()
            })
        })
        .collect();
    let run = async {
        for caller in callers {
            assert_eq!(caller.await.expect("no panic"), 200);
        }
    };
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("in time");
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
