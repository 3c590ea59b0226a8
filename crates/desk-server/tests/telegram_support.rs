//! The support bot end to end, against the Bot API stand-in (the one double allowed): files
//! both ways and the 20/50 MB limits, the «which ticket?» keyboard, `/new` with its topics and
//! the after-hours notice, edits, `/help`, and a restart in the middle of a conversation.

mod common;

use std::time::Duration;

use common::telegram::{self, buttons, eventually_some};
use common::*;
use desk_domain::{Message, Ticket};
use desk_server::Clock;
use desk_testkit::Cast;
use desk_testkit::bot_api::{BotApi, Sent, TgChat, TgDocument, TgUser};

struct World {
    api: BotApi,
    support: String,
    cast: Cast,
    olena: TgUser,
    chat: TgChat,
}

/// A server running the bots on `clock`, and Olena's private chat linked to the support bot
/// and greeted.
async fn world_on(clock: Clock) -> anyhow::Result<World> {
    let both = telegram::world_on(clock).await?;
    let (olena, chat) = both.linked_olena().await?;
    let telegram::World {
        api, support, cast, ..
    } = both;
    Ok(World {
        api,
        support,
        cast,
        olena,
        chat,
    })
}

async fn world() -> anyhow::Result<World> {
    world_on(Clock::system()).await
}

impl World {
    fn sent(&self) -> Vec<Sent> {
        self.api.sent_to(self.chat.id)
    }

    /// Waits for the `n`-th message to Olena's chat.
    async fn nth(&self, n: usize) -> anyhow::Result<Sent> {
        eventually_some(&format!("message {n}"), || async move {
            Ok(self.sent().get(n - 1).cloned())
        })
        .await
    }

    async fn nth_text(&self, n: usize) -> anyhow::Result<String> {
        Ok(self.nth(n).await?.text.unwrap_or_default())
    }

    /// A specialist's reply on `t`, waited for in the chat as message `n`; its message id.
    async fn reply_about(&self, t: &Ticket, text: &str, n: usize) -> anyhow::Result<i64> {
        self.cast.agent.reply(t.id, text, false).await?;
        Ok(self.nth(n).await?.message_id)
    }

    async fn messages(&self, t: &Ticket) -> anyhow::Result<Vec<Message>> {
        self.cast
            .alice
            .get_json(&format!("/api/v1/tickets/{}/messages", t.id))
            .await
    }

    /// Waits for ticket `t` to have `n` messages.
    async fn messages_n(&self, t: &Ticket, n: usize) -> anyhow::Result<Vec<Message>> {
        eventually_some(&format!("{n} messages in #{}", t.number), || async move {
            let m = self.messages(t).await?;
            Ok((m.len() >= n).then_some(m))
        })
        .await
    }

    /// Presses the button whose text starts with `label` under message `keyboard`.
    fn press(&self, keyboard: &Sent, label: &str) -> anyhow::Result<()> {
        let data = button(keyboard, label)?;
        self.api.push_callback(
            &self.support,
            &self.chat,
            &self.olena,
            keyboard.message_id,
            &data,
        );
        Ok(())
    }

    /// Waits for the `n`-th edit of a bot message in the chat.
    async fn nth_edit(&self, n: usize) -> anyhow::Result<String> {
        eventually_some(&format!("edit {n}"), || async move {
            Ok(self
                .api
                .edits()
                .into_iter()
                .filter(|e| e.chat_id == self.chat.id)
                .nth(n - 1)
                .map(|e| e.text.unwrap_or_default()))
        })
        .await
    }
}

fn button(m: &Sent, label: &str) -> anyhow::Result<String> {
    buttons(m)
        .into_iter()
        .find(|(t, _)| t.starts_with(label))
        .map(|(_, d)| d)
        .ok_or_else(|| anyhow::anyhow!("no button «{label}» in {:?}", buttons(m)))
}

/// A small PNG: its signature is what the attachment service sniffs.
fn png(len: usize, seed: u64) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend(noise(len, seed));
    b
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(700)).await;
}

