//! `max_in_flight` bounds the requests a server sees at once, whatever the number of callers: a loopback
//! responder that holds each answer counts how many requests it has open.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use transport::{Credentials, Transport};

mod common;
use common::read_request;

/// Sends 24 concurrent requests through a transport built by `build` to a server that holds each
/// answer 15 ms; returns the most requests the server had open at once, and how many it answered.
async fn most_open_at_once(build: impl FnOnce() -> Transport) -> (usize, usize) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let open = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let (o, m, a) = (open.clone(), most.clone(), answered.clone());
    let server = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let (open, most, answered) = (o.clone(), m.clone(), a.clone());
            tokio::spawn(async move {
                while read_request(&mut stream).await.is_some() {
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(15)).await;
                    open.fetch_sub(1, Ordering::SeqCst);
                    answered.fetch_add(1, Ordering::SeqCst);
                    let reply = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
                    if stream.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let transport = build();
    let callers: Vec<_> = (0..24)
        .map(|i| {
            let (transport, base) = (transport.clone(), base.clone());
            tokio::spawn(async move {
                let request = transport
                    .http_client()
                    .get(format!("{base}/api/atlas/v2/orgs/{i}"))
                    .build()
                    .expect("request");
                transport
                    .send(request)
                    .await
                    .expect("answered")
                    .status()
                    .as_u16()
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
    server.abort();
    (most.load(Ordering::SeqCst), answered.load(Ordering::SeqCst))
}

fn builder() -> transport::TransportBuilder {
    Transport::builder()
        .credentials(Credentials::none())
        .proxy_from_environment(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_never_sees_more_requests_at_once_than_the_limit() {
    let (most, answered) =
        most_open_at_once(|| builder().max_in_flight(3).build().expect("builds")).await;
    assert_eq!((most, answered), (3, 24));
    // Zero is read as one.
    let (most, answered) =
        most_open_at_once(|| builder().max_in_flight(0).build().expect("builds")).await;
    assert_eq!((most, answered), (1, 24));
    // Without a limit the same callers have more open at once: the limit is what held them.
    let (most, answered) = most_open_at_once(|| builder().build().expect("builds")).await;
    assert!(most > 3, "{most}");
    assert_eq!(answered, 24);
}
