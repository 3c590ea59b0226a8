//! `multipart/form-data` bodies for `sendPhoto` and `sendDocument`, written by hand (reqwest's
//! multipart feature would add dependencies for a few lines of framing). The file goes last and
//! is streamed as it comes: a 50 MB video is never held in memory whole unless the caller
//! already had it as bytes.

use std::io;

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};

/// A file to upload: its name as the chat will show it, its media type, and its bytes.
pub struct InputFile {
    pub name: String,
    pub content_type: String,
    source: Source,
}

enum Source {
    Bytes(Bytes),
    Stream(BoxStream<'static, io::Result<Bytes>>),
}

impl InputFile {
    pub fn bytes(name: &str, content_type: &str, bytes: impl Into<Bytes>) -> Self {
        Self {
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            source: Source::Bytes(bytes.into()),
        }
    }

    /// A file read as it is sent (from the attachment store, say).
    pub fn stream(
        name: &str,
        content_type: &str,
        stream: impl futures::Stream<Item = io::Result<Bytes>> + Send + 'static,
    ) -> Self {
        Self {
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            source: Source::Stream(stream.boxed()),
        }
    }
}

impl std::fmt::Debug for InputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputFile")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

/// Text fields first, then one file.
pub(crate) struct Form {
    boundary: String,
    head: Vec<u8>,
}

impl Form {
    pub(crate) fn new() -> Self {
        use rand::Rng;
        let n: u128 = rand::thread_rng().r#gen();
        Self {
            boundary: format!("desk-{n:032x}"),
            head: Vec::new(),
        }
    }

    pub(crate) fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    pub(crate) fn text(&mut self, name: &str, value: &str) {
        self.head.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                self.boundary,
                quoted(name)
            )
            .as_bytes(),
        );
        self.head.extend_from_slice(value.as_bytes());
        self.head.extend_from_slice(b"\r\n");
    }

    /// The whole body with `file` as the field `field`.
    pub(crate) fn with_file(mut self, field: &str, file: InputFile) -> reqwest::Body {
        self.head.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n\
                 Content-Type: {}\r\n\r\n",
                self.boundary,
                quoted(field),
                quoted(&file.name),
                file.content_type.replace(['\r', '\n'], "")
            )
            .as_bytes(),
        );
        let tail = format!("\r\n--{}--\r\n", self.boundary).into_bytes();
        match file.source {
            Source::Bytes(b) => {
                let mut all = self.head;
                all.extend_from_slice(&b);
                all.extend_from_slice(&tail);
                reqwest::Body::from(all)
            }
            Source::Stream(s) => {
                let head = stream::once(async move { Ok(Bytes::from(self.head)) });
                let tail = stream::once(async move { Ok(Bytes::from(tail)) });
                reqwest::Body::wrap_stream(head.chain(s).chain(tail))
            }
        }
    }
}

/// A name inside `"…"` of a Content-Disposition header: quotes and line breaks would end the
/// header early, so they are percent-encoded as browsers do.
fn quoted(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_break_the_header() {
        assert_eq!(quoted("a\"b\r\nc.pdf"), "a%22b%0D%0Ac.pdf");
        assert_eq!(quoted("звіт.pdf"), "звіт.pdf");
    }
}
