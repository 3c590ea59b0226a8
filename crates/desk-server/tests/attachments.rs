//! Attachments: streamed upload with sha256 and sniffed type, download with a safe
//! `Content-Disposition`, visibility, the size limit (declared and streamed), cut uploads, and
//! ids that are not the caller's to use. A refused upload leaves no file and no row.

mod common;

use common::*;
use desk_domain::{Attachment, Message, Ticket};
use desk_testkit::reqwest::{self, StatusCode, header};
use desk_testkit::{Cast, Session, TestServer};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

const LIMIT: u64 = 1024 * 1024;

async fn limited_cast() -> anyhow::Result<Cast> {
    Cast::on(TestServer::start_with(|c| c.max_attachment_bytes = LIMIT).await?).await
}

async fn download(s: &Session, id: Uuid) -> anyhow::Result<reqwest::Response> {
    Ok(s.get(&format!("/api/v1/attachments/{id}")).await?)
}

fn header_str(res: &reqwest::Response, name: header::HeaderName) -> &str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Nothing of a refused upload is left: no partial file, no blob, no row.
async fn assert_nothing_left(server: &TestServer) -> anyhow::Result<()> {
    assert!(
        eventually(|| files_in(&uploads_dir(server)).is_empty()).await,
        "partial upload left behind: {:?}",
        files_in(&uploads_dir(server))
    );
    assert_eq!(
        files_in(&blobs_dir(server)),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(attachment_rows(server).await?, 0);
    Ok(())
}

#[tokio::test]
async fn upload_answers_size_and_sha256_and_downloads_the_same_bytes() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let bytes = noise(300_000, 7);
    let res = cast
        .alice
        .upload("журнал диспетчера.bin", bytes.clone())
        .await?;
    let (raw, a): (Value, Attachment) = created(res).await?;
    for f in ["id", "filename", "size", "media_type", "sha256"] {
        assert!(raw.get(f).is_some(), "upload answer has `{f}`");
    }
    assert_eq!(a.filename, "журнал диспетчера.bin");
    assert_eq!(a.size, bytes.len() as u64);
    assert_eq!(a.sha256, sha256_hex(&bytes));
    assert_eq!(a.media_type, "application/octet-stream");

    // Its uploader gets it back before it is used.
    let res = download(&cast.alice, a.id).await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_str(&res, header::CONTENT_TYPE), a.media_type);
    assert_eq!(
        header_str(&res, header::CONTENT_LENGTH),
        bytes.len().to_string()
    );
    assert_eq!(header_str(&res, "x-content-sha256".parse()?), a.sha256);
    assert_eq!(header_str(&res, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    let got = res.bytes().await?;
    assert_eq!(got.as_ref(), bytes.as_slice());
    assert_eq!(sha256_hex(&got), a.sha256);

    // Before it is part of a message nobody else may fetch it, not even colleagues or agents.
    for s in [&cast.alan, &cast.bob, &cast.agent] {
        expect_error(download(s, a.id).await?, 404, "not_found").await?;
    }

    // Used in a ticket, it is visible with the ticket.
    let mut body = ticket_body(TOPIC, "Журнал", "Див. файл");
    body["attachment_ids"] = json!([a.id]);
    let (_, t): (Value, Ticket) = created(cast.alice.post("/api/v1/tickets", &body).await?).await?;
    let msgs: Vec<Message> = cast
        .alan
        .get_json(&format!("/api/v1/tickets/{}/messages", t.id))
        .await?;
    assert_eq!(msgs[0].attachments, vec![a.clone()]);
    for s in [&cast.alice, &cast.alan, &cast.agent] {
        let res = download(s, a.id).await?;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.bytes().await?.as_ref(), bytes.as_slice());
    }
    expect_error(download(&cast.bob, a.id).await?, 404, "not_found").await?;

    // In a reply, too.
    let second = upload_ok(&cast.agent, "інструкція.txt", "Крок 1".as_bytes().to_vec()).await?;
    let res = cast
        .agent
        .post(
            &format!("/api/v1/tickets/{}/messages", t.id),
            &json!({"id": Uuid::now_v7(), "body": "Інструкція", "attachment_ids": [second.id]}),
        )
        .await?;
    let (_, reply): (Value, Message) = created(res).await?;
    assert_eq!(reply.attachments, vec![second.clone()]);
    assert_eq!(
        download(&cast.alice, second.id).await?.status(),
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn media_type_is_sniffed_from_the_bytes() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let png: Vec<u8> = [
        &b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"[..],
        &[0u8; 64][..],
    ]
    .concat();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("notes.txt", png, "image/png"),
        (
            "photo.png",
            "Привіт, це текст".as_bytes().to_vec(),
            "text/plain; charset=utf-8",
        ),
        (
            "scan.jpg",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec(),
            "application/pdf",
        ),
        ("report.pdf", noise(2048, 3), "application/octet-stream"),
    ];
    for (name, bytes, want) in cases {
        let a = upload_ok(&cast.alice, name, bytes).await?;
        assert_eq!(a.media_type, want, "{name}");
        assert_eq!(a.filename, name);
        let res = download(&cast.alice, a.id).await?;
        assert_eq!(header_str(&res, header::CONTENT_TYPE), want, "{name}");
    }
    Ok(())
}

