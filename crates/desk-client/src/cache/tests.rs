//! The cache on its own: damage found and rebuilt, pages applied, search.

use std::collections::HashSet;
use std::path::Path;

use chrono::Utc;
use desk_domain::{ChangeData, ChangesPage, TicketStatus};
use uuid::Uuid;

use super::search::{fold, folds_as_typed, rank};
use super::*;

#[test]
fn snippets_mark_the_word() {
    let w = |s: &str| vec![s.chars().collect::<Vec<char>>()];
    assert_eq!(
        snippet("Перезапустіть сервіс карт, будь ласка", &w("карт")),
        "Перезапустіть сервіс [карт], будь ласка"
    );
    assert_eq!(
        snippet("Диспетчерська не бачить", &w("дисп")),
        "[Диспетчерська] не бачить"
    );
    assert_eq!(snippet("Café", &w("cafe")), "Café");
    let long = format!("{} ключ {}", "а ".repeat(60), "б ".repeat(60));
    let s = snippet(&long, &w("ключ"));
    assert!(
        s.starts_with('…') && s.ends_with('…') && s.contains("[ключ]"),
        "{s}"
    );
}

/// Overwrites the file's last page (a B-tree page, not the header) with garbage.
fn damage_last_page(path: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let len = std::fs::metadata(path).unwrap().len();
    assert!(len > 64 * 4096, "the test needs a cache of many pages");
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(len - 4096)).unwrap();
    f.write_all(&[0xA5; 4096]).unwrap();
    f.sync_all().unwrap();
}

async fn fill(cache: &Cache) {
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) \
         INSERT INTO meta (key, value) SELECT 'filler' || i, printf('%.1000c', 'x') FROM n",
    )
    .execute(&cache.pool)
    .await
    .unwrap();
}

fn set_aside_copies(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".damaged-"))
        .count()
}

/// A cache closed cleanly opens with a cheap check only; damage deep in the file is found
/// by the full check in the background and the next open sets the file aside and starts
/// afresh. After an unclean shutdown (the `-open` marker left behind) the full check runs
/// before the cache opens.
#[tokio::test]
async fn damage_is_found_in_the_background_or_at_open_after_an_unclean_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite3");
    let (cache, rebuilt) = Cache::open(&path).await.unwrap();
    assert!(!rebuilt);
    fill(&cache).await;
    assert_eq!(cache.background_check().await, Some(true));
    cache.close().await;
    assert!(!db::marker(&path, db::OPEN).exists(), "closed cleanly");

    damage_last_page(&path);
    let (cache, rebuilt) = Cache::open(&path).await.unwrap();
    assert!(
        !rebuilt,
        "a cleanly closed cache opens without the full check"
    );
    assert_eq!(
        cache.background_check().await,
        Some(false),
        "the background check finds the damage"
    );
    cache.close().await;
    let (cache, rebuilt) = Cache::open(&path).await.unwrap();
    assert!(rebuilt, "the next open rebuilds it");
    assert_eq!(set_aside_copies(dir.path()), 1);
    assert_eq!(cache.counts().await.unwrap(), (0, 0));
    fill(&cache).await;
    cache.close().await;

    // Killed while open: the marker stays, and the damage is found before opening.
    std::fs::write(db::marker(&path, db::OPEN), b"").unwrap();
    damage_last_page(&path);
    let (cache, rebuilt) = Cache::open(&path).await.unwrap();
    assert!(rebuilt, "an unclean shutdown gets the full check at open");
    assert_eq!(cache.background_check().await, None, "checked already");
    cache.close().await;
}

/// A fresh cache (in a folder that lasts as long as the first value), a customer whose
/// cache it is, and an agent.
async fn customer_and_agent() -> (
    tempfile::TempDir,
    Cache,
    desk_domain::User,
    desk_domain::User,
) {
    use crate::notify::fixtures::user;
    use desk_domain::Role;
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = Cache::open(&dir.path().join("cache.sqlite3"))
        .await
        .unwrap();
    (dir, cache, user(Role::Customer), user(Role::Agent))
}

