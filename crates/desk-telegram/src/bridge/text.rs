//! What the bots say, in Ukrainian first and in English for a Telegram client set to English.
//! Everything here is HTML for `parse_mode = HTML`: whatever came from people is escaped.

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

/// What a linked chat hears for `/help`, or when it sends something the bot does not take.
pub fn linked_help(bot: Bot, en: bool) -> String {
    match (bot, en) {
        (Bot::Support, false) => "Сюди надходять відповіді спеціалістів підтримки на звернення вашої служби.\n\
            • Щоб відповісти, натисніть «Відповісти» на повідомленні про звернення. Можна надіслати текст, фото, відео, голосове чи файл (до 20 МБ; більші додавайте в програмі Desk).\n\
            • Якщо написати без «Відповісти», бот запитає, до якого звернення це додати, чи створити нове.\n\
            • /new — нове звернення: оберіть тему, прочитайте підказку й опишіть проблему.\n\
            • /tickets — відкриті звернення вашої служби.\n\
            • Якщо виправити надіслане повідомлення, виправлення потрапить у звернення з позначкою «(виправлено)».\n\
            Якщо не працює програма чи телефонія, повідомте про збій у програмі Desk — такі проблеми ми вирішуємо цілодобово.".into(),
        (Bot::Support, true) => "Replies from support to your service's tickets arrive here.\n\
            • To answer one, press «Reply» on its message. Text, photos, videos, voice notes and files work (up to 20 MB; attach larger ones in the Desk app).\n\
            • Write without «Reply» and the bot asks which ticket it belongs to, or whether to file a new one.\n\
            • /new files a ticket: choose the topic, read the hint, describe the problem.\n\
            • /tickets lists your service's open tickets.\n\
            • Edit a message you sent and the correction reaches the ticket, marked «(виправлено)» (corrected).\n\
            If the dispatch program or telephony is down, report an outage in the Desk app: those are handled around the clock.".into(),
        (Bot::Alert, false) => "Цей чат підключено для повідомлень про збої. Щоб повідомити про збій, скористайтеся програмою Desk (кнопка «Повідомити про збій»).".into(),
        (Bot::Alert, true) => "This chat is linked for outage alerts. To report an outage, use the Desk app (the «Report an outage» button).".into(),
    }
}

/// Largest file a bot may send (`sendPhoto`, `sendDocument`); larger ones are named instead.
pub const UPLOAD_LIMIT: u64 = 50 * 1024 * 1024;

