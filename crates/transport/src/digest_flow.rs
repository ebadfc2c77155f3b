//! One Digest-authenticated attempt: lease a nonce (or learn a fresh one with a body-less probe when
//! every known nonce is in use), sign, and re-sign at most once after a 401. The final refusal is
//! classified (wrong credentials, stale nonce, refused count) and attached to the response.

use reqwest::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING,
    WWW_AUTHENTICATE,
};
use reqwest::{Method, Request, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};

use crate::auth_failure::AuthReason;
use crate::challenge::parse_challenges;
use crate::digest::{DigestChallenge, Signing, authorization_with_ha1, new_cnonce};
use crate::nonce_cache::NonceSession;
use crate::redact::{loggable_url, sensitive_header};
use crate::stats::Counters;
use crate::transport::{Inner, origin};

/// How learning a nonce ended.
enum FirstContact {
    /// A challenge arrived: sign with this nonce, held by this caller alone.
    Challenged(NonceSession),
    /// The server answered without asking for credentials: that answer is final.
    Answered(Response),
    /// A body-less probe was not challenged: send the request as it is and see.
    Unanswered,
}

impl Inner {
    /// `copy` is an unsent copy of `request`, copied again only for a re-sign (none for a streamed body).
    pub(crate) async fn digest_attempt(
        &self,
        request: Request,
        copy: Option<&Request>,
        username: &str,
        password: &SecretString,
    ) -> reqwest::Result<Response> {
        let origin = origin(request.url());
        let session = match self.nonces.lease(&origin) {
            Some(session) => session,
            // The rare paths are boxed: inline, their futures would make every request's future (moved
            // by value through each layer above) several kilobytes larger.
            None => match Box::pin(self.first_contact(&request, username, password)).await? {
                FirstContact::Challenged(session) => session,
                FirstContact::Answered(response) => return Ok(response),
                FirstContact::Unanswered => {
                    return Box::pin(self.unsigned_then_signed(request, username, password)).await;
                }
            },
        };
        let (response, session) = self.send_signed(request, session, username).await?;
        let Some(challenge) = self.challenge_in(&response) else {
            return Ok(self.accepted(&origin, session, response));
        };
        let reason = refusal(&challenge, &session);
        // The refused nonce is dropped; the challenge brought a fresh one.
        let fresh = self.nonces.session(challenge, username, password);
        let again = copy
            .filter(|_| reason != AuthReason::WrongCredentials)
            .and_then(Request::try_clone);
        let Some(again) = again else {
            // A nonce never accepted, refused without `stale`: the keys are wrong. Surface it, and keep
            // the fresh nonce for whoever comes next.
            self.nonces.give_back(&origin, fresh);
            return Ok(with_reason(response, reason));
        };
        tracing::debug!(reason = reason.code(), url = %loggable_url(again.url()), "nonce refused: re-signing once");
        Box::pin(async move {
            drain(response).await;
            self.signed_with_fresh_nonce(&origin, again, fresh, username, password)
                .await
        })
        .await
    }

    /// Sends `request` signed with a nonce the server has just issued, and classifies a refusal.
    async fn signed_with_fresh_nonce(
        &self,
        origin: &str,
        request: Request,
        fresh: NonceSession,
        username: &str,
        password: &SecretString,
    ) -> reqwest::Result<Response> {
        let (response, session) = self.send_signed(request, fresh, username).await?;
        let Some(challenge) = self.challenge_in(&response) else {
            return Ok(self.accepted(origin, session, response));
        };
        let reason = refusal(&challenge, &session);
        self.nonces
            .give_back(origin, self.nonces.session(challenge, username, password));
        Ok(with_reason(response, reason))
    }

    /// The server took the nonce: it goes back to the pool, proven.
    fn accepted(&self, origin: &str, mut session: NonceSession, response: Response) -> Response {
        session.proven = true;
        self.nonces.give_back(origin, session);
        response
    }