/// A message whose ticket came in an earlier page is reported with the cached ticket, so
/// the notification policy knows its number and whether an incident resolved it.
#[tokio::test]
async fn a_message_without_its_ticket_in_the_page_brings_the_cached_ticket() {
    use crate::notify::fixtures::{message, ticket};
    use desk_domain::Change;
    let (_dir, cache, me, agent) = customer_and_agent().await;
    let now = Utc::now();
    let t = ticket(&me, now, TicketStatus::InProgress, false);
    let page = |seq: i64, entity: ChangeData| ChangesPage {
        items: vec![Change { seq, entity }],
        next: seq,
        has_more: false,
    };
    // Past the first sync: the cursor has moved.
    let first = cache
        .apply(&page(1, ChangeData::Ticket(t.clone())), me.id)
        .await
        .unwrap();
    assert!(first.message_tickets.is_empty());
    let reply = message(&t, &agent, now, false);
    let applied = cache
        .apply(&page(2, ChangeData::Message(reply)), me.id)
        .await
        .unwrap();
    assert!(applied.tickets.is_empty());
    assert_eq!(applied.message_tickets, vec![t.clone()]);
    // With its ticket in the same page, nothing extra is read.
    let again = message(&t, &agent, now, false);
    let both = ChangesPage {
        items: vec![
            Change {
                seq: 3,
                entity: ChangeData::Ticket(t.clone()),
            },
            Change {
                seq: 4,
                entity: ChangeData::Message(again),
            },
        ],
        next: 4,
        has_more: false,
    };
    let applied = cache.apply(&both, me.id).await.unwrap();
    assert!(applied.message_tickets.is_empty());
    cache.close().await;
}

/// A ticket written here shows its first message under the ticket's id until the server's
/// copy, with an id of its own, is stored: the answer to the write brings the ticket, the
/// copy may come only with a later pull (the fetch after the answer failed). In between the
/// conversation shows the provisional message; after, the server's alone, found once.
#[tokio::test]
async fn the_servers_first_message_replaces_the_provisional_one_whenever_it_comes() {
    use crate::notify::fixtures::{message, ticket};
    use desk_domain::Change;
    let (_dir, cache, me, agent) = customer_and_agent().await;
    let now = Utc::now();
    let t = ticket(&me, now, TicketStatus::New, true);
    let mut stand_in = message(&t, &me, now, false);
    stand_in.id = t.id;
    stand_in.body = "Диспетчерська не чує вхідних дзвінків".into();
    let mut provisional = t.clone();
    provisional.number = 0;
    cache.put_provisional_ticket(&provisional).await.unwrap();
    cache.put_provisional_message(&stand_in).await.unwrap();

    // The answer to the write: the ticket, numbered, without its messages.
    cache
        .put(ChangeData::Ticket(t.clone()), me.id)
        .await
        .unwrap();
    let shown = cache.messages(t.id).await.unwrap();
    assert_eq!(shown.len(), 1);
    assert!(shown[0].provisional);

    // The next pull: the ticket, the server's copy of the first message, an agent's reply.
    let mut first = stand_in.clone();
    first.id = Uuid::now_v7();
    let reply = message(&t, &agent, now + chrono::Duration::seconds(5), false);
    let pulled = ChangesPage {
        items: [
            ChangeData::Ticket(t.clone()),
            ChangeData::Message(first.clone()),
            ChangeData::Message(reply.clone()),
        ]
        .into_iter()
        .zip(1..)
        .map(|(entity, seq)| Change { seq, entity })
        .collect(),
        next: 3,
        has_more: false,
    };
    cache.apply(&pulled, me.id).await.unwrap();
    let shown: Vec<_> = cache
        .messages(t.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.message.id, m.provisional))
        .collect();
    assert_eq!(shown, vec![(first.id, false), (reply.id, false)]);
    let hits = cache.search("вхідних", 10).await.unwrap();
    assert_eq!(hits.len(), 1, "found once, not also as the stand-in");

    // A reply of ours keeps its own id on the server: a later page leaves it alone.
    let mine = message(&t, &me, now + chrono::Duration::seconds(9), false);
    cache.put_provisional_message(&mine).await.unwrap();
    let other = message(&t, &agent, now + chrono::Duration::seconds(8), false);
    cache.put(ChangeData::Message(other), me.id).await.unwrap();
    assert!(
        cache
            .messages(t.id)
            .await
            .unwrap()
            .iter()
            .any(|m| m.message.id == mine.id && m.provisional)
    );
    cache.close().await;
}

