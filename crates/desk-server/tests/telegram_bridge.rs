//! The Telegram bridge end to end: a real desk-server running it against the Bot API stand-in
//! on 127.0.0.1 (the one double allowed: the real Bot API cannot be reached here). A customer
//! links a chat with the one-time link from the API, a specialist's reply reaches it (an
//! internal note and another service's tickets never do), an unlinked chat learns only how to
//! link, a restart neither loses nor repeats anything, and a chat that blocks the bot is
//! unlinked at once.

mod common;

use std::time::Duration;

use common::telegram::*;
use common::*;
use desk_domain::TelegramLink;
use desk_testkit::bot_api::{Fault, TgChat, TgUser};

#[tokio::test]
async fn a_chat_linked_from_the_app_hears_the_specialists_replies_and_nothing_else()
-> anyhow::Result<()> {
    let w = world().await?;
    let code = w.link_code().await?;
    assert_eq!(code.links[0].username, "desk_support_bot");
    let olena = TgUser::new(5001, "Олена");
    let chat = TgChat::private(&olena);
    w.api
        .push_text(&w.support, &chat, &olena, &format!("/start {}", code.code));
    let greeting = w.nth_to(chat.id, 1).await?;
    assert!(greeting.contains("Таксі Ластівка"), "{greeting}");
    let links: Vec<TelegramLink> = w.cast.alice.get_json("/api/v1/telegram/links").await?;
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].chat.id, chat.id);

    // An internal note, another service's ticket and the customer's own message stay out;
    // the specialist's reply comes in, with the ticket's number and the text escaped.
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    let theirs = w.cast.bob.create_ticket(TOPIC, "Інше", "Текст").await?;
    w.cast.agent.reply(t.id, "Нотатка: принтер", true).await?;
    w.cast
        .agent
        .reply(theirs.id, "Відповідь іншій службі", false)
        .await?;
    w.cast
        .agent
        .reply(t.id, "Перезапустіть касу <Ctrl+R> & спробуйте", false)
        .await?;
    let reply = w.nth_to(chat.id, 2).await?;
    assert!(reply.contains(&format!("#{}", t.number)), "{reply}");
    assert!(
        reply.contains("Перезапустіть касу &lt;Ctrl+R&gt; &amp; спробуйте"),
        "{reply}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        w.sent_to(chat.id).len(),
        2,
        "nothing else: {:?}",
        w.sent_to(chat.id)
    );

    // A stranger's chat learns that its request waits for approval, and nothing of any service.
    let stranger = TgUser::new(6666, "Хтось");
    let theirs_chat = TgChat::private(&stranger);
    w.api.push_text(
        &w.support,
        &theirs_chat,
        &stranger,
        "Покажіть звернення Ластівки",
    );
    let answer = w.nth_to(theirs_chat.id, 1).await?;
    assert!(
        answer.contains("Доки запит не підтверджено, сюди нічого не надходитиме"),
        "{answer}"
    );
    assert!(!answer.contains("Ластівка"));
    Ok(())
}

