//! Sign-in, sign-out, invitations, `GET /me`, and the bearer token every other endpoint needs.

mod common;

use common::*;
use desk_domain::{LoginResponse, Me, Role};
use desk_server::admin::{self, AddUser};
use desk_testkit::reqwest::{Method, StatusCode};
use desk_testkit::{Cast, PASSWORD, Session};
use serde_json::json;
use uuid::Uuid;

fn session_of(cast: &Cast, login: LoginResponse) -> Session {
    Session {
        base: cast.server.base.clone(),
        token: Some(login.token),
        user: Some(login.user),
        http: desk_testkit::reqwest::Client::new(),
    }
}

#[tokio::test]
async fn login_answers_a_working_token_and_the_user() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let anon = cast.server.anon();
    let res = anon
        .post(
            "/api/v1/auth/login",
            &json!({"email": "alice@a.example.com", "password": PASSWORD}),
        )
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let body: LoginResponse = res.json().await?;
    assert!(body.token.len() >= 32, "token too short: {}", body.token);
    assert_eq!(body.user.email, "alice@a.example.com");
    assert_eq!(body.user.role, Role::Customer);
    assert_eq!(body.user.organization_id, Some(cast.org_a.id));
    assert_eq!(&body.user, cast.alice.user());

    // Each sign-in gets its own token.
    assert_ne!(Some(&body.token), cast.alice.token.as_ref());

    let me: Me = session_of(&cast, body).get_json("/api/v1/me").await?;
    assert_eq!(me.user.id, cast.alice.user().id);

    // Email matching ignores case and surrounding blanks, as people type them.
    let again = cast
        .server
        .login("  Alice@A.Example.COM ", PASSWORD)
        .await?;
    assert_eq!(again.user().id, cast.alice.user().id);
    Ok(())
}

#[tokio::test]
async fn wrong_password_and_unknown_email_answer_the_same_401() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let anon = cast.server.anon();
    let wrong = anon
        .post(
            "/api/v1/auth/login",
            &json!({"email": "alice@a.example.com", "password": "not-the-password"}),
        )
        .await?;
    let (_, wrong) = expect_error(wrong, 401, "invalid_credentials").await?;
    let unknown = anon
        .post(
            "/api/v1/auth/login",
            &json!({"email": "nobody@nowhere.example.com", "password": PASSWORD}),
        )
        .await?;
    let (_, unknown) = expect_error(unknown, 401, "invalid_credentials").await?;
    // Same words either way: the answer does not tell which emails exist.
    assert_eq!(wrong.message, unknown.message);
    let empty = anon
        .post(
            "/api/v1/auth/login",
            &json!({"email": "alice@a.example.com", "password": ""}),
        )
        .await?;
    expect_error(empty, 401, "invalid_credentials").await?;
    Ok(())
}

