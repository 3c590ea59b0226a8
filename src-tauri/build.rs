//! Generates the Tauri context and one permission per app command, so the capability file can
//! grant exactly the commands the UI uses and nothing else.

const COMMANDS: &[&str] = &[
    "resume",
    "sign_in",
    "sign_out",
    "topics",
    "calendar",
    "expectation",
    "tickets",
    "ticket",
    "search",
    "organizations",
    "outbox",
    "sync_state",
    "unread_count",
    "draft",
    "save_draft",
    "attach_files",
    "attach_bytes",
    "remove_draft_file",
    "discard_draft",
    "pick_files",
    "submit_ticket_draft",
    "submit_reply_draft",
    "set_status",
    "assign",
    "retry",
    "discard",
    "sync_now",
    "open_attachment",
    "save_attachment",
    "preferences",
    "set_preferences",
    "storage_info",
    "known_outage",
    "submit_outage_draft",
    "incidents",
    "incident",
    "acknowledge_incident",
    "post_incident_update",
    "resolve_incident",
    "update_incident",
    "merge_incidents",
    "announce_incident",
    "duty_roster",
    "set_on_duty",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri build step failed: {e}"));
}
