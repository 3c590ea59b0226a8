//! Bad input gets a 4xx `{code, message}` that a person can act on, in the language asked for;
//! never a 500.

mod common;

use common::*;
use desk_domain::Ticket;
use desk_testkit::reqwest::{Method, StatusCode};
use desk_testkit::{Cast, Session};
use serde_json::{Value, json};
use uuid::Uuid;

async fn send_raw(
    s: &Session,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> anyhow::Result<desk_testkit::reqwest::Response> {
    let mut rb = s.request(method, path).body(body.to_owned());
    if let Some(ct) = content_type {
        rb = rb.header("content-type", ct);
    }
    Ok(rb.send().await?)
}

#[tokio::test]
async fn malformed_bodies_are_bad_requests() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let t = cast.alice.create_ticket(TOPIC, "Тариф", "Текст").await?;
    let anon = cast.server.anon();
    let id = Uuid::now_v7();
    let json_ct = Some("application/json");
    let cases: Vec<(&Session, Method, String, Option<&str>, String)> = vec![
        // Not JSON at all, or cut short.
        (
            &anon,
            Method::POST,
            "/api/v1/auth/login".into(),
            json_ct,
            "{\"email\": ".into(),
        ),
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            json_ct,
            "not json".into(),
        ),
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            json_ct,
            String::new(),
        ),
        (
            &cast.alice,
            Method::PATCH,
            format!("/api/v1/tickets/{}", t.id),
            json_ct,
            "{".into(),
        ),
        (
            &cast.alice,
            Method::POST,
            format!("/api/v1/tickets/{}/messages", t.id),
            json_ct,
            "[1, 2".into(),
        ),
        // JSON, but not declared as such.
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            Some("text/plain"),
            ticket_body(TOPIC, "Тема", "Текст").to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            None,
            ticket_body(TOPIC, "Тема", "Текст").to_string(),
        ),
        // Wrong types.
        (
            &anon,
            Method::POST,
            "/api/v1/auth/login".into(),
            json_ct,
            json!({"email": 5, "password": "x"}).to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            json_ct,
            json!({"id": id, "topic_id": TOPIC, "subject": 5, "body": "x"}).to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            json_ct,
            json!({"id": "not-a-uuid", "topic_id": TOPIC, "subject": "s", "body": "x"}).to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            json_ct,
            json!({"id": id, "topic_id": TOPIC, "subject": "s", "body": "x",
                   "attachment_ids": "abc"})
            .to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            json_ct,
            json!([{"id": id}]).to_string(),
        ),
        (
            &cast.alice,
            Method::PATCH,
            format!("/api/v1/tickets/{}", t.id),
            json_ct,
            json!({"status": "done"}).to_string(),
        ),
        (
            &cast.agent,
            Method::PATCH,
            format!("/api/v1/tickets/{}", t.id),
            json_ct,
            json!({"assignee_id": "someone"}).to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            format!("/api/v1/tickets/{}/messages", t.id),
            json_ct,
            json!({"id": id, "body": "x", "internal": "yes"}).to_string(),
        ),
        // Missing fields.
        (
            &anon,
            Method::POST,
            "/api/v1/auth/login".into(),
            json_ct,
            json!({"email": "alice@a.example.com"}).to_string(),
        ),
        (
            &anon,
            Method::POST,
            "/api/v1/auth/accept-invitation".into(),
            json_ct,
            json!({"password": "long-enough-pw"}).to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            json_ct,
            json!({"id": id, "topic_id": TOPIC, "body": "x"}).to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            "/api/v1/tickets".into(),
            json_ct,
            json!({"topic_id": TOPIC, "subject": "s", "body": "x"}).to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            format!("/api/v1/tickets/{}/messages", t.id),
            json_ct,
            json!({"id": id}).to_string(),
        ),
        (
            &cast.alice,
            Method::POST,
            format!("/api/v1/tickets/{}/messages", t.id),
            json_ct,
            json!({"body": "Без id"}).to_string(),
        ),
    ];
    for (s, method, path, ct, body) in cases {
        let res = send_raw(s, method.clone(), &path, ct, &body).await?;
        let (text, _) = expect_error(res, 400, "bad_request").await?;
        assert!(!text.contains("panicked"), "{method} {path}: {text}");
    }
    // Nothing got through.
    assert_eq!(list_all(&cast.agent).await?.len(), 1);
    let now: Ticket = cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}", t.id))
        .await?;
    assert_eq!(now, t);
    Ok(())
}

#[tokio::test]
async fn bad_queries_are_bad_requests() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    for q in [
        "status=bogus",
        "before=abc",
        "limit=-1",
        "limit=lots",
        "organization_id=xyz",
        "assignee_id=12",
    ] {
        let res = cast.agent.get(&format!("/api/v1/tickets?{q}")).await?;
        expect_error(res, 400, "bad_request").await?;
    }
    Ok(())
}