#[tokio::test]
async fn content_disposition_is_safe_for_any_name() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let name = "звіт \"березень\"; ч.1.pdf";
    let a = upload_ok(&cast.alice, name, b"%PDF-1.4\n".to_vec()).await?;
    assert_eq!(a.filename, name, "the name is kept as the user knows it");
    let res = download(&cast.alice, a.id).await?;
    let cd = res
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .expect("content-disposition")
        .to_str()
        .expect("an ASCII header value");
    assert!(cd.starts_with("attachment;"), "{cd}");
    // The plain `filename="…"` holds no quote or backslash that could end it early.
    let plain = cd
        .split("filename=\"")
        .nth(1)
        .and_then(|rest| rest.split_once('"'))
        .map(|(inside, _)| inside)
        .expect("a quoted filename");
    assert!(!plain.contains('\\'), "{cd}");
    let after_plain = &cd[cd.find(plain).unwrap_or(0) + plain.len() + 1..];
    assert!(
        after_plain.trim_start().starts_with(';'),
        "the quoted name ends where it should: {cd}"
    );
    // The RFC 5987 form carries the exact name.
    let encoded = cd
        .split("filename*=UTF-8''")
        .nth(1)
        .expect("filename*")
        .split(';')
        .next()
        .unwrap_or("");
    assert!(!encoded.contains(['"', ' ', ';']), "{encoded}");
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8()?;
    assert_eq!(decoded, name);

    // Path parts are dropped; control characters cannot split the header.
    let a = upload_ok(&cast.alice, "../../etc/passwd", b"x".to_vec()).await?;
    assert_eq!(a.filename, "passwd");
    let a = upload_ok(&cast.alice, "C:\\Users\\Оля\\Знімок.png", b"x".to_vec()).await?;
    assert_eq!(a.filename, "Знімок.png");
    let a = upload_ok(&cast.alice, "a\r\nX-Injected: 1.txt", b"x".to_vec()).await?;
    assert_eq!(a.filename, "aX-Injected: 1.txt");
    let res = download(&cast.alice, a.id).await?;
    assert!(res.headers().get("x-injected").is_none());

    // A name is required.
    for bad in ["", "   ", "..", "dir/"] {
        let res = cast.alice.upload(bad, b"x".to_vec()).await?;
        expect_error(res, 422, "validation_failed").await?;
    }
    let res = cast
        .alice
        .request(reqwest::Method::POST, "/api/v1/attachments")
        .body(b"x".to_vec())
        .send()
        .await?;
    expect_error(res, 400, "bad_request").await?;
    Ok(())
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_while_streaming_and_leaves_nothing()
-> anyhow::Result<()> {
    let cast = limited_cast().await?;
    // No Content-Length: the server only learns the size as the bytes arrive.
    let total = LIMIT as usize + 1;
    let data = noise(total, 11);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        data.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let res = cast
        .alice
        .request(reqwest::Method::POST, "/api/v1/attachments")
        .query(&[("filename", "video.mp4")])
        .header("accept-language", "en")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await?;
    let (_, err) = expect_error(res, 413, "payload_too_large").await?;
    assert!(err.message.contains("1 MiB"), "{}", err.message);
    assert_nothing_left(&cast.server).await?;

    // Exactly the limit is fine, and is the only thing kept.
    let a = upload_ok(&cast.alice, "fits.bin", noise(LIMIT as usize, 12)).await?;
    assert_eq!(a.size, LIMIT);
    assert_eq!(files_in(&blobs_dir(&cast.server)).len(), 1);
    assert_eq!(attachment_rows(&cast.server).await?, 1);
    Ok(())
}

