//! Bot API failures, sorted by what the sender must do: wait, stop sending to the chat, retry
//! later, give up on this request, or fix the token. No variant carries a URL: request URLs hold
//! the token.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// 429: flood control. Wait this many seconds before the next call to that chat (or at all).
    #[error("Telegram asks to wait {0} s before sending again (429 Too Many Requests)")]
    RetryAfter(u64),
    /// 403: the user blocked the bot, the bot was removed from the group, the chat or the user
    /// is gone. Sending again will not help: stop using this chat.
    #[error("Telegram refuses to deliver to this chat: {description}")]
    Blocked { description: String },
    /// 5xx, a timeout, a refused or dropped connection, an unreadable answer: try again later.
    #[error("the Bot API is unavailable for now: {0}")]
    Transient(String),
    /// Any other 4xx: this request is wrong as it stands (bad chat id, unparsable HTML, message
    /// not modified…). Retrying it unchanged fails the same way.
    #[error("the Bot API rejected the request ({code}): {description}")]
    Rejected { code: u16, description: String },
    /// 401 (or 404 on a method, which is how Telegram answers a token it does not know): the
    /// token is wrong or was revoked. Nothing works until it is replaced.
    #[error("the Bot API does not accept this bot token; check the token from @BotFather")]
    Unauthorized,
    /// A download would exceed the cap the caller set (or the file's announced size does).
    #[error("the file is larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
}

impl Error {
    /// Whether the same request may succeed later without change (after [`Error::wait`]).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::RetryAfter(_) | Error::Transient(_))
    }

    /// How long to wait before retrying, where Telegram said so.
    pub fn wait(&self) -> Option<Duration> {
        match self {
            Error::RetryAfter(s) => Some(Duration::from_secs(*s)),
            _ => None,
        }
    }

    /// Classifies an error answer: the HTTP status, with the `error_code`, `description` and
    /// `parameters.retry_after` of the JSON body when it had one.
    pub(crate) fn from_answer(
        status: u16,
        error_code: Option<u16>,
        description: Option<String>,
        retry_after: Option<u64>,
        is_method: bool,
    ) -> Self {
        let code = error_code.unwrap_or(status);
        let description = description.unwrap_or_else(|| format!("HTTP {status}"));
        match code {
            429 => Error::RetryAfter(retry_after.unwrap_or(1).max(1)),
            401 => Error::Unauthorized,
            404 if is_method => Error::Unauthorized,
            403 => Error::Blocked { description },
            500..=599 => Error::Transient(format!("{code}: {description}")),
            _ if status >= 500 => Error::Transient(format!("{status}: {description}")),
            _ => Error::Rejected { code, description },
        }
    }

    /// A transport failure, told without its URL (which holds the token).
    pub(crate) fn transport(e: reqwest::Error, token: &str) -> Self {
        if e.is_timeout() {
            return Error::Transient("timed out".to_owned());
        }
        // reqwest's own text is generic ("error sending request"); its causes name what
        // happened ("Connection refused", "connection closed before message completed").
        let e = e.without_url();
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            let c_text = c.to_string();
            if !text.contains(&c_text) {
                text.push_str(": ");
                text.push_str(&c_text);
            }
            cause = c.source();
        }
        Error::Transient(scrub(&text, token))
    }
}

/// Replaces the token wherever a lower layer might have echoed it.
pub(crate) fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "<token>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_sorted_by_what_to_do() {
        let d = |s: &str| Some(s.to_owned());
        let cases = [
            (
                429,
                Some(429),
                d("Too Many Requests: retry after 7"),
                Some(7),
                true,
                Error::RetryAfter(7),
            ),
            (429, None, None, None, true, Error::RetryAfter(1)),
            (
                401,
                Some(401),
                d("Unauthorized"),
                None,
                true,
                Error::Unauthorized,
            ),
            (
                404,
                Some(404),
                d("Not Found"),
                None,
                true,
                Error::Unauthorized,
            ),
            (
                404,
                None,
                None,
                None,
                false,
                Error::Rejected {
                    code: 404,
                    description: "HTTP 404".into(),
                },
            ),
            (
                403,
                Some(403),
                d("Forbidden: bot was kicked from the group chat"),
                None,
                true,
                Error::Blocked {
                    description: "Forbidden: bot was kicked from the group chat".into(),
                },
            ),
            (
                502,
                None,
                None,
                None,
                true,
                Error::Transient("502: HTTP 502".into()),
            ),
            (
                400,
                Some(400),
                d("Bad Request: chat not found"),
                None,
                true,
                Error::Rejected {
                    code: 400,
                    description: "Bad Request: chat not found".into(),
                },
            ),
        ];
        for (status, code, desc, retry, is_method, want) in cases {
            assert_eq!(
                Error::from_answer(status, code, desc, retry, is_method),
                want
            );
        }
    }

    #[test]
    fn the_token_is_scrubbed_from_any_text() {
        assert_eq!(scrub("at /bot1:abc/getMe", "1:abc"), "at /bot<token>/getMe");
        assert_eq!(scrub("nothing", ""), "nothing");
    }
}