#[tokio::test]
async fn photos_and_voice_notes_in_a_reply_become_the_tickets_attachments() -> anyhow::Result<()> {
    let w = world().await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    let about = w.reply_about(&t, "Надішліть фото екрана", 2).await?;

    let photo = png(300_000, 1);
    w.api.push_photo_reply(
        &w.support,
        &w.chat,
        &w.olena,
        about,
        photo.clone(),
        Some("Ось що на екрані"),
    );
    let confirm = w.nth_text(3).await?;
    assert!(confirm.contains(&format!("#{}", t.number)), "{confirm}");
    let msgs = w.messages_n(&t, 3).await?;
    let m = &msgs[2];
    assert_eq!(m.body, "Ось що на екрані");
    assert_eq!(m.channel, desk_domain::Channel::Telegram);
    assert_eq!(m.author.id, w.cast.alice.user().id);
    assert_eq!(m.attachments.len(), 1);
    let a = &m.attachments[0];
    assert_eq!(a.sha256, sha256_hex(&photo));
    assert_eq!(a.size, photo.len() as u64);
    assert_eq!(
        a.media_type, "image/png",
        "sniffed, not taken from Telegram"
    );
    let res = w
        .cast
        .alice
        .get(&format!("/api/v1/attachments/{}", a.id))
        .await?;
    assert_eq!(res.bytes().await?.to_vec(), photo);

    // A voice note with no text: the message names it.
    let voice = b"OggS\0\x02"
        .iter()
        .copied()
        .chain(noise(5_000, 2))
        .collect::<Vec<u8>>();
    w.api
        .push_voice_reply(&w.support, &w.chat, &w.olena, about, voice.clone());
    w.nth(4).await?;
    let msgs = w.messages_n(&t, 4).await?;
    assert_eq!(msgs[3].attachments.len(), 1);
    assert_eq!(msgs[3].attachments[0].sha256, sha256_hex(&voice));
    assert!(msgs[3].body.contains(".ogg"), "{}", msgs[3].body);
    Ok(())
}

#[tokio::test]
async fn a_file_over_20_mb_is_refused_plainly_and_its_text_still_lands() -> anyhow::Result<()> {
    let w = world().await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    let about = w.reply_about(&t, "Запишіть відео", 2).await?;
    let big = TgDocument {
        file_name: "kasa.mp4",
        mime_type: "video/mp4",
        bytes: noise(21 * 1024 * 1024, 3),
    };
    w.api.push_document_reply(
        &w.support,
        &w.chat,
        &w.olena,
        about,
        big,
        Some("Відео з каси"),
    );
    let confirm = w.nth_text(3).await?;
    assert!(confirm.contains(&format!("#{}", t.number)), "{confirm}");
    let refused = w.nth_text(4).await?;
    assert!(refused.contains("«kasa.mp4» завеликий"), "{refused}");
    assert!(refused.contains("20 МБ"), "{refused}");
    assert!(refused.contains("програмі Desk"), "{refused}");
    let msgs = w.messages_n(&t, 3).await?;
    assert_eq!(msgs[2].body, "Відео з каси");
    assert!(msgs[2].attachments.is_empty());
    // The file was never asked for: its size in the update was enough.
    assert!(
        !w.api
            .calls()
            .iter()
            .any(|c| c.method.eq_ignore_ascii_case("getFile")),
        "getFile was called"
    );
    Ok(())
}

#[tokio::test]
async fn a_specialists_files_reach_the_chat_as_photos_and_documents_up_to_50_mb()
-> anyhow::Result<()> {
    let w = world().await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    let shot = png(200_000, 4);
    let pdf = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain(noise(100_000, 5))
        .collect::<Vec<u8>>();
    let huge = noise(60 * 1024 * 1024, 6);
    let a1 = upload_ok(&w.cast.agent, "screen.png", shot.clone()).await?;
    let a2 = upload_ok(&w.cast.agent, "instrukciya.pdf", pdf.clone()).await?;
    let a3 = upload_ok(&w.cast.agent, "backup.zip", huge).await?;
    let res = w
        .cast
        .agent
        .post(
            &format!("/api/v1/tickets/{}/messages", t.id),
            &serde_json::json!({"id": uuid::Uuid::now_v7(), "body": "Дивіться інструкцію",
                "attachment_ids": [a1.id, a2.id, a3.id]}),
        )
        .await?;
    assert!(res.status().is_success(), "{}", res.text().await?);

    let text = w.nth(2).await?;
    let body = text.text.clone().unwrap_or_default();
    assert_eq!(text.method, "sendMessage");
    assert!(body.contains("Дивіться інструкцію"), "{body}");
    assert!(
        body.contains("backup.zip — відкрийте в програмі"),
        "the 60 MB file is named: {body}"
    );
    assert!(!body.contains("screen.png"), "{body}");
    let photo = w.nth(3).await?;
    assert_eq!(photo.method, "sendPhoto");
    assert_eq!(photo.file.as_ref().map(|f| &f.bytes), Some(&shot));
    assert!(
        photo
            .caption
            .as_deref()
            .unwrap_or("")
            .contains(&format!("#{}", t.number)),
        "{photo:?}"
    );
    let doc = w.nth(4).await?;
    assert_eq!(doc.method, "sendDocument");
    let f = doc.file.as_ref().expect("a file");
    assert_eq!(f.bytes, pdf);
    assert_eq!(f.name, "instrukciya.pdf");
    assert_eq!(f.content_type, "application/pdf");
    settle().await;
    assert_eq!(
        w.sent().len(),
        4,
        "nothing else, no upload of the 60 MB file"
    );

    // A reply to the photo lands in the ticket too.
    w.api.push_reply(
        &w.support,
        &w.chat,
        &w.olena,
        photo.message_id,
        "Дякую, допомогло",
    );
    w.nth(5).await?;
    let msgs = w.messages_n(&t, 3).await?;
    assert_eq!(msgs[2].body, "Дякую, допомогло");
    Ok(())
}

