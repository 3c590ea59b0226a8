//! The client against the Bot API stand-in: every method Desk uses, and every class of failure
//! (429, 403, 5xx, timeouts, a dropped connection, a refused connection, a bad token).

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test fails loudly on a broken step

use std::time::{Duration, Instant};

use desk_telegram::split::split_message;
use desk_telegram::{
    AnswerCallbackQuery, Bot, BotToken, EditMessageReplyMarkup, EditMessageText, Error, GetUpdates,
    InlineKeyboardMarkup, InputFile, SendMedia, SendMessage, SetWebhook, html,
};
use desk_testkit::bot_api::{BotApi, Fault, TgChat, TgDocument, TgUser};

async fn stand_in() -> (BotApi, String, Bot) {
    let api = BotApi::start().await.expect("stand-in starts");
    let token = api.add_bot("desk_support_bot");
    let bot = Bot::new(&api.url, BotToken::new(&token).expect("token")).expect("client");
    (api, token, bot)
}

fn oksana() -> TgUser {
    TgUser::new(501, "Оксана").username("oksana_dispatch")
}

/// No error text or debug form carries the secret part of the token.
fn assert_no_token(e: &Error, token: &str) {
    let secret = token.split_once(':').map(|(_, s)| s).unwrap();
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(secret), "token leaked: {shown}");
    }
}

fn poll(offset: Option<i64>, timeout: u32) -> GetUpdates {
    GetUpdates {
        offset,
        timeout,
        ..GetUpdates::default()
    }
}

#[tokio::test]
async fn get_me_names_the_bot_and_a_revoked_token_is_unauthorized() {
    let (api, token, bot) = stand_in().await;
    let me = bot.get_me().await.unwrap();
    assert_eq!(me.username.as_deref(), Some("desk_support_bot"));
    assert!(me.is_bot);
    assert_eq!(me.id.to_string(), token.split(':').next().unwrap());

    let revoked = Bot::new(&api.url, BotToken::new(api.revoked_token()).unwrap()).unwrap();
    let e = revoked.get_me().await.unwrap_err();
    assert_eq!(e, Error::Unauthorized);
    assert!(e.to_string().contains("@BotFather"));
}