/// Words of these characters are looked up in the vocabulary as lowercased by Rust: the
/// index's tokenizer must make exactly that of each of them.
#[tokio::test]
async fn the_tokenizer_folds_ascii_and_cyrillic_as_rust_lowercases() {
    let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    sqlx::raw_sql(
        "CREATE VIRTUAL TABLE t USING fts5(w, tokenize = \"unicode61 remove_diacritics 2\", content = '', detail = none); \
         CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row');",
    )
    .execute(&pool)
    .await
    .unwrap();
    let chars: Vec<char> = ('\u{20}'..='\u{04FF}')
        .filter(|c| folds_as_typed(*c))
        .collect();
    assert!(chars.len() > 250);
    for c in &chars {
        sqlx::query("INSERT INTO t (w) VALUES (?1)")
            .bind(format!("q{c}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    let terms: HashSet<String> = sqlx::query_scalar("SELECT term FROM v")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    for c in chars {
        let want = format!("q{}", c.to_lowercase());
        assert!(terms.contains(&want), "{c:?} is not indexed as {want:?}");
    }
}

#[test]
fn ranking_prefers_more_and_denser_hits() {
    let w = |s: &str| vec![s.chars().collect::<Vec<char>>()];
    let rows = vec![
        (
            "a".to_owned(),
            "оплата не пройшла, зовсім інша історія про маршрут".to_owned(),
        ),
        ("b".to_owned(), "Оплата, оплата і ще раз оплата".to_owned()),
        ("c".to_owned(), "Café оплата".to_owned()),
    ];
    let ranked = rank(rows, &w("опла"), 1.0);
    let score = |id: &str| {
        ranked
            .iter()
            .find(|r| r.0 == id)
            .map(|r| r.1)
            .unwrap_or(0.0)
    };
    assert!(
        score("b") > score("c") && score("c") > score("a"),
        "{ranked:?}"
    );
    assert_eq!(fold('É'), 'e');
    assert_eq!(fold('Ї'), 'ї');
}

/// A request of a chat not linked comes through the wire decoder (it once refused the kind and
/// so stopped every pull), is kept with the last state by `updated_at` (an approval's answer
/// stored directly is not undone by an older page), is reported for the notification policy,
/// and is listed waiting first, newest first, then the decided ones.
#[tokio::test]
async fn telegram_requests_are_decoded_kept_by_their_latest_state_and_listed_waiting_first() {
    use crate::api::PulledPage;
    use crate::notify::fixtures::telegram_report;
    use desk_domain::{Change, TelegramRequestStatus};
    let (_dir, cache, _, agent) = customer_and_agent().await;
    let t0 = Utc::now() - chrono::Duration::minutes(10);
    let older = telegram_report(&[agent.id], t0);
    let newer = telegram_report(&[agent.id], t0 + chrono::Duration::minutes(5));
    let wire = ChangesPage {
        items: vec![
            Change {
                seq: 1,
                entity: ChangeData::TelegramRequest(older.clone()),
            },
            Change {
                seq: 2,
                entity: ChangeData::TelegramRequest(newer.clone()),
            },
        ],
        next: 2,
        has_more: false,
    };
    let pulled = PulledPage::decode(&serde_json::to_vec(&wire).unwrap()).unwrap();
    let applied = cache.apply_pulled(&pulled, agent.id).await.unwrap();
    assert_eq!(applied.outages.telegram_requests.len(), 2);
    let ids =
        |v: Vec<desk_domain::TelegramRequest>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(cache.telegram_requests(10).await.unwrap()),
        vec![newer.id, older.id]
    );

    // The newer one is decided (the answer stored directly): it goes below the waiting one.
    let mut decided = newer.clone();
    decided.status = TelegramRequestStatus::Approved;
    decided.updated_at = t0 + chrono::Duration::minutes(8);
    cache
        .put(ChangeData::TelegramRequest(decided.clone()), agent.id)
        .await
        .unwrap();
    assert_eq!(
        ids(cache.telegram_requests(10).await.unwrap()),
        vec![older.id, newer.id]
    );
    // A page fetched before the approval brings the waiting copy: not applied, not reported.
    let stale = ChangesPage {
        items: vec![Change {
            seq: 3,
            entity: ChangeData::TelegramRequest(newer.clone()),
        }],
        next: 3,
        has_more: false,
    };
    let applied = cache.apply(&stale, agent.id).await.unwrap();
    assert!(applied.outages.telegram_requests.is_empty());
    assert_eq!(
        cache
            .telegram_request(newer.id)
            .await
            .unwrap()
            .map(|r| r.status),
        Some(TelegramRequestStatus::Approved)
    );
    // Decided ones are capped; waiting ones never are.
    assert_eq!(
        ids(cache.telegram_requests(0).await.unwrap()),
        vec![older.id]
    );
    cache.close().await;
}