#[tokio::test]
async fn a_message_that_answers_no_ticket_goes_where_the_button_says_once() -> anyhow::Result<()> {
    let mut w = world().await?;
    let older = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    let newer = w
        .cast
        .alice
        .create_ticket(OTHER_TOPIC, "Звіт за зміну порожній", "Вчора")
        .await?;
    w.cast
        .bob
        .create_ticket(TOPIC, "Злагода: тарифи", "Текст")
        .await?;

    let photo = png(50_000, 7);
    w.api.push_photo(
        &w.support,
        &w.chat,
        &w.olena,
        photo.clone(),
        Some("Каса 2 знову не друкує"),
    );
    let keyboard = w.nth(2).await?;
    let text = keyboard.text.clone().unwrap_or_default();
    assert!(text.contains("До якого звернення"), "{text}");
    let labels: Vec<String> = buttons(&keyboard).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        labels,
        [
            format!("#{} Звіт за зміну порожній", newer.number),
            format!("#{} Не друкуються чеки", older.number),
            "Нове звернення".to_owned(),
        ],
        "open tickets newest first, only this service's"
    );
    assert_eq!(w.messages(&older).await?.len(), 1, "held, in no ticket yet");

    w.press(&keyboard, &format!("#{}", older.number))?;
    let edited = w.nth_edit(1).await?;
    assert!(
        edited.contains(&format!("Додано до звернення #{}", older.number)),
        "{edited}"
    );
    let msgs = w.messages_n(&older, 2).await?;
    assert_eq!(msgs[1].body, "Каса 2 знову не друкує");
    assert_eq!(msgs[1].channel, desk_domain::Channel::Telegram);
    assert_eq!(msgs[1].attachments.len(), 1);
    assert_eq!(msgs[1].attachments[0].sha256, sha256_hex(&photo));
    assert_eq!(w.api.callback_answers().len(), 1);

    // The same button again (a double tap, or the other ticket's after all): nothing moves.
    w.press(&keyboard, &format!("#{}", older.number))?;
    w.press(&keyboard, &format!("#{}", newer.number))?;
    eventually_some("both presses answered", || async {
        Ok((w.api.callback_answers().len() == 3).then_some(()))
    })
    .await?;
    let answers = w.api.callback_answers();
    assert!(
        answers[1..]
            .iter()
            .all(|a| a.text.as_deref() == Some("Цей вибір уже неактуальний.")),
        "{answers:?}"
    );
    settle().await;
    assert_eq!(w.messages(&older).await?.len(), 2);
    assert_eq!(w.messages(&newer).await?.len(), 1);

    // A press that arrives while the server is down is handled once it is back, once.
    w.api.push_text(&w.support, &w.chat, &w.olena, "І звіт теж");
    let second = w.nth(3).await?;
    w.cast.server.stop().await?;
    w.press(&second, &format!("#{}", newer.number))?;
    w.cast.server.start_again().await?;
    let msgs = w.messages_n(&newer, 2).await?;
    assert_eq!(msgs[1].body, "І звіт теж");
    settle().await;
    assert_eq!(w.messages(&newer).await?.len(), 2);
    assert_eq!(w.api.callback_answers().len(), 4);
    Ok(())
}

