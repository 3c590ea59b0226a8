//! Tauri commands: each parses its arguments and delegates to desk-client; errors cross IPC as
//! `{code, message}` (desk_client::Error).

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use desk_client::{
    Account, AnnounceInput, Desk, Draft, DraftInput, Error, IncidentView, KnownOutage, LocalFile,
    OrgRef, OutboxItem, Preferences, SearchHit, StorageInfo, SyncState, TicketItem, TicketQuery,
    TicketView,
};
use desk_client::{LinkedChats, TelegramRequests};
use desk_domain::{
    Attachment, DutyAgent, Incident, LinkCode, OutageKind, TelegramRequest, TicketStatus, Topic,
    UpdateIncident,
};
use tauri::{AppHandle, State};
use uuid::Uuid;

use crate::Shell;

type R<T> = Result<T, Error>;
type S<'a> = State<'a, Arc<Shell>>;

#[tauri::command]
pub async fn resume(app: AppHandle, shell: S<'_>) -> R<Option<Account>> {
    if let Some(d) = shell.desk.read().await.as_ref() {
        return Ok(Some(d.account().clone()));
    }
    let desk = match Desk::resume(shell.config.clone()).await? {
        Some(d) => d,
        None => match demo_sign_in() {
            // The demo command opens the app signed in to its sample server.
            Some((server, email, password)) => {
                Desk::sign_in(shell.config.clone(), &server, &email, &password).await?
            }
            None => return Ok(None),
        },
    };
    let account = desk.account().clone();
    shell.set(&app, desk).await;
    Ok(Some(account))
}

/// `DESK_SIGN_IN_SERVER`, `DESK_SIGN_IN_EMAIL`, `DESK_SIGN_IN_PASSWORD`: set by scripts/demo.sh.
fn demo_sign_in() -> Option<(String, String, String)> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some((
        var("DESK_SIGN_IN_SERVER")?,
        var("DESK_SIGN_IN_EMAIL")?,
        var("DESK_SIGN_IN_PASSWORD")?,
    ))
}

#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    shell: S<'_>,
    server: String,
    email: String,
    password: String,
) -> R<Account> {
    let desk = Desk::sign_in(shell.config.clone(), &server, &email, &password).await?;
    let account = desk.account().clone();
    shell.set(&app, desk).await;
    Ok(account)
}

#[tauri::command]
pub async fn sign_out(shell: S<'_>, discard_unsent: bool) -> R<()> {
    let mut slot = shell.desk.write().await;
    let Some(desk) = slot.take() else {
        return Ok(());
    };
    match desk.clone().sign_out(discard_unsent).await {
        Ok(()) => Ok(()),
        Err(e) => {
            *slot = Some(desk);
            Err(e)
        }
    }
}

#[tauri::command]
pub async fn topics(shell: S<'_>) -> R<Vec<Topic>> {
    shell.desk().await?.topics().await
}

/// The support's working hours as this device last fetched them (works offline).
#[tauri::command]
pub async fn calendar(shell: S<'_>) -> R<desk_domain::BusinessCalendar> {
    Ok(shell.desk().await?.calendar().await)
}

/// What a ticket on this topic filed now can expect (business hours; computed offline too).
#[tauri::command]
pub async fn expectation(shell: S<'_>, topic_id: String) -> R<desk_domain::Expectation> {
    shell.desk().await?.expectation(&topic_id).await
}

#[tauri::command]
pub async fn tickets(shell: S<'_>, query: TicketQuery) -> R<Vec<TicketItem>> {
    shell.desk().await?.tickets(&query).await
}

#[tauri::command]
pub async fn ticket(shell: S<'_>, id: Uuid) -> R<Option<TicketView>> {
    shell.desk().await?.ticket(id).await
}

#[tauri::command]
pub async fn search(shell: S<'_>, text: String, limit: u32) -> R<Vec<SearchHit>> {
    shell.desk().await?.search(&text, limit).await
}

#[tauri::command]
pub async fn organizations(shell: S<'_>) -> R<Vec<OrgRef>> {
    shell.desk().await?.organizations().await
}

#[tauri::command]
pub async fn outbox(shell: S<'_>) -> R<Vec<OutboxItem>> {
    shell.desk().await?.outbox().await
}

#[tauri::command]
pub async fn sync_state(shell: S<'_>) -> R<SyncState> {
    Ok(shell.desk().await?.state().borrow().clone())
}

