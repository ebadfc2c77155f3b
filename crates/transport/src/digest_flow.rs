//! One Digest-authenticated attempt: first contact (a single body-less probe per origin, shared by
//! concurrent callers), signing with the cached nonce, and at most one re-sign after a 401.

use std::sync::Arc;

use reqwest::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING,
    WWW_AUTHENTICATE,
};
use reqwest::{Method, Request, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};

use crate::challenge::parse_challenges;
use crate::digest::{DigestChallenge, Signing, authorization, new_cnonce};
use crate::nonce_cache::NonceSession;
use crate::redact::{loggable_url, sensitive_header};
use crate::stats::Counters;
use crate::transport::{Inner, origin};

/// How the first contact with an origin ended.
enum FirstContact {
    /// A challenge arrived: sign with this nonce.
    Challenged(Arc<NonceSession>),
    /// The server answered without asking for credentials: that answer is final.
    Answered(Response),
    /// A body-less probe was not challenged: send the request as it is and see.
    Unanswered,
}

impl Inner {
    pub(crate) async fn digest_attempt(
        &self,
        request: Request,
        username: &str,
        password: &SecretString,
    ) -> reqwest::Result<Response> {
        let origin = origin(request.url());
        let (session, fresh) = match self.nonces.current(&origin) {
            Some(session) => (session, false),
            None => {
                let gate = self.nonces.first_contact_gate(&origin);
                let _only_prober = gate.lock().await;
                match self.nonces.current(&origin) {
                    // Another caller made first contact while this one waited.
                    Some(session) => (session, false),
                    None => match self.first_contact(&origin, &request).await? {
                        FirstContact::Challenged(session) => (session, true),
                        FirstContact::Answered(response) => return Ok(response),
                        FirstContact::Unanswered => {
                            return self.unsigned_then_signed(request, username, password).await;
                        }
                    },
                }
            }
        };
        let spare = request.try_clone();
        let response = self
            .send_signed(request, &session, username, password)
            .await?;
        let Some(challenge) = self.challenge_in(&response) else {
            return Ok(response);
        };
        // A nonce fresh from this very exchange refused without `stale`: the keys are wrong. Surface it.
        if fresh && !challenge.stale {
            return Ok(response);
        }
        let Some(again) = spare else {
            return Ok(response);
        };
        tracing::debug!(stale = challenge.stale, url = %loggable_url(again.url()), "nonce refused: re-signing once");
        drain(response).await;
        let session = self.nonces.store(&origin, challenge, Some(&session));
        self.send_signed(again, &session, username, password).await
    }

    /// Learns a nonce. A request with a body is preceded by a `GET` of the same URL without one (a safe
    /// method: harmless even if the server unexpectedly serves it), so the body crosses the wire once;
    /// a request without a body is itself the first contact.
    async fn first_contact(
        &self,
        origin: &str,
        request: &Request,
    ) -> reqwest::Result<FirstContact> {
        let carries_body = request.body().is_some_and(|b| b.as_bytes() != Some(&[]));
        if carries_body {
            Counters::bump(&self.counters.probes);
            let response = self.send_once(probe_for(request)).await?;
            return Ok(match self.challenge_in(&response) {
                Some(challenge) => {
                    drain(response).await;
                    FirstContact::Challenged(self.nonces.store(origin, challenge, None))
                }
                None => {
                    tracing::debug!(
                        status = response.status().as_u16(),
                        "probe was not challenged"
                    );
                    FirstContact::Unanswered
                }
            });
        }
        let Some(copy) = request.try_clone() else {
            return Ok(FirstContact::Unanswered);
        };
        let response = self.send_once(copy).await?;
        Ok(match self.challenge_in(&response) {
            Some(challenge) => {
                drain(response).await;
                FirstContact::Challenged(self.nonces.store(origin, challenge, None))
            }
            None => FirstContact::Answered(response),
        })
    }

    /// For a server that did not challenge the probe: send as is, and sign once if challenged after all.
    async fn unsigned_then_signed(
        &self,
        request: Request,
        username: &str,
        password: &SecretString,
    ) -> reqwest::Result<Response> {
        let spare = request.try_clone();
        let response = self.send_once(request).await?;
        let (Some(challenge), Some(again)) = (self.challenge_in(&response), spare) else {
            return Ok(response);
        };
        drain(response).await;
        let session = self.nonces.store(&origin(again.url()), challenge, None);
        self.send_signed(again, &session, username, password).await
    }

    async fn send_signed(
        &self,
        mut request: Request,
        session: &NonceSession,
        username: &str,
        password: &SecretString,
    ) -> reqwest::Result<Response> {
        let nc = session.next_nc();
        let cnonce = new_cnonce();
        let url = request.url();
        let uri = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let signing = Signing {
            username,
            password: password.expose_secret(),
            method: request.method().as_str(),
            uri: &uri,
            nc,
            cnonce: &cnonce,
        };
        let value = SecretString::from(authorization(&session.challenge, &signing));
        match sensitive_header(value.expose_secret()) {
            Some(header) => {
                request.headers_mut().insert(AUTHORIZATION, header);
            }
            // Only reachable with control characters in a realm or nonce from the server; sent unsigned, it
            // comes back as the server's 401.
            None => tracing::warn!(
                "challenge values cannot form a header; request sent without credentials"
            ),
        }
        tracing::trace!(nc, algorithm = session.challenge.algorithm.name(), realm = %session.challenge.realm, "signed");
        self.send_once(request).await
    }

    /// The Digest challenge of a 401, if it carries one we can answer; counts it.
    fn challenge_in(&self, response: &Response) -> Option<DigestChallenge> {
        if response.status() != StatusCode::UNAUTHORIZED {
            return None;
        }
        let challenges: Vec<_> = response
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .flat_map(|value| parse_challenges(value.as_bytes()))
            .collect();
        let challenge = DigestChallenge::select(&challenges)?;
        Counters::bump(&self.counters.challenges);
        if challenge.stale {
            Counters::bump(&self.counters.stale_nonces);
        }
        Some(challenge)
    }
}

/// The body-less `GET` that asks an origin for a nonce: same URL and headers, minus body headers.
fn probe_for(request: &Request) -> Request {
    let mut probe = Request::new(Method::GET, request.url().clone());
    let headers = probe.headers_mut();
    for (name, value) in request.headers() {
        if ![
            AUTHORIZATION,
            CONTENT_TYPE,
            CONTENT_LENGTH,
            CONTENT_ENCODING,
            TRANSFER_ENCODING,
        ]
        .contains(name)
        {
            headers.append(name.clone(), value.clone());
        }
    }
    *probe.timeout_mut() = request.timeout().copied();
    *probe.version_mut() = request.version();
    probe
}

/// Reads and drops a small response so its connection can be reused.
async fn drain(response: Response) {
    let _ = crate::buffered::read_body(response).await;
}