#[tokio::test]
async fn a_restart_neither_loses_nor_repeats_an_update_or_a_message() -> anyhow::Result<()> {
    let mut w = world().await?;
    let (olena, chat) = w.linked_olena().await?;
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;

    w.cast.server.stop().await?;
    // Written while the server is down: an update waiting at Telegram.
    w.api.push_text(&w.support, &chat, &olena, "Дякую");
    w.cast.server.start_again().await?;
    // It answers no ticket: the chat is asked which one it belongs to.
    let asked = w.nth_to(chat.id, 2).await?;
    assert!(asked.contains("До якого звернення"), "{asked}");
    w.cast.agent.reply(t.id, "Готово", false).await?;
    let reply = w.nth_to(chat.id, 3).await?;
    assert!(reply.contains("Готово"), "{reply}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(w.sent_to(chat.id).len(), 3, "{:?}", w.sent_to(chat.id));
    Ok(())
}

#[tokio::test]
async fn a_chat_that_blocked_the_bot_is_unlinked_and_a_429_only_delays() -> anyhow::Result<()> {
    let w = world().await?;
    let code = w.link_code().await?;
    let olena = TgUser::new(5001, "Олена");
    let chat = TgChat::private(&olena);
    w.api
        .inject(Fault::retry_after(1).method("sendMessage").times(1));
    w.api
        .push_text(&w.support, &chat, &olena, &format!("/start {}", code.code));
    // The greeting waits out the 429 and then arrives, once.
    let greeting = w.nth_to(chat.id, 1).await?;
    assert!(greeting.contains("Таксі Ластівка"), "{greeting}");

    w.api.inject(Fault::blocked().chat(chat.id));
    let t = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    w.cast.agent.reply(t.id, "Готово", false).await?;
    let alice = &w.cast.alice;
    eventually_some("the link to go inactive", || async move {
        let links: Vec<TelegramLink> = alice.get_json("/api/v1/telegram/links").await?;
        Ok(links.is_empty().then_some(()))
    })
    .await?;
    assert_eq!(w.sent_to(chat.id).len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_reply_to_the_bots_message_lands_in_that_ticket_and_reopens_it() -> anyhow::Result<()> {
    let w = world().await?;
    let (olena, chat) = w.linked_olena().await?;
    let first = w
        .cast
        .alice
        .create_ticket(TOPIC, "Не друкуються чеки", "З ранку")
        .await?;
    let second = w
        .cast
        .alice
        .create_ticket(TOPIC, "Звіти", "Не відкриваються")
        .await?;
    w.cast
        .agent
        .reply(second.id, "Звіти полагодили", false)
        .await?;
    w.nth_to(chat.id, 2).await?;
    w.cast
        .agent
        .reply(first.id, "Перезапустіть касу", false)
        .await?;
    w.nth_to(chat.id, 3).await?;
    let about_first = w.sent_to(chat.id)[2].message_id;
    let res = w
        .cast
        .agent
        .patch(
            &format!("/api/v1/tickets/{}", first.id),
            &serde_json::json!({"status": "resolved"}),
        )
        .await?;
    assert!(res.status().is_success());

    // Answering the message about the first ticket: it lands there, not in the newer one.
    w.api.push_reply(
        &w.support,
        &chat,
        &olena,
        about_first,
        "Не допомогло, чеки досі не друкуються",
    );
    let confirm = w.nth_to(chat.id, 4).await?;
    assert!(confirm.contains(&format!("#{}", first.number)), "{confirm}");
    let msgs: Vec<desk_domain::Message> = w
        .cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", first.id))
        .await?;
    let last = msgs.last().expect("messages");
    assert_eq!(last.body, "Не допомогло, чеки досі не друкуються");
    assert_eq!(last.channel, desk_domain::Channel::Telegram);
    assert_eq!(last.author.id, w.cast.alice.user().id);
    let t: desk_domain::Ticket = w
        .cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}", first.id))
        .await?;
    // Reopened into the queue (nobody had it), as a reply in the app does.
    assert_eq!(t.status, desk_domain::TicketStatus::New);
    assert_eq!(t.resolved_at, None);
    let other: Vec<desk_domain::Message> = w
        .cast
        .alice
        .get_json(&format!("/api/v1/tickets/{}/messages", second.id))
        .await?;
    assert_eq!(other.len(), 2, "the newer ticket got nothing");

    // A message that answers nothing is asked where it belongs, and lands nowhere.
    w.api.push_text(&w.support, &chat, &olena, "А ще звіти");
    let asked = w.nth_to(chat.id, 5).await?;
    assert!(asked.contains("Відповісти"), "{asked}");
    Ok(())
}

#[tokio::test]
async fn tickets_lists_only_the_linked_services_open_tickets() -> anyhow::Result<()> {
    let w = world().await?;
    let (olena, chat) = w.linked_olena().await?;
    w.api.push_text(&w.support, &chat, &olena, "/tickets");
    let none = w.nth_to(chat.id, 2).await?;
    assert!(none.contains("немає"), "{none}");

    let open = w
        .cast
        .alice
        .create_ticket(TOPIC, "Чеки <каса 2>", "Не друкуються")
        .await?;
    let done = w.cast.alice.create_ticket(TOPIC, "Звіти", "Готово").await?;
    let res = w
        .cast
        .alice
        .patch(
            &format!("/api/v1/tickets/{}", done.id),
            &serde_json::json!({"status": "resolved"}),
        )
        .await?;
    assert!(res.status().is_success());
    w.cast
        .bob
        .create_ticket(TOPIC, "Злагода: тарифи", "Текст")
        .await?;
    w.api
        .push_text(&w.support, &chat, &olena, "/tickets@desk_support_bot");
    let list = w.nth_to(chat.id, 3).await?;
    assert!(list.contains(&format!("#{}", open.number)), "{list}");
    assert!(list.contains("Чеки &lt;каса 2&gt;"), "{list}");
    assert!(
        !list.contains("Звіти"),
        "resolved ones are not open: {list}"
    );
    assert!(!list.contains("Злагода"), "another service's: {list}");
    Ok(())
}
