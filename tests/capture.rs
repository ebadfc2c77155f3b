//! A loopback HTTP/1.1 responder that records every request exactly as it arrived on the socket.
//!
//! Written by hand on purpose: the assertions are about the bytes a client puts on the wire (header names
//! and order, the absence of a header, the body byte for byte), which a server framework normalises away
//! before a handler sees them. It answers each request with one canned response and closes the connection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Captured {
    /// `PATCH /path?query HTTP/1.1`.
    pub request_line: String,
    /// Header lines in arrival order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Captured {
    /// The method.
    pub fn method(&self) -> &str {
        self.request_line.split(' ').next().unwrap_or("")
    }

    /// Path and query as sent.
    pub fn target(&self) -> &str {
        self.request_line.split(' ').nth(1).unwrap_or("")
    }

    /// Every value of a header, by case-insensitive name.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single value of a header; panics naming the header when it is missing or repeated.
    pub fn header(&self, name: &str) -> &str {
        match self.header_values(name).as_slice() {
            [one] => one,
            other => panic!(
                "expected one `{name}` header, found {other:?} in {:?}",
                self.headers
            ),
        }
    }
}

/// The canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// `Content-Type`, when there is a body.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(body).expect("JSON"),
        }
    }

    /// A reply with a body of any type.
    pub fn raw(status: u16, content_type: &'static str, body: &[u8]) -> Reply {
        Reply {
            status,
            content_type,
            body: body.to_vec(),
        }
    }
}

/// A running responder; stops when dropped.
pub struct CaptureServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<Captured>>>,
    reply: Arc<Mutex<Reply>>,
    task: JoinHandle<()>,
}

/// Most requests one server accepts before it stops on its own: keeps a runaway client loop bounded.
const MAX_REQUESTS: usize = 1_000;

impl CaptureServer {
    /// Starts on 127.0.0.1 with an ephemeral port.
    pub async fn start(reply: Reply) -> CaptureServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let reply = Arc::new(Mutex::new(reply));
        let (req, rep) = (requests.clone(), reply.clone());
        let task = tokio::spawn(async move {
            for _ in 0..MAX_REQUESTS {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let Ok(Ok(Some(captured))) =
                    tokio::time::timeout(Duration::from_secs(10), read_request(&mut socket)).await
                else {
                    continue;
                };
                req.lock().expect("lock").push(captured);
                let reply = rep.lock().expect("lock").clone();
                let mut head = format!(
                    "HTTP/1.1 {} X\r\nConnection: close\r\nContent-Length: {}\r\n",
                    reply.status,
                    reply.body.len()
                );
                if !reply.body.is_empty() {
                    head.push_str(&format!("Content-Type: {}\r\n", reply.content_type));
                }
                head.push_str("\r\n");
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&reply.body).await;
                let _ = socket.shutdown().await;
            }
        });
        CaptureServer {
            base_url,
            requests,
            reply,
            task,
        }
    }

    /// Changes the canned reply for the requests that follow.
    pub fn set_reply(&self, reply: Reply) {
        *self.reply.lock().expect("lock") = reply;
    }

    /// Takes the requests recorded so far.
    pub fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut *self.requests.lock().expect("lock"))
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> std::io::Result<Option<Captured>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 || buf.len() > 1 << 20 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(Some(Captured {
        request_line,
        headers,
        body,
    }))
}