/// 23:30 in Kyiv on a Monday: outside the default working hours (08:00–20:00).
fn night() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2027-01-11T23:30:00+02:00")
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

#[tokio::test]
async fn new_files_a_ticket_on_the_chosen_topic_with_the_apps_after_hours_notice()
-> anyhow::Result<()> {
    let w = world_on(Clock::manual(night())).await?;
    w.api.push_text(&w.support, &w.chat, &w.olena, "/new");
    let topics = w.nth(2).await?;
    assert!(
        topics
            .text
            .as_deref()
            .unwrap_or("")
            .contains("Оберіть тему"),
        "{topics:?}"
    );
    let labels: Vec<String> = buttons(&topics).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        labels.last().map(String::as_str),
        Some("Інше"),
        "{labels:?}"
    );
    assert!(
        labels.contains(&"🚨 Не працює телефонія".to_owned()),
        "{labels:?}"
    );

    w.press(&topics, "Тарифи")?;
    let chosen = w.nth_edit(1).await?;
    assert!(
        chosen.contains("Тема: <b>Тарифи та вартість поїздок</b>"),
        "{chosen}"
    );
    assert!(
        chosen.contains("Якщо вартість порахувалася неправильно"),
        "guidance: {chosen}"
    );
    let ask = w.nth_text(3).await?;
    assert!(ask.contains("Опишіть проблему"), "{ask}");

    let shot = png(40_000, 8);
    w.api.push_photo(
        &w.support,
        &w.chat,
        &w.olena,
        shot.clone(),
        Some("Нічний тариф не вмикається\nПісля 23:00 рахує як удень"),
    );
    let filed = w.nth_text(4).await?;
    let tickets = list_all(&w.cast.alice).await?;
    assert_eq!(tickets.len(), 1);
    let t = &tickets[0];
    assert!(
        filed.contains(&format!("Створено звернення <b>#{}</b>", t.number)),
        "{filed}"
    );
    assert_eq!(t.topic_id, TOPIC);
    assert_eq!(t.subject, "Нічний тариф не вмикається");
    assert_eq!(t.requester.id, w.cast.alice.user().id);
    let msgs = w.messages(t).await?;
    assert_eq!(msgs[0].channel, desk_domain::Channel::Telegram);
    assert_eq!(
        msgs[0].body,
        "Нічний тариф не вмикається\nПісля 23:00 рахує як удень"
    );
    assert_eq!(msgs[0].attachments[0].sha256, sha256_hex(&shot));
    // The same notice the app's filing writes, word for word.
    let notice = &msgs[1];
    assert_eq!(notice.channel, desk_domain::Channel::System);
    assert!(notice.body.contains("неробочий час"), "{}", notice.body);
    assert!(
        filed.contains(&notice.body),
        "{filed}\n---\n{}",
        notice.body
    );

    // The answer about the new ticket takes replies into it.
    let about = w.nth(4).await?.message_id;
    w.api
        .push_reply(&w.support, &w.chat, &w.olena, about, "Зміна 5, водій 12");
    w.nth(5).await?;
    assert_eq!(w.messages_n(t, 3).await?[2].body, "Зміна 5, водій 12");
    Ok(())
}