#[tauri::command]
pub async fn unread_count(shell: S<'_>) -> R<i64> {
    shell.desk().await?.unread_count().await
}

#[tauri::command]
pub async fn draft(shell: S<'_>, key: String) -> R<Option<Draft>> {
    shell.desk().await?.draft(&key).await
}

#[tauri::command]
pub async fn save_draft(shell: S<'_>, key: String, input: DraftInput) -> R<()> {
    shell.desk().await?.save_draft(&key, &input).await
}

#[tauri::command]
pub async fn attach_files(shell: S<'_>, key: String, paths: Vec<PathBuf>) -> R<Vec<LocalFile>> {
    let desk = shell.desk().await?;
    let mut out = Vec::with_capacity(paths.len());
    for p in &paths {
        out.push(desk.attach_to_draft(&key, p).await?);
    }
    Ok(out)
}

#[tauri::command]
pub async fn attach_bytes(
    shell: S<'_>,
    key: String,
    filename: String,
    data_base64: String,
) -> R<LocalFile> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data_base64.as_bytes())
        .map_err(|e| {
            Error::invalid(
                &format!("Вставлені дані пошкоджені ({e})."),
                &format!("The pasted data is damaged ({e})."),
            )
        })?;
    shell
        .desk()
        .await?
        .attach_bytes_to_draft(&key, &filename, &bytes)
        .await
}

#[tauri::command]
pub async fn remove_draft_file(shell: S<'_>, key: String, file_id: Uuid) -> R<()> {
    shell.desk().await?.remove_draft_file(&key, file_id).await
}

#[tauri::command]
pub async fn discard_draft(shell: S<'_>, key: String) -> R<()> {
    shell.desk().await?.discard_draft(&key).await
}

#[tauri::command]
pub async fn pick_files() -> R<Vec<String>> {
    let files = rfd::AsyncFileDialog::new()
        .pick_files()
        .await
        .unwrap_or_default();
    Ok(files
        .iter()
        .map(|f| f.path().to_string_lossy().into_owned())
        .collect())
}

#[tauri::command]
pub async fn submit_ticket_draft(shell: S<'_>) -> R<Uuid> {
    shell.desk().await?.submit_ticket_draft().await
}

#[tauri::command]
pub async fn submit_reply_draft(shell: S<'_>, ticket_id: Uuid) -> R<Uuid> {
    shell.desk().await?.submit_reply_draft(ticket_id).await
}

#[tauri::command]
pub async fn set_status(shell: S<'_>, ticket_id: Uuid, status: TicketStatus) -> R<()> {
    shell.desk().await?.set_status(ticket_id, status).await
}

#[tauri::command]
pub async fn assign(shell: S<'_>, ticket_id: Uuid, assignee_id: Option<Uuid>) -> R<()> {
    shell.desk().await?.assign(ticket_id, assignee_id).await
}

#[tauri::command]
pub async fn retry(shell: S<'_>, outbox_seq: i64) -> R<()> {
    shell.desk().await?.retry(outbox_seq).await
}

#[tauri::command]
pub async fn discard(shell: S<'_>, outbox_seq: i64) -> R<()> {
    shell.desk().await?.discard(outbox_seq).await
}

#[tauri::command]
pub async fn sync_now(shell: S<'_>) -> R<()> {
    shell.desk().await?.sync_now().await;
    Ok(())
}

/// Hands a file (or a link) to the system's default app for its type.
fn open_with_system(path: impl AsRef<std::ffi::OsStr>) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    let mut cmd = std::process::Command::new("xdg-open");
    #[cfg(target_os = "macos")]
    let mut cmd = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut cmd = {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    };
    cmd.arg(path).spawn().map(|_| ())
}

#[tauri::command]
pub async fn open_attachment(shell: S<'_>, attachment: Attachment) -> R<()> {
    let path = shell.desk().await?.attachment_file(&attachment).await?;
    open_with_system(&path).map_err(Error::storage)
}

#[tauri::command]
pub async fn save_attachment(shell: S<'_>, attachment: Attachment) -> R<bool> {
    let path = shell.desk().await?.attachment_file(&attachment).await?;
    let Some(dest) = rfd::AsyncFileDialog::new()
        .set_file_name(&attachment.filename)
        .save_file()
        .await
    else {
        return Ok(false);
    };
    tokio::fs::copy(&path, dest.path())
        .await
        .map_err(Error::storage)?;
    Ok(true)
}

#[tauri::command]
pub async fn preferences(shell: S<'_>) -> R<Preferences> {
    Ok(shell.desk().await?.preferences())
}