#[tokio::test]
async fn updates_of_every_kind_arrive_in_order_and_an_offset_confirms_them() {
    let (api, token, bot) = stand_in().await;
    let user = oksana();
    let chat = TgChat::private(&user);
    let group = TgChat::supergroup(-100_777, "Диспетчерська «Ластівка»");

    // A bot message for the user to reply to.
    let sent = bot
        .send_message(&SendMessage::html(chat.id, "<b>#1042</b> Відповідь"))
        .await
        .unwrap();
    api.push_text(&token, &chat, &user, "Добрий день");
    api.push_reply(&token, &chat, &user, sent.message_id, "Дякую, працює");
    let (_, photo_id) = api.push_photo(&token, &chat, &user, vec![7; 3000], Some("екран"));
    let (_, doc_id) = api.push_document(
        &token,
        &chat,
        &user,
        TgDocument {
            file_name: "журнал.txt",
            mime_type: "text/plain",
            bytes: b"log".to_vec(),
        },
        None,
    );
    let cb = api.push_callback(&token, &chat, &user, sent.message_id, "ticket:1042");
    api.push_text(&token, &group, &user, "/tickets@desk_support_bot");
    api.push_edit(&token, &chat, &user, 2, "Добрий вечір");

    let ups = bot.get_updates(&poll(None, 0)).await.unwrap();
    assert_eq!(ups.len(), 7);
    assert!(ups.windows(2).all(|w| w[0].update_id + 1 == w[1].update_id));
    let text = ups[0].message.as_ref().unwrap();
    assert_eq!(text.text.as_deref(), Some("Добрий день"));
    assert_eq!(
        text.from.as_ref().unwrap().username.as_deref(),
        Some("oksana_dispatch")
    );
    assert_eq!(
        text.from.as_ref().unwrap().language_code.as_deref(),
        Some("uk")
    );
    let reply = ups[1].message.as_ref().unwrap();
    let original = reply.reply_to_message.as_ref().unwrap();
    assert_eq!(original.message_id, sent.message_id);
    assert_eq!(original.text.as_deref(), Some("#1042 Відповідь"));
    assert!(original.from.as_ref().unwrap().is_bot);
    let photo = ups[2].message.as_ref().unwrap();
    assert_eq!(photo.largest_photo().unwrap().file_id, photo_id);
    assert_eq!(photo.text_or_caption(), Some("екран"));
    let doc = ups[3].message.as_ref().unwrap().document.as_ref().unwrap();
    assert_eq!(
        (doc.file_id.as_str(), doc.file_name.as_deref()),
        (doc_id.as_str(), Some("журнал.txt"))
    );
    let query = ups[4].callback_query.as_ref().unwrap();
    assert_eq!(
        (query.id.as_str(), query.data.as_deref()),
        (cb.as_str(), Some("ticket:1042"))
    );
    assert_eq!(query.message.as_ref().unwrap().message_id, sent.message_id);
    let in_group = ups[5].message.as_ref().unwrap();
    assert!(in_group.chat.kind.is_group());
    assert_eq!(in_group.command(), Some(("tickets", "")));
    assert_eq!(
        ups[6].edited_message.as_ref().unwrap().text.as_deref(),
        Some("Добрий вечір")
    );

    // Asking again without an offset repeats them: nothing is confirmed before it is asked past.
    assert_eq!(bot.get_updates(&poll(None, 0)).await.unwrap().len(), 7);
    let next = ups[6].update_id + 1;
    assert_eq!(
        bot.get_updates(&poll(Some(ups[3].update_id), 0))
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(api.pending_updates(&token), 4);

    // A long poll with nothing to give waits its timeout, then answers empty.
    let t = Instant::now();
    assert!(
        bot.get_updates(&poll(Some(next), 1))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(api.confirmed_offset(&token), next);
    assert_eq!(api.pending_updates(&token), 0);
}

#[tokio::test]
async fn a_long_poll_wakes_when_an_update_arrives_and_honours_allowed_updates() {
    let (api, token, bot) = stand_in().await;
    let api = std::sync::Arc::new(api);
    let user = oksana();
    let chat = TgChat::private(&user);
    let pusher = {
        let (api, token, chat, user) = (api.clone(), token.clone(), chat.clone(), user.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            api.push_text(&token, &chat, &user, "Не працює програма");
        })
    };
    let t = Instant::now();
    let ups = bot.get_updates(&poll(None, 20)).await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(ups.len(), 1);
    pusher.await.unwrap();

    // Only callback queries wanted: a text message is not handed out.
    let offset = Some(ups[0].update_id + 1);
    api.push_text(&token, &chat, &user, "ще текст");
    api.push_callback(&token, &chat, &user, 1, "kind:telephony");
    let only = GetUpdates {
        offset,
        timeout: 0,
        allowed_updates: vec!["callback_query".into()],
        ..GetUpdates::default()
    };
    let ups = bot.get_updates(&only).await.unwrap();
    assert_eq!(ups.len(), 1);
    assert!(ups[0].callback_query.is_some());
}

#[tokio::test]
async fn messages_go_out_escaped_with_replies_and_keyboards_and_long_ones_split() {
    let (api, _token, bot) = stand_in().await;
    let chat = 501;
    let customer_text = "Помилка <SIP/2.0 503> & «черга» \"4\"";
    let first = bot
        .send_message(&SendMessage::html(
            chat,
            format!(
                "{}\n{}",
                html::bold("#1042 · Телефонія"),
                html::escape(customer_text)
            ),
        ))
        .await
        .unwrap();
    assert_eq!(
        first.text.as_deref(),
        Some(format!("#1042 · Телефонія\n{customer_text}").as_str())
    );

    let keyboard =
        InlineKeyboardMarkup::column([("#1042 Телефонія", "t:1042"), ("Нове звернення", "new")]);
    let second = bot
        .send_message(
            &SendMessage::html(chat, "Яке звернення?")
                .reply_to(first.message_id)
                .keyboard(keyboard.clone()),
        )
        .await
        .unwrap();
    assert_eq!(
        second.reply_to_message.as_ref().unwrap().message_id,
        first.message_id
    );
    assert_eq!(second.reply_markup.as_ref(), Some(&keyboard));

    // The same text unescaped is what Telegram refuses: escaping is what makes it go.
    let e = bot
        .send_message(&SendMessage::html(chat, customer_text))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Rejected { code: 400, description } if description.contains("can't parse entities")),
        "{e:?}"
    );
    assert!(!e.is_retryable());

    let long = "Опис збою з <деталями> & кодами. ".repeat(400);
    let parts = split_message(&html::bold("#1043 · Довгий опис"), &long).unwrap();
    assert!(parts.len() >= 4);
    for p in &parts {
        bot.send_message(&SendMessage::html(chat, p.clone()))
            .await
            .unwrap();
    }

    let sent = api.sent_to(chat);
    assert_eq!(sent.len(), 2 + parts.len());
    assert!(
        sent.windows(2)
            .all(|w| w[0].seq < w[1].seq && w[0].message_id < w[1].message_id)
    );
    assert_eq!(sent[1].reply_to_message_id, Some(first.message_id));
    assert_eq!(
        sent[1].reply_markup.as_ref().unwrap()["inline_keyboard"][1][0]["callback_data"],
        "new"
    );
    assert!(
        sent.iter()
            .all(|s| s.parse_mode.as_deref() == Some("HTML") && s.bot == "desk_support_bot")
    );
}