#[tokio::test]
async fn unacceptable_values_fail_validation() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let max = desk_domain::limits::SUBJECT_MAX_CHARS;
    let body_max = desk_domain::limits::BODY_MAX_CHARS;
    let cases: Vec<(Value, &str)> = vec![
        (
            ticket_body("no-such-topic", "Тема", "Текст"),
            "unknown_topic",
        ),
        (ticket_body("", "Тема", "Текст"), "unknown_topic"),
        (ticket_body(TOPIC, "", "Текст"), "validation_failed"),
        (ticket_body(TOPIC, "  \t\n ", "Текст"), "validation_failed"),
        (
            ticket_body(TOPIC, &"ї".repeat(max + 1), "Текст"),
            "validation_failed",
        ),
        (ticket_body(TOPIC, "Тема", ""), "validation_failed"),
        (ticket_body(TOPIC, "Тема", " \n "), "validation_failed"),
        (
            ticket_body(TOPIC, "Тема", &"a".repeat(body_max + 1)),
            "validation_failed",
        ),
    ];
    for (body, code) in cases {
        let res = cast.alice.post("/api/v1/tickets", &body).await?;
        expect_error(res, 422, code).await?;
    }
    // A body far past the JSON limit is refused as too large, not read.
    let huge = "ї".repeat(700_000);
    let res = cast
        .alice
        .post("/api/v1/tickets", &ticket_body(TOPIC, "Тема", &huge))
        .await?;
    expect_error(res, 422, "validation_failed").await?;
    assert!(list_all(&cast.agent).await?.is_empty(), "nothing was filed");

    // At the limits exactly, it is fine.
    let (_, t): (Value, Ticket) = created(
        cast.alice
            .post(
                "/api/v1/tickets",
                &ticket_body(TOPIC, &"ї".repeat(max), &"ї".repeat(body_max)),
            )
            .await?,
    )
    .await?;
    assert_eq!(t.subject.chars().count(), max);
    assert_eq!(t.number, 1);
    Ok(())
}

#[tokio::test]
async fn unknown_ids_and_addresses_are_404() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let nobody = Uuid::now_v7();
    for s in [&cast.alice, &cast.agent] {
        for (method, path, body) in [
            (Method::GET, format!("/api/v1/tickets/{nobody}"), None),
            (
                Method::PATCH,
                format!("/api/v1/tickets/{nobody}"),
                Some(json!({"status": "resolved"})),
            ),
            (
                Method::GET,
                format!("/api/v1/tickets/{nobody}/messages"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/tickets/{nobody}/messages"),
                Some(message_body("Текст")),
            ),
            (Method::GET, format!("/api/v1/attachments/{nobody}"), None),
            (Method::GET, "/api/v1/tickets/42".into(), None),
            (Method::GET, "/api/v1/tickets/not-a-uuid".into(), None),
            (
                Method::PATCH,
                "/api/v1/tickets/not-a-uuid".into(),
                Some(json!({"status": "resolved"})),
            ),
            (
                Method::GET,
                "/api/v1/tickets/not-a-uuid/messages".into(),
                None,
            ),
            (
                Method::POST,
                "/api/v1/tickets/not-a-uuid/messages".into(),
                Some(message_body("Текст")),
            ),
            (Method::GET, "/api/v1/attachments/not-a-uuid".into(), None),
            (Method::GET, "/api/v1/no-such-thing".into(), None),
            (Method::GET, "/api/v2/tickets".into(), None),
        ] {
            let mut rb = s.request(method.clone(), &path);
            if let Some(b) = &body {
                rb = rb.json(b);
            }
            expect_error(rb.send().await?, 404, "not_found").await?;
        }
    }
    // A known address with the wrong method.
    let res = cast
        .alice
        .request(Method::DELETE, "/api/v1/tickets")
        .send()
        .await?;
    let status = res.status();
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    expect_error(res, 405, "bad_request").await?;
    Ok(())
}

#[tokio::test]
async fn messages_follow_accept_language() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let anon = cast.server.anon();
    let ask = |lang: Option<&'static str>| {
        let mut rb = anon.request(Method::GET, "/api/v1/me");
        if let Some(l) = lang {
            rb = rb.header("accept-language", l);
        }
        rb.send()
    };
    let cyrillic = |s: &str| s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));

    let (_, uk) = expect_error(ask(None).await?, 401, "unauthorized").await?;
    assert!(
        cyrillic(&uk.message),
        "Ukrainian by default: {}",
        uk.message
    );
    for lang in ["en", "en-US,en;q=0.9", "EN-gb"] {
        let (_, en) = expect_error(ask(Some(lang)).await?, 401, "unauthorized").await?;
        assert!(!cyrillic(&en.message), "{lang}: {}", en.message);
        assert!(
            en.message.to_lowercase().contains("sign in"),
            "{}",
            en.message
        );
        assert_ne!(en.message, uk.message);
    }
    for lang in ["uk", "uk-UA,en;q=0.5", "de-DE", "*"] {
        let (_, m) = expect_error(ask(Some(lang)).await?, 401, "unauthorized").await?;
        assert_eq!(m.message, uk.message, "{lang}");
    }

    // Same for a validation message with details, and a 404.
    let res = cast
        .alice
        .request(Method::POST, "/api/v1/tickets")
        .header("accept-language", "en")
        .json(&ticket_body("no-such-topic", "Тема", "Текст"))
        .send()
        .await?;
    let (_, en) = expect_error(res, 422, "unknown_topic").await?;
    assert!(
        en.message.contains("no-such-topic") && !cyrillic(&en.message),
        "{}",
        en.message
    );
    let res = cast
        .alice
        .post(
            "/api/v1/tickets",
            &ticket_body("no-such-topic", "Тема", "Текст"),
        )
        .await?;
    let (_, uk) = expect_error(res, 422, "unknown_topic").await?;
    assert!(uk.message.contains("no-such-topic") && cyrillic(&uk.message));
    let res = cast
        .alice
        .request(Method::GET, &format!("/api/v1/tickets/{}", Uuid::now_v7()))
        .header("accept-language", "en")
        .send()
        .await?;
    let (_, en) = expect_error(res, 404, "not_found").await?;
    assert!(!cyrillic(&en.message));
    Ok(())
}

#[tokio::test]
async fn responses_carry_a_request_id() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let res = cast.alice.get("/api/v1/me").await?;
    let id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    assert!(id.is_some_and(|v| !v.is_empty()));
    let res = cast
        .alice
        .request(Method::GET, "/api/v1/me")
        .header("x-request-id", "trace-me-123")
        .send()
        .await?;
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("trace-me-123")
    );
    Ok(())
}