#[tokio::test]
async fn an_upload_declared_over_the_limit_is_refused_before_it_starts() -> anyhow::Result<()> {
    let cast = limited_cast().await?;
    let token = cast.alice.token.clone().unwrap_or_default();
    // The body never comes: the declared size alone is enough to refuse.
    let head = format!(
        "POST /api/v1/attachments?filename=big.mp4 HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        addr(&cast.server),
        5 * LIMIT
    );
    let (status, body) = raw_request(&cast.server, &head, b"").await?;
    assert_eq!(status, 413, "{body}");
    let err: desk_domain::ErrorBody = serde_json::from_str(&body)?;
    assert_eq!(err.code.as_str(), "payload_too_large");
    assert_nothing_left(&cast.server).await?;
    Ok(())
}

/// Starts an upload over raw TCP, sends part of it, waits until the server is writing it to
/// disk, then drops the connection.
async fn cut_upload(cast: &Cast, chunked: bool) -> anyhow::Result<()> {
    let token = cast.alice.token.clone().unwrap_or_default();
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        "Content-Length: 1000000".to_owned()
    };
    let head = format!(
        "POST /api/v1/attachments?filename=cut.mp4 HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n\
         {framing}\r\n\r\n",
        addr(&cast.server)
    );
    let mut s = tokio::net::TcpStream::connect(addr(&cast.server)).await?;
    s.write_all(head.as_bytes()).await?;
    let part = noise(300_000, 5);
    if chunked {
        s.write_all(format!("{:x}\r\n", part.len()).as_bytes())
            .await?;
        s.write_all(&part).await?;
        s.write_all(b"\r\n").await?;
    } else {
        s.write_all(&part).await?;
    }
    s.flush().await?;
    // The partial file exists while the upload is under way...
    let uploads = uploads_dir(&cast.server);
    assert!(
        eventually(|| !files_in(&uploads).is_empty()).await,
        "the server never started writing the upload"
    );
    // ...and is gone once the connection breaks.
    drop(s);
    assert_nothing_left(&cast.server).await?;
    Ok(())
}

#[tokio::test]
async fn an_upload_cut_halfway_leaves_nothing() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    cut_upload(&cast, false).await?;
    cut_upload(&cast, true).await?;
    // The server is fine afterwards.
    let a = upload_ok(&cast.alice, "after.txt", b"ok".to_vec()).await?;
    assert_eq!(
        download(&cast.alice, a.id).await?.bytes().await?.as_ref(),
        b"ok"
    );
    Ok(())
}

#[tokio::test]
async fn an_upload_shorter_than_declared_is_incomplete() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let token = cast.alice.token.clone().unwrap_or_default();
    // A body that ends (the client half-closes) before the declared length.
    let head = format!(
        "POST /api/v1/attachments?filename=short.bin HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {token}\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n",
        addr(&cast.server)
    );
    let mut s = tokio::net::TcpStream::connect(addr(&cast.server)).await?;
    s.write_all(head.as_bytes()).await?;
    s.write_all(&[7u8; 10]).await?;
    s.shutdown().await?;
    let mut out = Vec::new();
    tokio::time::timeout(
        HANG_GUARD,
        tokio::io::AsyncReadExt::read_to_end(&mut s, &mut out),
    )
    .await??;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let err: desk_domain::ErrorBody = serde_json::from_str(body)?;
    assert_eq!(err.code.as_str(), "upload_incomplete");
    assert_nothing_left(&cast.server).await?;
    Ok(())
}

