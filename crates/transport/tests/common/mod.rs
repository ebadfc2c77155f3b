//! A minimal loopback HTTP/1.1 responder and concurrent callers, shared by the tests that answer by hand.

use tokio::io::AsyncReadExt;

/// Reads one HTTP/1.1 request (head and `Content-Length` body); returns its head.
pub(crate) async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while buf.len() < 64 * 1024 {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(head);
        }
    }
    None
}

/// Serves HTTP/1.1 on a fresh loopback port, keeping connections alive and answering each request with
/// the raw response `answer` makes from its head. Returns the base URL and the server task (abort it).
pub(crate) async fn serve<F, Fut>(answer: F) -> (String, tokio::task::JoinHandle<()>)
where
    F: Fn(String) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = String> + Send,
{
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                while let Some(head) = read_request(&mut stream).await {
                    let reply = answer(head).await;
                    if stream.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, server)
}

/// Sends `count` GETs at once through `transport`, the i-th to `url(i)`; each must answer 200, all
/// within 30 s.
pub(crate) async fn all_answer_200(
    transport: &transport::Transport,
    count: usize,
    url: impl Fn(usize) -> String,
) {
    let callers: Vec<_> = (0..count)
        .map(|i| {
            let (transport, url) = (transport.clone(), url(i));
            tokio::spawn(async move {
                let request = transport.http_client().get(url).build().expect("request");
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
    tokio::time::timeout(std::time::Duration::from_secs(30), run)
        .await
        .expect("in time");
}