/// A specialist's reply on ticket #N, as the support chat shows it; its files follow as photos
/// and documents, except those over the Bot API's 50 MB, which are named here.
pub fn reply(ticket: &Ticket, m: &Message) -> (String, String) {
    let header = format!(
        "{} {}\n{}:\n",
        bold(&format!("#{}", ticket.number)),
        escape(&ticket.subject),
        bold(&m.author.name),
    );
    let mut body = m.body.clone();
    let names: Vec<&str> = m
        .attachments
        .iter()
        .filter(|a| a.size > UPLOAD_LIMIT)
        .map(|a| a.filename.as_str())
        .collect();
    if !names.is_empty() {
        body.push_str(&format!(
            "\n\n📎 {} — відкрийте в програмі Desk.",
            names.join(", ")
        ));
    }
    (header, body)
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("«{}»", escape(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the chat is told of files that did not come through: too large for a bot to download
/// (20 MB), or not handed over by Telegram.
pub fn file_notes(too_large: &[String], failed: &[String], en: bool) -> Option<String> {
    let mut out = Vec::new();
    if !too_large.is_empty() {
        let names = quoted(too_large);
        out.push(match (too_large.len(), en) {
            (1, false) => format!("Файл {names} завеликий: бот може отримати файл лише до 20 МБ. Додайте його до звернення в програмі Desk."),
            (_, false) => format!("Файли {names} завеликі: бот може отримати файл лише до 20 МБ. Додайте їх до звернення в програмі Desk."),
            (_, true) => format!("{names}: too large for the bot, which can only receive files up to 20 MB. Attach it in the Desk app."),
        });
    }
    if !failed.is_empty() {
        let names = quoted(failed);
        out.push(match (failed.len(), en) {
            (1, false) => format!("Не вдалося отримати з Telegram файл {names}. Додайте його до звернення в програмі Desk."),
            (_, false) => format!("Не вдалося отримати з Telegram файли {names}. Додайте їх до звернення в програмі Desk."),
            (_, true) => format!("Telegram did not hand over {names}. Attach it in the Desk app."),
        });
    }
    (!out.is_empty()).then(|| out.join("\n"))
}

/// The chat's message (or its correction) went into ticket #N.
pub fn added(number: i64, corrected: bool, en: bool) -> String {
    match (corrected, en) {
        (false, false) => format!("✓ Додано до звернення #{number}."),
        (false, true) => format!("✓ Added to ticket #{number}."),
        (true, false) => format!("✓ Виправлення додано до звернення #{number}."),
        (true, true) => format!("✓ The correction was added to ticket #{number}."),
    }
}

/// Ticket #N was filed; `notice` is the after-hours notice it got, word for word as in the app.
pub fn filed(number: i64, notice: Option<&str>, en: bool) -> String {
    let n = bold(&format!("#{number}"));
    let mut out = if en {
        format!(
            "✓ Ticket {n} is filed. Support's answer will arrive here; to add something, press «Reply» on this message."
        )
    } else {
        format!(
            "✓ Створено звернення {n}. Відповідь спеціаліста надійде сюди; щоб щось додати, натисніть «Відповісти» на цьому повідомленні."
        )
    };
    if let Some(notice) = notice {
        out.push_str("\n\n");
        out.push_str(&escape(notice));
    }
    out
}

/// Asked under a message that answered no ticket.
pub fn which_ticket(no_open: bool, en: bool) -> String {
    match (no_open, en) {
        (false, false) => "До якого звернення це додати? Оберіть нижче або створіть нове.\nНаступного разу можна одразу натиснути «Відповісти» на повідомленні про звернення.".into(),
        (false, true) => "Which ticket is this about? Choose below, or file a new one.\nNext time you can press «Reply» on the ticket's message instead.".into(),
        (true, false) => "Відкритих звернень у вашої служби немає. Створити з цього повідомлення нове звернення?".into(),
        (true, true) => "Your service has no open tickets. File a new one with this message?".into(),
    }
}

/// A ticket's button: «#N тема», cut to fit a phone's width.
pub fn ticket_button(t: &Ticket) -> String {
    const MAX: usize = 40;
    let subject: String = if t.subject.chars().count() > MAX {
        let cut: String = t.subject.chars().take(MAX - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        t.subject.clone()
    };
    format!("#{} {subject}", t.number)
}

pub fn new_ticket_button(en: bool) -> &'static str {
    if en {
        "New ticket"
    } else {
        "Нове звернення"
    }
}

/// A topic's button; urgent ones (handled around the clock) marked.
pub fn topic_button(t: &desk_domain::Topic, en: bool) -> String {
    let title = if en { &t.title.en } else { &t.title.uk };
    if t.urgent {
        format!("🚨 {title}")
    } else {
        title.clone()
    }
}

pub fn choose_topic(en: bool) -> String {
    if en {
        "What is the new ticket about? Choose the topic:".into()
    } else {
        "Про що нове звернення? Оберіть тему:".into()
    }
}

/// The topic chosen, with its guidance (what to check first, what to attach).
pub fn topic_chosen(t: &desk_domain::Topic, en: bool) -> String {
    let (label, title, guidance) = if en {
        ("Topic", &t.title.en, &t.guidance.en)
    } else {
        ("Тема", &t.title.uk, &t.guidance.uk)
    };
    let mut out = format!("{label}: {}", bold(title));
    if !guidance.trim().is_empty() {
        out.push_str("\n\n");
        out.push_str(&escape(guidance));
    }
    out
}

/// After the topic: what to send. In a group the bot hears only replies to its messages.
pub fn describe(group: bool, en: bool) -> String {
    match (group, en) {
        (false, false) => "Опишіть проблему одним повідомленням — можна з фото, відео чи файлом.".into(),
        (true, false) => "Опишіть проблему у відповідь на це повідомлення (натисніть «Відповісти») — можна з фото, відео чи файлом.".into(),
        (false, true) => "Describe the problem in one message; a photo, video or file may come with it.".into(),
        (true, true) => "Describe the problem in a reply to this message (press «Reply»); a photo, video or file may come with it.".into(),
    }
}

pub fn awaiting_topic(en: bool) -> String {
    if en {
        "Choose the topic on the keyboard above first: your text is kept and becomes the ticket's description.".into()
    } else {
        "Спершу оберіть тему на клавіатурі вище: ваш текст збережено, він стане описом звернення."
            .into()
    }
}

/// A press on a keyboard that no longer applies (shown over the chat).
pub fn stale_choice(en: bool) -> String {
    if en {
        "This choice no longer applies.".into()
    } else {
        "Цей вибір уже неактуальний.".into()
    }
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

// --- chats not linked: the help page's own flow (Start, the service's name, what happened)

/// What a chat not linked hears on Start (or `/help`): how to link it, and that it may write
/// the service's name (and to the alert bot, what is down) here and now.
pub fn unlinked_start(bot: Bot, en: bool) -> String {
    match (bot, en) {
        (Bot::Support, false) => "Вітаємо! Це бот підтримки Desk.\n\
            Щоб підключити чат, напишіть сюди назву вашої служби таксі. Запит підтвердить працівник вашої служби в програмі Desk (сторінка служби → Telegram) або наш спеціаліст — і лише тоді сюди почнуть надходити відповіді.\n\
            Найшвидше — відкрити в програмі Desk «Підключити Telegram» і перейти за посиланням: тоді чат підключиться одразу.".into(),
        (Bot::Support, true) => "Hello! This is the Desk support bot.\n\
            To link this chat, write your taxi service's name here. One of your service's people approves it in the Desk app (the service page → Telegram), or our support does, and only then will replies arrive here.\n\
            Quickest: open «Connect Telegram» in the Desk app and follow the link — the chat is linked at once.".into(),
        (Bot::Alert, false) => "Це бот для повідомлень про збої.\n\
            Якщо щось не працює просто зараз, напишіть сюди назву вашої служби таксі і що сталося — черговий спеціаліст отримає це одразу, навіть уночі.\n\
            Щоб наступного разу повідомлення йшли без перевірки, підключіть цей чат у програмі Desk: «Підключити Telegram» і посилання для бота збоїв.".into(),
        (Bot::Alert, true) => "This bot takes outage reports.\n\
            If something is down right now, write your taxi service's name and what happened — the specialist on duty gets it at once, at night too.\n\
            So that next time reports go through without a check, link this chat in the Desk app: «Connect Telegram» and the link for the outage bot.".into(),
    }
}

/// What a chat not linked hears after writing: kept, and what happens next. Nothing of any
/// organisation, not even whether the name it wrote is one.
pub fn unlinked_kept(bot: Bot, first: bool, en: bool) -> String {
    match (bot, first, en) {
        (Bot::Support, true, false) => "Запит на підключення прийнято. Його має підтвердити працівник вашої служби в програмі Desk (сторінка служби → Telegram) або наш спеціаліст. Доки запит не підтверджено, сюди нічого не надходитиме.".into(),
        (Bot::Support, true, true) => "Link request received. One of your service's people approves it in the Desk app (the service page → Telegram), or our support does. Until then nothing will arrive here.".into(),
        (Bot::Support, false, false) => "Додали до запиту на підключення. Чекаємо на підтвердження.".into(),
        (Bot::Support, false, true) => "Added to the link request. Waiting for approval.".into(),
        (Bot::Alert, true, false) => "Повідомлення передано черговому спеціалісту. Цей чат ще не підключено до служби, тому спершу перевіримо, звідки воно; щойно перевіримо — напишемо сюди.\nЯкщо є що додати (з якого часу, що саме не працює), пишіть сюди.".into(),
        (Bot::Alert, true, true) => "Your message went to the specialist on duty. This chat is not linked to a service yet, so we check where it comes from first; once we have, we write here.\nAnything to add (since when, what exactly is down)? Write it here.".into(),
        (Bot::Alert, false, false) => "Додали до вашого повідомлення — черговий спеціаліст його бачить.".into(),
        (Bot::Alert, false, true) => "Added to your message — the specialist on duty sees it.".into(),
    }
}

/// What a chat hears when its request is decided.
pub fn request_decided(bot: Bot, en: bool, d: &desk_core::services::Decided) -> String {
    use desk_core::services::Decided;
    match d {
        Decided::Approved {
            organization,
            report_number,
        } => {
            let mut s = greeting(bot, organization, en);
            if let Some(n) = report_number {
                s.push_str("\n\n");
                s.push_str(&if en {
                    format!("Your outage report is ticket {}. You will hear here when a specialist takes it on and when it is fixed; reply to this message to add to it.", bold(&format!("#{n}")))
                } else {
                    format!("Ваше повідомлення про збій зареєстровано: звернення {}. Тут ви побачите, коли спеціаліст візьме його в роботу і коли все відновиться; щоб щось додати, дайте відповідь на це повідомлення.", bold(&format!("#{n}")))
                });
            }
            s
        }
        Decided::Dismissed => {
            if en {
                "Your request was not approved: this chat stays unlinked. To link it, open «Connect Telegram» in the Desk app and follow the link for this bot.".into()
            } else {
                "Запит не підтверджено: цей чат не підключено до служби. Щоб підключити його, відкрийте в програмі Desk «Підключити Telegram» і перейдіть за посиланням для цього бота.".into()
            }
        }
    }
}