/// Five failed sign-ins within 15 minutes hold that account's sign-ins (even with the right
/// password) until the first of them is 15 minutes old; other accounts are not held; a success
/// clears the count. Unknown emails are counted alike, so the answer tells nothing.
#[tokio::test]
async fn repeated_failed_sign_ins_hold_the_account_for_a_while() -> anyhow::Result<()> {
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")?.to_utc();
    let cast = Cast::on(desk_testkit::TestServer::start_at(start).await?).await?;
    let clock = cast.server.clock.clone();
    let anon = cast.server.anon();
    let login = |email: &'static str, password: &'static str, lang: &'static str| {
        let anon = anon.clone();
        async move {
            anon.request(Method::POST, "/api/v1/auth/login")
                .header("accept-language", lang)
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
        }
    };
    for _ in 0..5 {
        expect_error(
            login("alice@a.example.com", "guess", "uk").await?,
            401,
            "invalid_credentials",
        )
        .await?;
        clock.advance(chrono::Duration::minutes(1));
    }
    // 5 minutes in: held for 10 more, in the reader's language, right password or not.
    let held = login("ALICE@a.example.com", PASSWORD, "uk").await?;
    assert_eq!(
        held.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("600")
    );
    let (_, body) = expect_error(held, 429, "too_many_attempts").await?;
    assert!(body.message.contains("через 10 хв"), "{}", body.message);
    let (_, body) = expect_error(
        login("alice@a.example.com", PASSWORD, "en").await?,
        429,
        "too_many_attempts",
    )
    .await?;
    assert!(body.message.contains("in 10 min"), "{}", body.message);
    // Alan, of the same service, signs in as usual; and a session already open keeps working.
    cast.server.login("alan@a.example.com", PASSWORD).await?;
    let _: Me = cast.alice.get_json("/api/v1/me").await?;

    // 15 minutes after the first failure: allowed again; a success clears the count.
    clock.advance(chrono::Duration::minutes(10));
    cast.server.login("alice@a.example.com", PASSWORD).await?;
    expect_error(
        login("alice@a.example.com", "guess", "uk").await?,
        401,
        "invalid_credentials",
    )
    .await?;
    cast.server.login("alice@a.example.com", PASSWORD).await?;

    // An email nobody has is held the same way.
    for _ in 0..5 {
        expect_error(
            login("nobody@nowhere.example.com", "guess", "uk").await?,
            401,
            "invalid_credentials",
        )
        .await?;
    }
    expect_error(
        login("nobody@nowhere.example.com", "guess", "uk").await?,
        429,
        "too_many_attempts",
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn logout_revokes_only_that_token() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let other = cast.server.login("alice@a.example.com", PASSWORD).await?;
    let res = cast
        .alice
        .request(Method::POST, "/api/v1/auth/logout")
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    expect_error(cast.alice.get("/api/v1/me").await?, 401, "unauthorized").await?;
    expect_error(
        cast.alice.get("/api/v1/tickets").await?,
        401,
        "unauthorized",
    )
    .await?;
    let res = cast
        .alice
        .post("/api/v1/tickets", &ticket_body(TOPIC, "Тема", "Текст"))
        .await?;
    expect_error(res, 401, "unauthorized").await?;
    // Logging out twice: the token is already dead.
    let res = cast
        .alice
        .request(Method::POST, "/api/v1/auth/logout")
        .send()
        .await?;
    expect_error(res, 401, "unauthorized").await?;

    // Her other sign-in still works.
    let me: Me = other.get_json("/api/v1/me").await?;
    assert_eq!(me.user.id, cast.alice.user().id);
    Ok(())
}

#[tokio::test]
async fn invitation_code_sets_the_password_once() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let store = cast.server.store()?;
    let (user, code) = admin::add_user(
        store.as_ref(),
        AddUser {
            email: "invited@a.example.com",
            name: Some("Оксана"),
            role: Role::Customer,
            org: Some(&cast.org_a.name),
            password: None,
            locale: "uk",
            invitation_ttl_days: 14,
        },
    )
    .await?;
    let code = code.expect("an account without a password gets an invitation code");
    let anon = cast.server.anon();

    // No password yet: nothing signs in.
    for pw in ["", PASSWORD, "anything-at-all"] {
        let res = anon
            .post(
                "/api/v1/auth/login",
                &json!({"email": "invited@a.example.com", "password": pw}),
            )
            .await?;
        expect_error(res, 401, "invalid_credentials").await?;
    }

    // A wrong code, and a too short password with the right code, change nothing.
    let res = anon
        .post(
            "/api/v1/auth/accept-invitation",
            &json!({"code": "AAAA-BBBB-CCCC", "password": "a-good-password"}),
        )
        .await?;
    expect_error(res, 422, "invalid_invitation").await?;
    let res = anon
        .post(
            "/api/v1/auth/accept-invitation",
            &json!({"code": code, "password": "short"}),
        )
        .await?;
    expect_error(res, 422, "validation_failed").await?;

    // Typed in lower case with spaces instead of dashes, the code still matches.
    let typed = code.to_lowercase().replace('-', " ");
    let res = anon
        .post(
            "/api/v1/auth/accept-invitation",
            &json!({"code": typed, "password": "нове-гасло-2024"}),
        )
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let accepted: LoginResponse = res.json().await?;
    assert_eq!(accepted.user.id, user.id);
    assert_eq!(accepted.user.organization_id, Some(cast.org_a.id));
    let me: Me = session_of(&cast, accepted).get_json("/api/v1/me").await?;
    assert_eq!(me.user.email, "invited@a.example.com");

    let signed_in = cast
        .server
        .login("invited@a.example.com", "нове-гасло-2024")
        .await?;
    assert_eq!(signed_in.user().id, user.id);

    // The code is spent.
    let res = anon
        .post(
            "/api/v1/auth/accept-invitation",
            &json!({"code": code, "password": "another-password"}),
        )
        .await?;
    expect_error(res, 422, "invalid_invitation").await?;
    let res = anon
        .post(
            "/api/v1/auth/login",
            &json!({"email": "invited@a.example.com", "password": "another-password"}),
        )
        .await?;
    expect_error(res, 401, "invalid_credentials").await?;
    Ok(())
}

