//! `WWW-Authenticate` parsing (RFC 9110 §11.6.1): several challenges per header and per response,
//! quoted strings with escapes and commas, `token68`, unknown parameters, any letter case.
//!
//! Written here rather than taken from `http-auth` because the Digest session logic needs the raw
//! parameter list (stale, algorithm, several challenges) and the parser must be total over arbitrary bytes.

/// One challenge: its scheme and either a `token68` or a list of parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The auth scheme as sent (compare with [`Challenge::is`]).
    pub scheme: String,
    /// Parameters in the order sent; names lower-cased, values unquoted and unescaped.
    pub params: Vec<(String, String)>,
    /// A `token68` payload, for schemes that use one instead of parameters.
    pub token68: Option<String>,
}

impl Challenge {
    /// Whether this challenge's scheme is `scheme`, ignoring case.
    pub fn is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The first value of the parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Parses every challenge in one header value. Never fails: malformed parts are skipped.
pub fn parse_challenges(header: &[u8]) -> Vec<Challenge> {
    let mut cursor = Cursor {
        bytes: header,
        at: 0,
    };
    let mut out: Vec<Challenge> = Vec::new();
    loop {
        cursor.skip_list_separators();
        if cursor.done() {
            return out;
        }
        let Some(scheme) = cursor.token() else {
            // Not a token character where a scheme must start: drop the rest of this list element.
            cursor.skip_past_comma();
            continue;
        };
        let mut challenge = Challenge {
            scheme,
            params: Vec::new(),
            token68: None,
        };
        cursor.skip_whitespace();
        // Digest never uses token68, so `Digest nonce=, ...` reads as an empty parameter instead.
        let token68 = if challenge.is("Digest") {
            None
        } else {
            cursor.token68()
        };
        if let Some(token68) = token68 {
            challenge.token68 = Some(token68);
        } else {
            parse_params(&mut cursor, &mut challenge.params);
        }
        out.push(challenge);
    }
}

/// Parses the `#auth-param` list after a scheme, stopping in front of the next challenge's scheme.
fn parse_params(cursor: &mut Cursor<'_>, params: &mut Vec<(String, String)>) {
    loop {
        let mark = cursor.at;
        cursor.skip_list_separators();
        if cursor.done() {
            return;
        }
        let Some(name) = cursor.token() else {
            cursor.skip_past_comma();
            continue;
        };
        cursor.skip_whitespace();
        if !cursor.eat(b'=') {
            // A token without '=' starts the next challenge: rewind to it.
            cursor.at = mark;
            cursor.skip_list_separators();
            return;
        }
        cursor.skip_whitespace();
        let value = if cursor.peek() == Some(b'"') {
            cursor.quoted_string()
        } else {
            cursor.token().unwrap_or_default()
        };
        params.push((name.to_ascii_lowercase(), value));
        // Anything after the value up to the next comma is garbage: skip it.
        cursor.skip_whitespace();
        if !cursor.done() && cursor.peek() != Some(b',') {
            cursor.skip_past_comma();
        }
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn skip_list_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.at += 1;
        }
    }

    fn skip_past_comma(&mut self) {
        while let Some(byte) = self.peek() {
            self.at += 1;
            if byte == b',' {
                return;
            }
            if byte == b'"' {
                self.at -= 1;
                self.quoted_string();
            }
        }
    }

    fn token(&mut self) -> Option<String> {
        let start = self.at;
        while self.peek().is_some_and(is_tchar) {
            self.at += 1;
        }
        (self.at > start).then(|| text(&self.bytes[start..self.at]))
    }

    /// A `token68` is only one if nothing but `=` padding follows it before a comma or the end;
    /// otherwise the cursor is left where it was so the text can be read as parameters.
    fn token68(&mut self) -> Option<String> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
        {
            self.at += 1;
        }
        if self.at == start {
            return None;
        }
        while self.eat(b'=') {}
        let end = self.at;
        self.skip_whitespace();
        if self.done() || self.peek() == Some(b',') {
            return Some(text(&self.bytes[start..end]));
        }
        self.at = start;
        None
    }

    /// Reads a quoted string starting at `"`; an unterminated one runs to the end of the input.
    fn quoted_string(&mut self) -> String {
        self.at += 1;
        let mut value = Vec::new();
        while let Some(byte) = self.peek() {
            self.at += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    if let Some(escaped) = self.peek() {
                        value.push(escaped);
                        self.at += 1;
                    }
                }
                other => value.push(other),
            }
        }
        text(&value)
    }
}

/// RFC 9110 `tchar`.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(challenge: &Challenge) -> Vec<(&str, &str)> {
        challenge
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn mongodb_challenge() {
        let got = parse_challenges(
            br#"Digest realm="MMS Public API", domain="", nonce="OFpf8Kp+X2ZhQO1ZrOnhJ5RuvWmQ9Fzn", algorithm=MD5, qop="auth", stale=false"#,
        );
        assert_eq!(got.len(), 1);
        assert!(got[0].is("digest"));
        assert_eq!(
            params(&got[0]),
            [
                ("realm", "MMS Public API"),
                ("domain", ""),
                ("nonce", "OFpf8Kp+X2ZhQO1ZrOnhJ5RuvWmQ9Fzn"),
                ("algorithm", "MD5"),
                ("qop", "auth"),
                ("stale", "false"),
            ]
        );
    }

    #[test]
    fn several_challenges_commas_in_quotes_escapes_and_case() {
        let got = parse_challenges(
            br#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple",DIGEST REALM="a, b", QOP="auth,auth-int", Nonce=abc , Bearer"#,
        );
        let schemes: Vec<&str> = got.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Newauth", "Basic", "DIGEST", "Bearer"]);
        assert_eq!(
            params(&got[0]),
            [
                ("realm", "apps"),
                ("type", "1"),
                ("title", r#"Login to "apps""#)
            ]
        );
        assert_eq!(params(&got[1]), [("realm", "simple")]);
        assert_eq!(
            params(&got[2]),
            [
                ("realm", "a, b"),
                ("qop", "auth,auth-int"),
                ("nonce", "abc")
            ]
        );
        assert_eq!(got[2].param("Realm"), Some("a, b"));
        assert!(got[3].params.is_empty() && got[3].token68.is_none());
    }

    #[test]
    fn token68_and_empty_parameters() {
        let got = parse_challenges(b"Negotiate YIIB9wYGKwYBBQUCoII=, Digest nonce=, realm=\"r\"");
        assert_eq!(got[0].token68.as_deref(), Some("YIIB9wYGKwYBBQUCoII="));
        assert!(got[1].is("Digest"));
        assert_eq!(params(&got[1]), [("nonce", ""), ("realm", "r")]);
    }

    #[test]
    fn garbage_is_skipped_not_fatal() {
        let got = parse_challenges(
            b"\"oops\", Digest realm=\"x\" junk junk, nonce=\"n\", @@, Basic realm=\"unterminated",
        );
        let digest = got
            .iter()
            .find(|c| c.is("Digest"))
            .expect("digest challenge survives");
        assert_eq!(digest.param("realm"), Some("x"));
        assert_eq!(digest.param("nonce"), Some("n"));
        assert_eq!(
            got.last().and_then(|c| c.param("realm")),
            Some("unterminated")
        );
        assert!(parse_challenges(b"").is_empty());
        assert!(parse_challenges(b" , ,, ").is_empty());
    }
}
