//! `max_in_flight` bounds the requests a server sees at once, whatever the number of callers: a loopback
//! responder that holds each answer counts how many requests it has open.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use transport::{Credentials, Transport};

mod common;
use common::{all_answer_200, serve};

/// Sends 24 concurrent requests through a transport built by `build` to a server that holds each
/// answer 15 ms; returns the most requests the server had open at once, and how many it answered.
async fn most_open_at_once(build: impl FnOnce() -> Transport) -> (usize, usize) {
    let open = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let (o, m, a) = (open.clone(), most.clone(), answered.clone());
    let (base, server) = serve(move |_head: String| {
        let (open, most, answered) = (o.clone(), m.clone(), a.clone());
        async move {
            let now = open.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(15)).await;
            open.fetch_sub(1, Ordering::SeqCst);
            answered.fetch_add(1, Ordering::SeqCst);
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".to_owned()
        }
    })
    .await;
    all_answer_200(&build(), 24, |i| format!("{base}/api/atlas/v2/orgs/{i}")).await;
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