#[tauri::command]
pub async fn set_preferences(shell: S<'_>, preferences: Preferences) -> R<()> {
    shell.desk().await?.set_preferences(preferences).await
}

#[tauri::command]
pub async fn storage_info(shell: S<'_>) -> R<StorageInfo> {
    shell.desk().await?.storage_info().await
}

// --- outages (desk-client's incidents.rs)

#[tauri::command]
pub async fn known_outage(shell: S<'_>, kind: OutageKind) -> R<Option<KnownOutage>> {
    shell.desk().await?.known_outage(kind).await
}

#[tauri::command]
pub async fn submit_outage_draft(shell: S<'_>) -> R<Uuid> {
    shell.desk().await?.submit_outage_draft().await
}

#[tauri::command]
pub async fn incidents(shell: S<'_>, status: Option<String>) -> R<Vec<Incident>> {
    shell.desk().await?.incidents(status.as_deref()).await
}

#[tauri::command]
pub async fn incident(shell: S<'_>, id: Uuid) -> R<Option<IncidentView>> {
    shell.desk().await?.incident(id).await
}

#[tauri::command]
pub async fn acknowledge_incident(shell: S<'_>, id: Uuid) -> R<Incident> {
    shell.desk().await?.acknowledge_incident(id).await
}

#[tauri::command]
pub async fn post_incident_update(shell: S<'_>, id: Uuid, body: String) -> R<Incident> {
    shell.desk().await?.post_incident_update(id, &body).await
}

#[tauri::command]
pub async fn resolve_incident(shell: S<'_>, id: Uuid, body: String) -> R<Incident> {
    shell.desk().await?.resolve_incident(id, &body).await
}

#[tauri::command]
pub async fn update_incident(shell: S<'_>, id: Uuid, update: UpdateIncident) -> R<Incident> {
    shell.desk().await?.update_incident(id, update).await
}

#[tauri::command]
pub async fn merge_incidents(shell: S<'_>, into: Uuid, from: Uuid) -> R<Incident> {
    shell.desk().await?.merge_incidents(into, from).await
}

#[tauri::command]
pub async fn announce_incident(shell: S<'_>, input: AnnounceInput) -> R<Incident> {
    shell.desk().await?.announce_incident(input).await
}

#[tauri::command]
pub async fn duty_roster(shell: S<'_>) -> R<Vec<DutyAgent>> {
    shell.desk().await?.duty_roster().await
}

#[tauri::command]
pub async fn set_on_duty(shell: S<'_>, on_duty: bool) -> R<DutyAgent> {
    shell.desk().await?.set_on_duty(on_duty).await
}

// --- Telegram (desk-client's telegram.rs)

#[tauri::command]
pub async fn telegram_link_code(shell: S<'_>) -> R<LinkCode> {
    shell.desk().await?.telegram_link_code().await
}

#[tauri::command]
pub async fn telegram_links(shell: S<'_>, organization_id: Option<Uuid>) -> R<LinkedChats> {
    shell.desk().await?.telegram_links(organization_id).await
}

#[tauri::command]
pub async fn unlink_telegram(shell: S<'_>, id: Uuid) -> R<()> {
    shell.desk().await?.unlink_telegram(id).await
}

/// Requests of chats not linked: an agent's from the cache, a customer's from the server.
#[tauri::command]
pub async fn telegram_requests(shell: S<'_>) -> R<TelegramRequests> {
    shell.desk().await?.telegram_requests().await
}

#[tauri::command]
pub async fn approve_telegram_request(
    shell: S<'_>,
    id: Uuid,
    organization_id: Option<Uuid>,
) -> R<TelegramRequest> {
    shell
        .desk()
        .await?
        .approve_telegram_request(id, organization_id)
        .await
}

#[tauri::command]
pub async fn dismiss_telegram_request(shell: S<'_>, id: Uuid) -> R<TelegramRequest> {
    shell.desk().await?.dismiss_telegram_request(id).await
}

/// Opens a bot's `t.me` link in the system's browser (only such a link: see `is_bot_link`).
#[tauri::command]
pub async fn open_telegram_link(url: String) -> R<()> {
    if !desk_client::telegram::is_bot_link(&url) {
        return Err(Error::invalid(
            "Це не посилання на бота підтримки.",
            "This is not a link to the support bot.",
        ));
    }
    open_with_system(&url).map_err(Error::cannot_open_link)
}
