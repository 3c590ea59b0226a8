//! The TypeScript types the UI uses for everything crossing IPC are generated from these Rust
//! types; this test fails when `ui/src/lib/types/bindings.ts` no longer matches them.
//! Regenerate with `UPDATE_BINDINGS=1 cargo test -p desk-client --test bindings`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use ts_rs::TS;

fn generate() -> String {
    let cfg = ts_rs::Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types of desk-domain and desk-client by\n\
         // crates/desk-client/tests/bindings.rs. Do not edit: change the Rust types and run\n\
         // `UPDATE_BINDINGS=1 cargo test -p desk-client --test bindings`.\n\n",
    );
    macro_rules! decl {
        ($($t:ty),* $(,)?) => {
            $(
                out.push_str("export ");
                out.push_str(&<$t as TS>::decl(&cfg));
                out.push_str("\n\n");
            )*
        };
    }
    use desk_client::*;
    use desk_domain::*;
    decl!(
        ErrorCode,
        ErrorBody,
        Role,
        Organization,
        User,
        Me,
        Localized,
        Topic,
        Attachment,
        TicketStatus,
        Channel,
        PersonRef,
        WaitClock,
        Ticket,
        BusinessCalendar,
        HandledDay,
        Expectation,
        Message,
        UpdateTicket,
        CachedTicket,
        CachedMessage,
        SearchHit,
        TicketQuery,
        Account,
        SyncState,
        ClientEvent,
        SendState,
        TicketItem,
        TicketView,
        desk_client::MessageItem,
        NewTicketInput,
        ReplyInput,
        DraftInput,
        Draft,
        LocalFile,
        OutboxItem,
        OutboxState,
        desk_client::local::Op,
        Notification,
        NotificationKind,
        Error,
        Preferences,
        StorageInfo,
        OrgRef,
        OutageKind,
        IncidentStatus,
        OrganizationRef,
        IncidentEventKind,
        IncidentEvent,
        Incident,
        ReportOutage,
        OutageReport,
        CreateIncident,
        PostIncidentUpdate,
        UpdateIncident,
        MergeIncident,
        Page,
        DutyAgent,
        SetDuty,
        NotificationUrgency,
        KnownOutage,
        IncidentView,
        PageItem,
        AnnounceInput,
        Bot,
        BotIdentity,
        BotLink,
        LinkCode,
        ChatKind,
        ChatRef,
        TelegramLink,
        LinkedChats,
        TelegramRequestStatus,
        TelegramRequest,
        ApproveTelegramRequest,
        TelegramRequests,
    );
    out.trim_end().to_owned() + "\n"
}

#[test]
fn bindings_are_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/types/bindings.ts");
    let want = generate();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date with the Rust types: run `UPDATE_BINDINGS=1 cargo test -p desk-client --test bindings`",
        path.display()
    );
}