    /// Learns a nonce. A request with a body is preceded by a `GET` of the same URL without one (a safe
    /// method: harmless even if the server unexpectedly serves it), so the body crosses the wire once;
    /// a request without a body is itself the first contact.
    async fn first_contact(
        &self,
        request: &Request,
        username: &str,
        password: &SecretString,
    ) -> reqwest::Result<FirstContact> {
        let carries_body = request.body().is_some_and(|b| b.as_bytes() != Some(&[]));
        if carries_body {
            Counters::bump(&self.counters.probes);
            let response = self.send_once(probe_for(request)).await?;
            return Ok(match self.challenge_in(&response) {
                Some(challenge) => {
                    drain(response).await;
                    FirstContact::Challenged(self.nonces.session(challenge, username, password))
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
                FirstContact::Challenged(self.nonces.session(challenge, username, password))
            }
            None => FirstContact::Answered(unchallenged(response)),
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
            return Ok(unchallenged(response));
        };
        drain(response).await;
        let fresh = self.nonces.session(challenge, username, password);
        self.signed_with_fresh_nonce(&origin(again.url()), again, fresh, username, password)
            .await
    }

    /// Signs with the leased nonce's next count and sends; hands the nonce back with the answer. On a
    /// failure without an answer the nonce is dropped with the error.
    async fn send_signed(
        &self,
        mut request: Request,
        mut session: NonceSession,
        username: &str,
    ) -> reqwest::Result<(Response, NonceSession)> {
        let nc = session.next_nc();
        let cnonce = new_cnonce();
        let url = request.url();
        let uri = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let signing = Signing {
            username,
            // Not read: the nonce carries HA1, computed once per realm.
            password: "",
            method: request.method().as_str(),
            uri: &uri,
            nc,
            cnonce: &cnonce,
        };
        let value = SecretString::from(authorization_with_ha1(
            &session.challenge,
            session.ha1.expose_secret(),
            &signing,
        ));
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
        let response = self.send_once(request).await?;
        Ok((response, session))
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

/// Why the server refused a request signed with `session`, as far as its challenge tells.
fn refusal(challenge: &DigestChallenge, session: &NonceSession) -> AuthReason {
    if challenge.stale {
        AuthReason::StaleNonce
    } else if session.proven {
        AuthReason::RefusedCount
    } else {
        AuthReason::WrongCredentials
    }
}

/// Attaches the reason of a final refusal to the server's 401.
fn with_reason(mut response: Response, reason: AuthReason) -> Response {
    response.extensions_mut().insert(reason);
    response
}

/// A final answer that came without a challenge we can answer: a 401 among those is marked.
fn unchallenged(response: Response) -> Response {
    if response.status() == StatusCode::UNAUTHORIZED {
        with_reason(response, AuthReason::NoUsableChallenge)
    } else {
        response
    }
}

/// Reads and drops a small response so its connection can be reused.
async fn drain(response: Response) {
    let _ = crate::buffered::read_body(response).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::parse_challenges;
    use crate::nonce_cache::NonceCache;

    #[test]
    fn a_refusal_is_read_from_the_challenge_and_the_nonce_history() {
        let challenge = |stale: bool| {
            let header = format!(r#"Digest realm="r", nonce="n2", qop="auth", stale={stale}"#);
            DigestChallenge::select(&parse_challenges(header.as_bytes())).expect("supported")
        };
        let cache = NonceCache::default();
        let password = SecretString::from("pw".to_owned());
        let mut session = cache.session(challenge(false), "u", &password);
        assert_eq!(refusal(&challenge(true), &session), AuthReason::StaleNonce);
        // A nonce never accepted, refused without `stale`: the credentials.
        assert_eq!(
            refusal(&challenge(false), &session),
            AuthReason::WrongCredentials
        );
        // The same nonce once it has been accepted: the count.
        session.proven = true;
        assert_eq!(
            refusal(&challenge(false), &session),
            AuthReason::RefusedCount
        );
        assert_eq!(refusal(&challenge(true), &session), AuthReason::StaleNonce);
    }
}