#[tokio::test]
async fn new_ticket_on_the_keyboard_files_the_held_message() -> anyhow::Result<()> {
    let w = world().await?;
    w.api.push_text(
        &w.support,
        &w.chat,
        &w.olena,
        "Не відкривається карта в диспетчерській",
    );
    let keyboard = w.nth(2).await?;
    assert!(
        keyboard.text.as_deref().unwrap_or("").contains("немає"),
        "no open tickets: {keyboard:?}"
    );
    w.press(&keyboard, "Нове звернення")?;
    let topics_text = w.nth_edit(1).await?;
    assert!(topics_text.contains("Оберіть тему"), "{topics_text}");
    // The keyboard message itself now offers the topics.
    let edit = w.api.edits().into_iter().next().expect("an edit");
    let as_sent = Sent {
        reply_markup: edit.reply_markup.clone(),
        ..keyboard.clone()
    };
    w.press(&as_sent, "Карта")?;
    let filed = w.nth_text(3).await?;
    let tickets = list_all(&w.cast.alice).await?;
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].topic_id, "maps-addresses");
    assert_eq!(
        tickets[0].subject,
        "Не відкривається карта в диспетчерській"
    );
    assert!(
        filed.contains(&format!("#{}", tickets[0].number)),
        "{filed}"
    );
    assert!(
        !filed.contains("неробочий"),
        "working hours: no notice: {filed}"
    );
    // The held message went once; the old keyboard is stale.
    w.press(&keyboard, "Нове звернення")?;
    eventually_some("the stale press answered", || async {
        Ok((w.api.callback_answers().len() == 3).then_some(()))
    })
    .await?;
    settle().await;
    assert_eq!(list_all(&w.cast.alice).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn an_edited_message_adds_the_correction_to_its_ticket() -> anyhow::Result<()> {
    let w = world().await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    let about = w.reply_about(&t, "З котрої години?", 2).await?;
    let mine = w
        .api
        .push_reply(&w.support, &w.chat, &w.olena, about, "З 9:00");
    w.nth(3).await?;
    w.api
        .push_edit(&w.support, &w.chat, &w.olena, mine, "З 8:00, каса 2");
    let said = w.nth_text(4).await?;
    assert!(
        said.contains(&format!("Виправлення додано до звернення #{}", t.number)),
        "{said}"
    );
    let msgs = w.messages_n(&t, 4).await?;
    assert_eq!(msgs[2].body, "З 9:00");
    assert_eq!(msgs[3].body, "(виправлено) З 8:00, каса 2");
    assert_eq!(msgs[3].channel, desk_domain::Channel::Telegram);

    // An edit of a message that went into no ticket (a command) adds nothing anywhere.
    let cmd = w.api.push_text(&w.support, &w.chat, &w.olena, "/tickets");
    w.nth(5).await?;
    w.api
        .push_edit(&w.support, &w.chat, &w.olena, cmd, "/tickets all");
    settle().await;
    assert_eq!(w.sent().len(), 5);
    assert_eq!(w.messages(&t).await?.len(), 4);
    Ok(())
}

#[tokio::test]
async fn help_says_what_the_bot_does_in_the_clients_language() -> anyhow::Result<()> {
    let w = world().await?;
    w.api.push_text(&w.support, &w.chat, &w.olena, "/help");
    let uk = w.nth_text(2).await?;
    for part in ["«Відповісти»", "/new", "/tickets", "20 МБ", "(виправлено)"]
    {
        assert!(uk.contains(part), "{part}: {uk}");
    }
    let english = w.olena.clone().language("en-GB");
    w.api.push_text(&w.support, &w.chat, &english, "/help");
    let en = w.nth_text(3).await?;
    assert!(en.contains("Replies from support"), "{en}");
    assert!(en.contains("/new"), "{en}");
    Ok(())
}

#[tokio::test]
async fn an_album_is_asked_about_once_and_goes_as_one_message() -> anyhow::Result<()> {
    let w = world().await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    let (a, b) = (png(30_000, 9), png(30_000, 10));
    w.api.push_album(
        &w.support,
        &w.chat,
        &w.olena,
        vec![a.clone(), b.clone()],
        Some("Обидві каси"),
    );
    let keyboard = w.nth(2).await?;
    settle().await;
    assert_eq!(w.sent().len(), 2, "one question for the whole album");
    w.press(&keyboard, &format!("#{}", t.number))?;
    let msgs = w.messages_n(&t, 2).await?;
    assert_eq!(msgs[1].body, "Обидві каси");
    let sums: Vec<&str> = msgs[1]
        .attachments
        .iter()
        .map(|x| x.sha256.as_str())
        .collect();
    assert_eq!(sums, [sha256_hex(&a), sha256_hex(&b)]);
    Ok(())
}

#[tokio::test]
async fn a_photo_sent_while_the_server_is_down_lands_once_after_the_restart() -> anyhow::Result<()>
{
    let mut w = world().await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    let about = w.reply_about(&t, "Надішліть фото", 2).await?;
    w.cast.server.stop().await?;
    let photo = png(80_000, 11);
    w.api
        .push_photo_reply(&w.support, &w.chat, &w.olena, about, photo.clone(), None);
    w.cast.server.start_again().await?;
    w.nth(3).await?;
    // Once more, for good measure: a second restart repeats nothing.
    w.cast.server.restart().await?;
    settle().await;
    let msgs = w.messages(&t).await?;
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert_eq!(msgs[2].attachments[0].sha256, sha256_hex(&photo));
    assert!(msgs[2].body.starts_with("📎 photo_"), "{}", msgs[2].body);
    assert_eq!(w.sent().len(), 3);
    Ok(())
}
