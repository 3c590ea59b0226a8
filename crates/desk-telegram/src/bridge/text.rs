//! What the bots say, in Ukrainian first and in English for a Telegram client set to English.
//! Everything here is HTML for `parse_mode = HTML`: whatever came from people is escaped.

use desk_core::services::TelegramReply;
use desk_domain::{Bot, Message, Organization, Ticket};

use crate::html::{bold, escape};

/// English when the person's Telegram client is set to English; Ukrainian otherwise.
pub fn english(language_code: Option<&str>) -> bool {
    language_code.is_some_and(|l| l.starts_with("en"))
}

pub fn greeting(bot: Bot, org: &Organization, en: bool) -> String {
    let name = &org.name;
    match (bot, en) {
        (Bot::Support, false) => format!(
            "Вітаємо! Цей чат підключено до служби таксі {}.\nСюди надходитимуть відповіді спеціалістів підтримки на звернення вашої служби; щоб відповісти, натисніть «Відповісти» на повідомленні.",
            bold(name)
        ),
        (Bot::Support, true) => format!(
            "Hello! This chat is now linked to {}.\nReplies from support to your service's tickets will arrive here; to answer one, reply to its message.",
            bold(name)
        ),
        (Bot::Alert, false) => format!(
            "Вітаємо! Цей чат підключено до служби таксі {} для повідомлень про збої.",
            bold(name)
        ),
        (Bot::Alert, true) => format!(
            "Hello! This chat is now linked to {} for outage alerts.",
            bold(name)
        ),
    }
}

pub fn code_refused(en: bool) -> String {
    if en {
        "This link does not work (any more). In the Desk app open «Connect Telegram» and use the new link it shows: it is valid for 10 minutes.".into()
    } else {
        "Це посилання не підходить або вже недійсне. У програмі Desk відкрийте «Підключити Telegram» і скористайтеся новим посиланням: воно діє 10 хвилин.".into()
    }
}

/// What an unlinked chat hears: how to link it, and nothing of any organisation.
pub fn not_linked(en: bool) -> String {
    if en {
        "This chat is not linked to a taxi service yet. In the Desk app open «Connect Telegram» and follow the link for this bot.".into()
    } else {
        "Цей чат ще не підключено до служби таксі. У програмі Desk відкрийте «Підключити Telegram» і перейдіть за посиланням для цього бота.".into()
    }
}

/// What a linked chat hears when it writes: honest about what the bot does today.
pub fn linked_help(bot: Bot, en: bool) -> String {
    match (bot, en) {
        (Bot::Support, false) => "Сюди надходять відповіді спеціалістів на звернення вашої служби. Щоб відповісти, натисніть «Відповісти» на повідомленні про звернення. /tickets — відкриті звернення. Нове звернення поки що створюйте в програмі Desk.".into(),
        (Bot::Support, true) => "Replies from support to your service's tickets arrive here. To answer one, press «Reply» on its message. /tickets lists the open ones. New tickets are filed in the Desk app for now.".into(),
        (Bot::Alert, false) => "Цей чат підключено для повідомлень про збої. Щоб повідомити про збій, скористайтеся програмою Desk (кнопка «Повідомити про збій»).".into(),
        (Bot::Alert, true) => "This chat is linked for outage alerts. To report an outage, use the Desk app (the «Report an outage» button).".into(),
    }
}

/// A specialist's reply on ticket #N, as the support chat shows it.
pub fn reply(ticket: &Ticket, m: &Message) -> (String, String) {
    let header = format!(
        "{} {}\n{}:\n",
        bold(&format!("#{}", ticket.number)),
        escape(&ticket.subject),
        bold(&m.author.name),
    );
    let mut body = m.body.clone();
    if !m.attachments.is_empty() {
        let names: Vec<&str> = m.attachments.iter().map(|a| a.filename.as_str()).collect();
        body.push_str(&format!(
            "\n\n📎 {} — відкрийте в програмі Desk.",
            names.join(", ")
        ));
    }
    (header, body)
}

/// Files sent to the support bot are not taken yet: said plainly, with what to do.
pub fn files_not_yet(en: bool) -> String {
    if en {
        "Files sent here do not reach support yet: attach them in the Desk app.".into()
    } else {
        "Файли, надіслані сюди, поки що не потрапляють до підтримки: додайте їх у програмі Desk."
            .into()
    }
}

/// What the chat hears after a customer's answer.
pub fn reply_outcome(outcome: &TelegramReply, en: bool) -> Option<String> {
    Some(match (outcome, en) {
        (TelegramReply::Added { number, .. }, false) => format!("✓ Додано до звернення #{number}."),
        (TelegramReply::Added { number, .. }, true) => format!("✓ Added to ticket #{number}."),
        (TelegramReply::NoTicket, false) => "Щоб відповісти на звернення, натисніть «Відповісти» на повідомленні бота про нього. Нове звернення поки що створюйте в програмі Desk.".into(),
        (TelegramReply::NoTicket, true) => "To answer a ticket, press «Reply» on the bot's message about it. New tickets are filed in the Desk app for now.".into(),
        (TelegramReply::NotLinked, _) => not_linked(en),
        (TelegramReply::Refused(e), false) => escape(&e.uk),
        (TelegramReply::Refused(e), true) => escape(&e.en),
        (TelegramReply::AlreadyHandled, _) => return None,
    })
}

/// Most tickets `/tickets` lists.
pub const TICKETS_LISTED: u32 = 20;

fn status_en(s: desk_domain::TicketStatus) -> &'static str {
    match s {
        desk_domain::TicketStatus::New => "new",
        desk_domain::TicketStatus::InProgress => "in progress",
        desk_domain::TicketStatus::WaitingForCustomer => "waiting for your answer",
        desk_domain::TicketStatus::Resolved => "resolved",
        desk_domain::TicketStatus::Closed => "closed",
    }
}

/// `/tickets`: the service's open tickets, one a line.
pub fn open_tickets(page: &desk_domain::TicketPage, en: bool) -> String {
    if page.items.is_empty() {
        return if en {
            "Your service has no open tickets.".into()
        } else {
            "Відкритих звернень у вашої служби немає.".into()
        };
    }
    let mut out = if en {
        "Open tickets:\n".to_owned()
    } else {
        "Відкриті звернення:\n".to_owned()
    };
    for t in &page.items {
        let status = if en {
            status_en(t.status)
        } else {
            desk_core::error::status_uk(t.status)
        };
        out.push_str(&format!(
            "{} {} — {}\n",
            bold(&format!("#{}", t.number)),
            escape(&t.subject),
            status
        ));
    }
    if page.next.is_some() {
        out.push_str(if en {
            "…and more in the Desk app."
        } else {
            "…решта — у програмі Desk."
        });
    }
    out
}
