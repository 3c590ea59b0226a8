// Every command the app offers its window, named once. Included by build.rs (which makes each
// one a permission and the `commands` set the capability grants), used by lib.rs for
// `generate_handler!`, and written to ui/src/lib/platform/commands.generated.ts by
// tests/commands.rs. A new command: its function in commands.rs, its name here.
// (`include!` takes no inner doc comments, hence plain ones.)

/// Calls `$callback! { name, name, … }` with every command's name.
macro_rules! with_commands {
    ($callback:ident) => {
        $callback! {
            resume,
            sign_in,
            sign_out,
            topics,
            calendar,
            expectation,
            tickets,
            ticket,
            search,
            organizations,
            outbox,
            sync_state,
            unread_count,
            draft,
            save_draft,
            attach_files,
            attach_bytes,
            remove_draft_file,
            discard_draft,
            pick_files,
            submit_ticket_draft,
            submit_reply_draft,
            set_status,
            assign,
            retry,
            discard,
            sync_now,
            open_attachment,
            save_attachment,
            preferences,
            set_preferences,
            storage_info,
            known_outage,
            submit_outage_draft,
            incidents,
            incident,
            acknowledge_incident,
            post_incident_update,
            resolve_incident,
            update_incident,
            merge_incidents,
            announce_incident,
            duty_roster,
            set_on_duty,
            telegram_link_code,
            telegram_links,
            unlink_telegram,
            open_telegram_link,
            telegram_requests,
            approve_telegram_request,
            dismiss_telegram_request,
        }
    };
}