#[tokio::test]
async fn photos_and_documents_upload_as_multipart_from_bytes_or_a_stream() {
    let (api, _token, bot) = stand_in().await;
    let jpeg: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let m = bot
        .send_photo(
            &SendMedia::to(-1_005).caption_html(html::bold("Скріншот <помилки>")),
            InputFile::bytes("екран.jpg", "image/jpeg", jpeg.clone()),
        )
        .await;
    let m = m.unwrap();
    assert!(m.largest_photo().is_some());

    let chunks: Vec<std::io::Result<bytes::Bytes>> = (0..10)
        .map(|i| Ok(bytes::Bytes::from(vec![i as u8; 10_000])))
        .collect();
    let d = bot
        .send_document(
            &SendMedia::to(-1_005),
            InputFile::stream(
                "звіт \"березень\".pdf",
                "application/pdf",
                futures::stream::iter(chunks),
            ),
        )
        .await
        .unwrap();
    let doc = d.document.unwrap();
    assert_eq!(doc.file_size, Some(100_000));

    let sent = api.sent_to(-1_005);
    assert_eq!(sent.len(), 2);
    let photo = sent[0].file.as_ref().unwrap();
    assert_eq!(
        (
            photo.field.as_str(),
            photo.name.as_str(),
            photo.content_type.as_str()
        ),
        ("photo", "екран.jpg", "image/jpeg")
    );
    assert_eq!(photo.bytes, jpeg);
    assert_eq!(
        sent[0].caption.as_deref(),
        Some("<b>Скріншот &lt;помилки&gt;</b>")
    );
    assert_eq!(sent[0].parse_mode.as_deref(), Some("HTML"));
    let file = sent[1].file.as_ref().unwrap();
    assert_eq!(file.field, "document");
    assert_eq!(
        file.name, "звіт %22березень%22.pdf",
        "a quote cannot end the header early"
    );
    assert_eq!(file.bytes.len(), 100_000);
    assert_eq!(file.bytes[99_999], 9);
}

#[tokio::test]
async fn files_download_streamed_within_a_cap() {
    let (api, token, bot) = stand_in().await;
    let user = oksana();
    let chat = TgChat::private(&user);
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let (_, file_id) = api.push_document(
        &token,
        &chat,
        &user,
        TgDocument {
            file_name: "запис.ogg",
            mime_type: "audio/ogg",
            bytes: bytes.clone(),
        },
        None,
    );

    let file = bot.get_file(&file_id).await.unwrap();
    assert_eq!(file.file_size, Some(300_000));
    let got = bot.download(&file, 1 << 20).await.unwrap();
    assert_eq!(got.len, Some(300_000));
    assert_eq!(got.bytes().await.unwrap(), bytes);

    // Announced larger than the cap: refused before any byte is fetched.
    let calls = api.calls().len();
    assert_eq!(
        bot.download(&file, 1000).await.err(),
        Some(Error::TooLarge { limit: 1000 })
    );
    assert_eq!(api.calls().len(), calls);
    // Size not announced by getFile: refused by the response's length.
    let unsized_file = desk_telegram::File {
        file_size: None,
        ..file.clone()
    };
    assert_eq!(
        bot.download(&unsized_file, 1000).await.err(),
        Some(Error::TooLarge { limit: 1000 })
    );

    // Over the Bot API's 20 MB download limit: getFile itself refuses.
    let (big, _) = api.add_file("videos", "mp4", vec![0; 20 * 1024 * 1024 + 1]);
    let e = bot.get_file(&big).await.unwrap_err();
    assert!(
        matches!(&e, Error::Rejected { code: 400, description } if description.contains("too big")),
        "{e:?}"
    );
    let e = bot.get_file("no-such-file").await.unwrap_err();
    assert!(matches!(e, Error::Rejected { code: 400, .. }), "{e:?}");
    let gone = desk_telegram::File {
        file_path: Some("documents/nope.bin".into()),
        ..file
    };
    let e = bot.download(&gone, 1 << 20).await.err().unwrap();
    assert!(matches!(e, Error::Rejected { code: 404, .. }), "{e:?}");
    assert_no_token(&e, &token);
}

