//! Just enough `multipart/form-data` to read what a bot uploads.

use super::SentFile;
use super::http::Params;
use serde_json::Value;

pub(super) fn parse(body: &[u8], boundary: &str, p: &mut Params) -> Result<(), String> {
    let delim = format!("--{boundary}").into_bytes();
    let mut pos = find(body, &delim, 0).ok_or("no boundary")?;
    loop {
        pos += delim.len();
        if body[pos..].starts_with(b"--") {
            return Ok(());
        }
        pos += 2; // CRLF after the boundary
        let head_end = find(body, b"\r\n\r\n", pos).ok_or("no part headers")?;
        let head = String::from_utf8_lossy(&body[pos..head_end]).into_owned();
        let data_start = head_end + 4;
        let next = find(body, &delim, data_start).ok_or("unterminated part")?;
        let data = &body[data_start..next.saturating_sub(2)];
        let mut name = None;
        let mut filename = None;
        let mut ctype = "application/octet-stream".to_owned();
        for line in head.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                name = attr(line, "name");
                filename = attr(line, "filename");
            } else if lower.starts_with("content-type:") {
                ctype = line["content-type:".len()..].trim().to_owned();
            }
        }
        let name = name.ok_or("a part without a name")?;
        match filename {
            Some(f) => {
                p.files.insert(
                    name.clone(),
                    SentFile {
                        field: name,
                        name: f,
                        content_type: ctype,
                        bytes: data.to_vec(),
                    },
                );
            }
            None => {
                p.fields.insert(
                    name,
                    Value::String(String::from_utf8_lossy(data).into_owned()),
                );
            }
        }
        pos = next;
    }
}

fn attr(line: &str, key: &str) -> Option<String> {
    line.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}