#[tokio::test]
async fn me_tells_who_and_which_organisation() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let me: Me = cast.alice.get_json("/api/v1/me").await?;
    assert_eq!(&me.user, cast.alice.user());
    let org = me.organization.expect("a customer has an organisation");
    assert_eq!(org, cast.org_a);

    let me: Me = cast.bob.get_json("/api/v1/me").await?;
    assert_eq!(me.organization.map(|o| o.id), Some(cast.org_b.id));

    for (s, role) in [(&cast.agent, Role::Agent), (&cast.admin, Role::Admin)] {
        let me: Me = s.get_json("/api/v1/me").await?;
        assert_eq!(me.user.role, role);
        assert_eq!(me.user.organization_id, None);
        assert!(me.organization.is_none());
    }
    Ok(())
}

/// Every endpoint behind a token, with a request that would otherwise succeed.
fn protected(ticket: Uuid, attachment: Uuid) -> Vec<(Method, String, Option<serde_json::Value>)> {
    vec![
        (Method::POST, "/api/v1/auth/logout".into(), None),
        (Method::GET, "/api/v1/me".into(), None),
        (Method::GET, "/api/v1/topics".into(), None),
        (Method::GET, "/api/v1/calendar".into(), None),
        (
            Method::GET,
            format!("/api/v1/expectation?topic_id={TOPIC}"),
            None,
        ),
        (Method::GET, "/api/v1/tickets".into(), None),
        (
            Method::POST,
            "/api/v1/tickets".into(),
            Some(ticket_body(TOPIC, "Тема", "Текст")),
        ),
        (Method::GET, format!("/api/v1/tickets/{ticket}"), None),
        (
            Method::PATCH,
            format!("/api/v1/tickets/{ticket}"),
            Some(json!({"status": "resolved"})),
        ),
        (
            Method::GET,
            format!("/api/v1/tickets/{ticket}/messages"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/tickets/{ticket}/messages"),
            Some(message_body("Текст")),
        ),
        (
            Method::POST,
            "/api/v1/attachments?filename=a.txt".into(),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/attachments/{attachment}"),
            None,
        ),
        (Method::GET, "/api/v1/changes".into(), None),
        (Method::GET, "/api/v1/events".into(), None),
    ]
}

#[tokio::test]
async fn every_endpoint_needs_a_live_token() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let ticket = cast.alice.create_ticket(TOPIC, "Тема", "Текст").await?;
    let att = upload_ok(&cast.alice, "a.txt", b"hello".to_vec()).await?;
    // A token that once worked and was revoked.
    let revoked = cast.server.login("alice@a.example.com", PASSWORD).await?;
    let res = revoked
        .request(Method::POST, "/api/v1/auth/logout")
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let revoked_token = revoked.token.clone().unwrap_or_default();

    let http = desk_testkit::reqwest::Client::new();
    let auths: [(&str, Option<String>); 5] = [
        ("missing", None),
        ("garbage", Some("Bearer not-a-token".into())),
        ("empty bearer", Some("Bearer ".into())),
        ("other scheme", Some(format!("Basic {revoked_token}"))),
        ("revoked", Some(format!("Bearer {revoked_token}"))),
    ];
    for (method, path, body) in protected(ticket.id, att.id) {
        for (what, header) in &auths {
            let mut rb = http.request(method.clone(), cast.server.url(&path));
            if let Some(h) = header {
                rb = rb.header("authorization", h);
            }
            if let Some(b) = &body {
                rb = rb.json(b);
            }
            let res = rb.send().await?;
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {what} token"
            );
            expect_error(res, 401, "unauthorized").await?;
        }
    }
    // Nothing above reached the store: still one ticket, unchanged, one message.
    let t: desk_domain::Ticket = cast
        .agent
        .get_json(&format!("/api/v1/tickets/{}", ticket.id))
        .await?;
    // (The agent's view adds the staff-only waiting clock.)
    assert!(t.waiting.is_some());
    assert_eq!(desk_domain::Ticket { waiting: None, ..t }, ticket);
    assert_eq!(list_all(&cast.agent).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn public_endpoints_need_no_token() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let anon = cast.server.anon();
    assert_eq!(anon.get("/healthz").await?.status(), StatusCode::OK);
    assert_eq!(
        anon.get("/api/v1/openapi.json").await?.status(),
        StatusCode::OK
    );
    Ok(())
}
