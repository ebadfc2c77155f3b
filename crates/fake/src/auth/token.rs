//! Service accounts: client credentials in, short-lived bearer tokens out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Secret, same};
use crate::counters::lock;

/// Why the token endpoint refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenRefusal {
    /// `grant_type` missing or not `client_credentials`.
    UnsupportedGrant,
    /// No client credentials, or wrong ones.
    BadClient,
}

/// Registered service accounts and the tokens handed out.
pub(crate) struct TokenBook {
    clients: HashMap<String, Secret>,
    ttl: Duration,
    tokens: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for TokenBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBook")
            .field("client_ids", &self.clients.keys().collect::<Vec<_>>())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// A token as the endpoint answers it.
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) expires_in: u64,
}

impl TokenBook {
    pub(crate) fn new(clients: HashMap<String, Secret>, ttl: Duration) -> Self {
        TokenBook {
            clients,
            ttl,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Handles `POST /api/oauth/token`: the `Authorization` header (HTTP Basic) or the form's
    /// `client_id`/`client_secret` name the client; the form must say `grant_type=client_credentials`.
    pub(crate) fn issue(
        &self,
        authorization: Option<&str>,
        form: &HashMap<String, String>,
    ) -> Result<Issued, TokenRefusal> {
        let (id, secret) = authorization
            .and_then(basic_credentials)
            .or_else(|| {
                Some((
                    form.get("client_id")?.clone(),
                    form.get("client_secret")?.clone(),
                ))
            })
            .ok_or(TokenRefusal::BadClient)?;
        match self.clients.get(&id) {
            Some(expected) if same(&expected.0, &secret) => {}
            _ => return Err(TokenRefusal::BadClient),
        }
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return Err(TokenRefusal::UnsupportedGrant);
        }
        let access_token = format!("fake.{}", hex::encode(rand::random::<[u8; 24]>()));
        let now = Instant::now();
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, expiry| *expiry > now);
        tokens.insert(access_token.clone(), now + self.ttl);
        Ok(Issued {
            access_token,
            expires_in: self.ttl.as_secs(),
        })
    }

    /// Whether `token` was issued here, is not revoked and has not expired.
    pub(crate) fn accepts(&self, token: &str) -> bool {
        lock(&self.tokens)
            .get(token)
            .is_some_and(|expiry| *expiry > Instant::now())
    }

    /// Forgets `token`; true when it was known.
    pub(crate) fn revoke(&self, token: &str) -> bool {
        lock(&self.tokens).remove(token).is_some()
    }
}

/// `Basic base64(id:secret)` → `(id, secret)`.
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(ttl: Duration) -> TokenBook {
        TokenBook::new(
            HashMap::from([("mdb_sa_id_x".to_owned(), Secret("s3cret".to_owned()))]),
            ttl,
        )
    }

    fn grant() -> HashMap<String, String> {
        HashMap::from([("grant_type".to_owned(), "client_credentials".to_owned())])
    }

    #[test]
    fn basic_credentials_buy_a_token_that_expires() {
        let tokens = book(Duration::from_secs(3600));
        let basic = format!("Basic {}", STANDARD.encode("mdb_sa_id_x:s3cret"));
        let issued = tokens.issue(Some(&basic), &grant()).expect("issued");
        assert_eq!(issued.expires_in, 3600);
        assert!(tokens.accepts(&issued.access_token));
        assert!(!tokens.accepts("fake.unknown"));
        assert!(tokens.revoke(&issued.access_token));
        assert!(!tokens.accepts(&issued.access_token));

        let short = book(Duration::ZERO);
        let issued = short.issue(Some(&basic), &grant()).expect("issued");
        assert!(!short.accepts(&issued.access_token));
    }

    #[test]
    fn wrong_secrets_and_grants_are_refused() {
        let tokens = book(Duration::from_secs(60));
        let wrong = format!("Basic {}", STANDARD.encode("mdb_sa_id_x:guess"));
        assert_eq!(
            tokens.issue(Some(&wrong), &grant()).err(),
            Some(TokenRefusal::BadClient)
        );
        assert_eq!(
            tokens.issue(None, &grant()).err(),
            Some(TokenRefusal::BadClient)
        );
        let mut form = HashMap::from([
            ("client_id".to_owned(), "mdb_sa_id_x".to_owned()),
            ("client_secret".to_owned(), "s3cret".to_owned()),
        ]);
        assert_eq!(
            tokens.issue(None, &form).err(),
            Some(TokenRefusal::UnsupportedGrant)
        );
        form.extend(grant());
        assert!(tokens.issue(None, &form).is_ok());
    }
}
