//! A bot token that never shows itself: `Debug` and `Display` print only the bot's numeric id
//! (public: `getMe` answers it to anyone), so a token cannot leak through a log line.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The secret @BotFather gives: `<bot id>:<secret part>`.
#[derive(Clone, PartialEq, Eq)]
pub struct BotToken(String);

/// A string that cannot be a bot token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "this is not a bot token: a token looks like 123456789:AAH…, the digits, a colon and the \
     secret part, exactly as @BotFather shows it"
)]
pub struct TokenError;

impl BotToken {
    /// Checks the shape (digits, `:`, URL-safe characters) so that a token pasted with a space
    /// or a quote is refused at start-up instead of failing every call.
    pub fn new(token: impl Into<String>) -> Result<Self, TokenError> {
        let token = token.into();
        let token = token.trim().to_owned();
        let (id, secret) = token.split_once(':').ok_or(TokenError)?;
        let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        let secret_ok = !secret.is_empty()
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if id_ok && secret_ok {
            Ok(Self(token))
        } else {
            Err(TokenError)
        }
    }

    /// The bot's user id, the part before the colon.
    pub fn bot_id(&self) -> &str {
        self.0.split_once(':').map_or("", |(id, _)| id)
    }

    /// The whole secret, for building request URLs (and nothing else).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BotToken({}:<redacted>)", self.bot_id())
    }
}

impl fmt::Display for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:<redacted>", self.bot_id())
    }
}

impl Serialize for BotToken {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for BotToken {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // The message must not echo the value: it may be a real token with a typo.
        BotToken::new(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_is_checked() {
        assert!(BotToken::new("123456:AAH-x_y9").is_ok());
        assert!(BotToken::new("  123456:AAH  ").is_ok());
        for bad in [
            "",
            "123456",
            ":abc",
            "12a:abc",
            "123:",
            "123:ab cd",
            "123:ab/cd",
            "123:\"x\"",
        ] {
            assert_eq!(BotToken::new(bad), Err(TokenError), "{bad:?}");
        }
    }

    #[test]
    fn debug_and_display_hide_the_secret() {
        let t = BotToken::new("123456:SECRETsecret").unwrap_or_else(|e| panic!("{e}"));
        for shown in [format!("{t:?}"), t.to_string(), format!("{:?}", Some(&t))] {
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.contains("123456"), "{shown}");
        }
        assert_eq!(t.expose(), "123456:SECRETsecret");
    }
}
