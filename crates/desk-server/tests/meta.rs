//! Topics, liveness and the published OpenAPI document.

mod common;

use std::collections::HashSet;

use common::*;
use desk_domain::Topic;
use desk_testkit::Cast;
use desk_testkit::reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn topics_are_seeded_with_other_last_and_urgent_ones_flagged() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let topics: Vec<Topic> = cast.alice.get_json("/api/v1/topics").await?;
    assert!(topics.len() >= 5, "a realistic list: {}", topics.len());
    assert_eq!(
        topics.last().map(|t| t.id.as_str()),
        Some("other"),
        "the list ends with Other"
    );
    let ids: HashSet<&str> = topics.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids.len(), topics.len(), "ids are unique");
    assert!(
        topics.windows(2).all(|w| w[0].position < w[1].position),
        "answered in display order"
    );
    for t in &topics {
        assert!(t.active, "{} is offered", t.id);
        for text in [&t.title.uk, &t.title.en, &t.guidance.uk, &t.guidance.en] {
            assert!(!text.trim().is_empty(), "{} has every text", t.id);
        }
        // Ukrainian first: the Ukrainian title is written in Cyrillic.
        assert!(
            t.title
                .uk
                .chars()
                .any(|c| matches!(c, 'А'..='я' | 'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ')),
            "{}: {}",
            t.id,
            t.title.uk
        );
    }
    let urgent = |id: &str| topics.iter().find(|t| t.id == id).map(|t| t.urgent);
    assert_eq!(urgent("program-unavailable"), Some(true));
    assert_eq!(urgent("telephony-down"), Some(true));
    assert_eq!(urgent(TOPIC), Some(false));
    assert_eq!(urgent("other"), Some(false));

    // Agents see the same list.
    let agent_topics: Vec<Topic> = cast.agent.get_json("/api/v1/topics").await?;
    assert_eq!(agent_topics, topics);

    // A ticket copies the topic's urgency.
    let t = cast
        .alice
        .create_ticket(
            URGENT_TOPIC,
            "Тиша в слухавці",
            "Жоден дзвінок не проходить",
        )
        .await?;
    assert!(t.urgent);
    let t = cast
        .alice
        .create_ticket(TOPIC, "Нічний тариф", "Рахує за денним")
        .await?;
    assert!(!t.urgent);
    Ok(())
}

#[tokio::test]
async fn healthz_answers_ok() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let res = cast.server.anon().get("/healthz").await?;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await?;
    assert_eq!(v["status"], "ok");
    assert!(v["version"].as_str().is_some_and(|s| !s.is_empty()));
    Ok(())
}

#[tokio::test]
async fn openapi_document_lists_the_api() -> anyhow::Result<()> {
    let cast = Cast::new().await?;
    let res = cast.server.anon().get("/api/v1/openapi.json").await?;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await?;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "an OpenAPI 3 document"
    );
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/accept-invitation", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/topics", "get"),
        ("/api/v1/tickets", "get"),
        ("/api/v1/tickets", "post"),
        ("/api/v1/tickets/{id}", "get"),
        ("/api/v1/tickets/{id}", "patch"),
        ("/api/v1/tickets/{id}/messages", "get"),
        ("/api/v1/tickets/{id}/messages", "post"),
        ("/api/v1/attachments", "post"),
        ("/api/v1/attachments/{id}", "get"),
        ("/api/v1/changes", "get"),
        ("/api/v1/events", "get"),
        ("/healthz", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is documented"
        );
    }
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let ticket = &schemas["Ticket"]["properties"];
    for f in [
        "id",
        "number",
        "subject",
        "topic_id",
        "status",
        "organization_id",
        "created_at",
        "resolved_at",
    ] {
        assert!(ticket.get(f).is_some(), "Ticket.{f} is documented");
    }
    assert!(
        doc["components"]["securitySchemes"]["bearer"].is_object(),
        "bearer auth is documented"
    );
    Ok(())
}