#[tokio::test]
async fn foreign_used_or_unknown_attachment_ids_are_unavailable() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let alans = upload_ok(&cast.alan, "alan.txt", b"alan".to_vec()).await?;
    let bobs = upload_ok(&cast.bob, "bob.txt", b"bob".to_vec()).await?;
    let mine = upload_ok(&cast.alice, "mine.txt", b"mine".to_vec()).await?;

    let mut body = ticket_body(TOPIC, "З файлом", "Текст");
    body["attachment_ids"] = json!([mine.id]);
    let (_, first): (Value, Ticket) =
        created(cast.alice.post("/api/v1/tickets", &body).await?).await?;
    assert_eq!(first.number, 1);

    let cases = [
        ("a colleague's upload", vec![alans.id]),
        ("another organisation's upload", vec![bobs.id]),
        ("an upload already in a ticket", vec![mine.id]),
        ("an id never uploaded", vec![Uuid::now_v7()]),
        ("one good, one foreign", vec![Uuid::now_v7(), alans.id]),
    ];
    for (what, ids) in &cases {
        let mut body = ticket_body(TOPIC, "Не має вийти", "Текст");
        body["attachment_ids"] = json!(ids);
        let res = cast.alice.post("/api/v1/tickets", &body).await?;
        let (text, _) = expect_error(res, 422, "attachment_unavailable").await?;
        assert!(
            !text.contains("alan.txt") && !text.contains("bob.txt"),
            "{what}: {text}"
        );
        let res = cast
            .alice
            .get(&format!(
                "/api/v1/tickets/{}",
                body["id"].as_str().unwrap_or("")
            ))
            .await?;
        expect_error(res, 404, "not_found").await?;

        let res = cast
            .alice
            .post(
                &format!("/api/v1/tickets/{}/messages", first.id),
                &json!({"id": Uuid::now_v7(), "body": "Не має вийти", "attachment_ids": ids}),
            )
            .await?;
        expect_error(res, 422, "attachment_unavailable").await?;
    }
    assert_eq!(
        list_all(&cast.agent).await?.len(),
        1,
        "no ticket was created"
    );
    let msgs: Vec<Message> = cast
        .agent
        .get_json(&format!("/api/v1/tickets/{}/messages", first.id))
        .await?;
    assert_eq!(msgs.len(), 1, "no message was added");

    // A failed claim takes nothing: Alan can still use his file, and numbering has no gap.
    let mut body = ticket_body(TOPIC, "Файл Алана", "Текст");
    body["attachment_ids"] = json!([alans.id]);
    let (_, t): (Value, Ticket) = created(cast.alan.post("/api/v1/tickets", &body).await?).await?;
    assert_eq!(t.number, 2);

    // More than the per-message limit is refused as such.
    let many: Vec<Uuid> = (0..=desk_domain::limits::ATTACHMENTS_PER_MESSAGE)
        .map(|_| Uuid::now_v7())
        .collect();
    let mut body = ticket_body(TOPIC, "Забагато", "Текст");
    body["attachment_ids"] = json!(many);
    let res = cast.alice.post("/api/v1/tickets", &body).await?;
    expect_error(res, 422, "validation_failed").await?;
    Ok(())
}

#[tokio::test]
async fn retrying_a_ticket_with_its_attachments_answers_the_same() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let a = upload_ok(&cast.alice, "знімок.png", b"\x89PNG\r\n\x1a\n".to_vec()).await?;
    let mut body = ticket_body(TOPIC, "З файлом", "Текст");
    body["attachment_ids"] = json!([a.id, a.id]);
    let (first, _): (Value, Ticket) =
        created(cast.alice.post("/api/v1/tickets", &body).await?).await?;
    let (again, t): (Value, Ticket) =
        created(cast.alice.post("/api/v1/tickets", &body).await?).await?;
    assert_eq!(
        first, again,
        "the retry is not refused for reusing its own file"
    );
    let msgs: Vec<Message> = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", t.id))
        .await?;
    assert_eq!(msgs[0].attachments, vec![a], "a repeated id attaches once");
    Ok(())
}

#[tokio::test]
async fn the_size_error_states_a_limit_below_a_mebibyte_truly() -> anyhow::Result<()> {
    // A server configured for small files must not say "at most 0 MiB".
    let server = TestServer::start_with(|c| c.max_attachment_bytes = 100 * 1024).await?;
    let cast = Cast::on(server).await?;
    let res = cast
        .alice
        .request(reqwest::Method::POST, "/api/v1/attachments")
        .query(&[("filename", "photo.jpg")])
        .header("accept-language", "en")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(vec![
            Ok::<_, std::io::Error>(noise(60 * 1024, 1)),
            Ok(noise(60 * 1024, 2)),
        ])))
        .send()
        .await?;
    let (_, en) = expect_error(res, 413, "payload_too_large").await?;
    assert!(en.message.contains("100 KiB"), "{}", en.message);
    let res = cast
        .alice
        .request(reqwest::Method::POST, "/api/v1/attachments")
        .query(&[("filename", "photo.jpg")])
        .body(reqwest::Body::wrap_stream(futures::stream::iter(vec![
            Ok::<_, std::io::Error>(noise(60 * 1024, 1)),
            Ok(noise(60 * 1024, 2)),
        ])))
        .send()
        .await?;
    let (_, uk) = expect_error(res, 413, "payload_too_large").await?;
    assert!(uk.message.contains("100 КБ"), "{}", uk.message);
    assert_nothing_left(&cast.server).await?;
    Ok(())
}