#[tokio::test]
async fn callback_queries_are_answered_once_and_messages_edited() {
    let (api, token, bot) = stand_in().await;
    let user = oksana();
    let chat = TgChat::private(&user);
    let keyboard = InlineKeyboardMarkup::column([
        ("Програма", "kind:program"),
        ("Телефонія", "kind:telephony"),
    ]);
    let m = bot
        .send_message(&SendMessage::html(chat.id, "Що не працює?").keyboard(keyboard.clone()))
        .await
        .unwrap();
    let q = api.push_callback(&token, &chat, &user, m.message_id, "kind:telephony");
    let answer = AnswerCallbackQuery {
        callback_query_id: q.clone(),
        text: Some("Прийнято".into()),
        show_alert: false,
    };
    bot.answer_callback_query(&answer).await.unwrap();
    let e = bot.answer_callback_query(&answer).await.unwrap_err();
    assert!(matches!(e, Error::Rejected { code: 400, .. }), "{e:?}");
    let answers = api.callback_answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(
        (
            answers[0].callback_query_id.as_str(),
            answers[0].text.as_deref()
        ),
        (q.as_str(), Some("Прийнято"))
    );

    let edited = bot
        .edit_message_text(&EditMessageText {
            chat_id: chat.id,
            message_id: m.message_id,
            text: format!("Збій: {}", html::bold("телефонія")),
            parse_mode: Some(desk_telegram::ParseMode::Html),
            reply_markup: None,
        })
        .await
        .unwrap();
    assert_eq!(edited.text.as_deref(), Some("Збій: телефонія"));
    assert!(
        edited.reply_markup.is_none(),
        "the keyboard went with the edit"
    );
    let again = bot
        .edit_message_reply_markup(&EditMessageReplyMarkup {
            chat_id: chat.id,
            message_id: m.message_id,
            reply_markup: Some(keyboard),
        })
        .await
        .unwrap();
    assert!(again.reply_markup.is_some());
    // The same markup twice is "not modified", which a sender must treat as done, not retry.
    let e = bot
        .edit_message_reply_markup(&EditMessageReplyMarkup {
            chat_id: chat.id,
            message_id: m.message_id,
            reply_markup: again.reply_markup.clone(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Rejected { code: 400, description } if description.contains("not modified")),
        "{e:?}"
    );
    let edits = api.edits();
    assert_eq!(
        edits.iter().map(|e| e.method.as_str()).collect::<Vec<_>>(),
        ["editMessageText", "editMessageReplyMarkup"]
    );
}

#[tokio::test]
async fn a_webhook_replaces_long_polling_until_deleted() {
    let (api, token, bot) = stand_in().await;
    bot.set_webhook(&SetWebhook {
        url: "https://desk.example.com/telegram/support".into(),
        secret_token: Some("s3cret-Value_1".into()),
        allowed_updates: vec!["message".into(), "callback_query".into()],
        drop_pending_updates: false,
        max_connections: Some(1),
    })
    .await
    .unwrap();
    let hook = api.webhook(&token).unwrap();
    assert_eq!(hook.secret_token.as_deref(), Some("s3cret-Value_1"));
    assert_eq!(hook.allowed_updates, ["message", "callback_query"]);
    assert_eq!(hook.max_connections, Some(1));
    let info = bot.get_webhook_info().await.unwrap();
    assert_eq!(info.url, "https://desk.example.com/telegram/support");
    assert_eq!(info.max_connections, Some(1));
    let e = bot.get_updates(&poll(None, 0)).await.unwrap_err();
    assert!(matches!(e, Error::Rejected { code: 409, .. }), "{e:?}");

    let bad = bot
        .set_webhook(&SetWebhook {
            url: "https://desk.example.com/t".into(),
            secret_token: Some("not allowed!".into()),
            allowed_updates: vec![],
            drop_pending_updates: false,
            max_connections: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::Rejected { code: 400, .. }), "{bad:?}");

    bot.delete_webhook(false).await.unwrap();
    assert!(api.webhook(&token).is_none());
    assert_eq!(bot.get_webhook_info().await.unwrap().url, "");
    assert!(bot.get_updates(&poll(None, 0)).await.unwrap().is_empty());
}

#[tokio::test]
async fn each_fault_is_sorted_into_what_the_sender_must_do() {
    let (api, token, bot) = stand_in().await;
    let bot = bot.with_timeout(Duration::from_millis(500));
    let send = |chat: i64| SendMessage::html(chat, "Інцидент вирішено");

    api.inject(Fault::retry_after(3).method("sendMessage").times(1));
    let e = bot.send_message(&send(1)).await.unwrap_err();
    assert_eq!(e, Error::RetryAfter(3));
    assert_eq!(e.wait(), Some(Duration::from_secs(3)));
    assert!(e.is_retryable());
    bot.send_message(&send(1))
        .await
        .expect("the fault was for one call");

    // 403 for one chat only: the others still get their messages.
    api.inject(Fault::blocked().chat(2));
    let e = bot.send_message(&send(2)).await.unwrap_err();
    assert!(
        matches!(&e, Error::Blocked { description } if description.contains("blocked")),
        "{e:?}"
    );
    assert!(!e.is_retryable());
    bot.send_message(&send(3)).await.unwrap();
    api.clear_faults();

    api.inject(Fault::server_error(502).times(1));
    let e = bot.send_message(&send(1)).await.unwrap_err();
    assert!(
        matches!(&e, Error::Transient(t) if t.contains("502")),
        "{e:?}"
    );
    assert!(e.is_retryable());

    api.inject(Fault::slow(Duration::from_secs(3)).method("getMe").times(1));
    let t = Instant::now();
    let e = bot.get_me().await.unwrap_err();
    assert_eq!(e, Error::Transient("timed out".into()));
    assert!(t.elapsed() < Duration::from_secs(2));

    api.inject(Fault::drop_connection().method("sendMessage").times(1));
    let e = bot.send_message(&send(1)).await.unwrap_err();
    assert!(matches!(e, Error::Transient(_)), "{e:?}");

    api.inject(Fault::drop_connection().method("download").times(1));
    let user = oksana();
    let (_, file_id) = api.push_photo(&token, &TgChat::private(&user), &user, vec![1; 5000], None);
    let file = bot.get_file(&file_id).await.unwrap();
    let e = match bot.download(&file, 1 << 20).await {
        Ok(d) => d.bytes().await.unwrap_err(),
        Err(e) => e,
    };
    assert!(matches!(e, Error::Transient(_)), "{e:?}");
    api.inject(Fault::retry_after(1).method("getUpdates").times(1));
    assert_eq!(
        bot.get_updates(&poll(None, 0)).await.unwrap_err(),
        Error::RetryAfter(1)
    );

    // Every fault reached the stand-in and none of the errors shows the token.
    let statuses: Vec<u16> = api.calls().iter().map(|c| c.status).collect();
    for code in [429, 403, 502] {
        assert!(statuses.contains(&code), "{statuses:?}");
    }
    assert_no_token(&e, &token);
    assert_eq!(
        api.sent_to(1).len(),
        1,
        "failed sends are not recorded as sent"
    );
}

#[tokio::test]
async fn an_unreachable_api_is_transient_and_never_shows_the_token() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let token = "123456:AAsecretNEVERshown";
    let bot = Bot::new(
        &format!("http://127.0.0.1:{port}"),
        BotToken::new(token).unwrap(),
    )
    .unwrap();
    let e = bot.get_me().await.unwrap_err();
    assert!(
        matches!(&e, Error::Transient(t) if t.to_lowercase().contains("connect")),
        "{e:?}"
    );
    assert_no_token(&e, token);
    assert!(!format!("{bot:?}").contains("NEVER"));
}
