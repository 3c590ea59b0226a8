//! `desk-server telegram check` against the Bot API stand-in: good tokens, a revoked token, an
//! address nothing answers at, no token at all, and a webhook set-up missing its parts.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test fails loudly on a broken step

use std::process::{Command, Output};

use desk_testkit::bot_api::BotApi;

/// Runs `desk-server telegram check` with `env` (and nothing of the caller's Telegram set-up),
/// off the runtime so the stand-in in this process keeps answering.
async fn check(args: &[&str], env: &[(&str, &str)]) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk-server"));
    cmd.arg("--data-dir")
        .arg(tmp.path().join("data"))
        .args(args);
    cmd.args(["telegram", "check"]).env_remove("DESK_CONFIG");
    for (k, _) in std::env::vars() {
        if k.starts_with("DESK_TELEGRAM") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("desk-server runs"))
        .await
        .unwrap();
    drop(tmp);
    out
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn secret(token: &str) -> &str {
    token.split_once(':').unwrap().1
}

#[tokio::test]
async fn good_tokens_print_each_bot_by_name() {
    let api = BotApi::start().await.unwrap();
    let support = api.add_bot("lastivka_support_bot");
    let alert = api.add_bot("lastivka_alert_bot");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("desk.toml");
    std::fs::write(
        &file,
        format!(
            "[telegram]\nsupport_bot_token = \"{support}\"\nalert_bot_token = \"{alert}\"\napi_url = \"{}\"\n",
            api.url
        ),
    )
    .unwrap();
    let out = check(&["--config", file.to_str().unwrap()], &[]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let id = |t: &str| t.split(':').next().unwrap().to_owned();
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            format!("support bot: @lastivka_support_bot (id {})", id(&support)),
            format!("alert bot: @lastivka_alert_bot (id {})", id(&alert)),
        ]
    );
    assert_eq!(
        api.calls().iter().filter(|c| c.method == "getme").count(),
        2
    );
}

#[tokio::test]
async fn a_bad_token_is_named_with_what_to_do_and_fails_the_check() {
    let api = BotApi::start().await.unwrap();
    let alert = api.add_bot("lastivka_alert_bot");
    let revoked = api.revoked_token();
    let out = check(
        &[],
        &[
            ("DESK_TELEGRAM__SUPPORT_BOT_TOKEN", revoked.as_str()),
            ("DESK_TELEGRAM__ALERT_BOT_TOKEN", alert.as_str()),
            ("DESK_TELEGRAM__API_URL", api.url.as_str()),
        ],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stdout.contains("alert bot: @lastivka_alert_bot"),
        "{stdout}"
    );
    assert!(
        stderr.contains("support bot: the Bot API does not accept this token")
            && stderr.contains("check the token from @BotFather")
            && stderr.contains("telegram.support_bot_token"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 of 2 Telegram bot checks failed"),
        "{stderr}"
    );
    for shown in [&stdout, &stderr] {
        assert!(
            !shown.contains(secret(&revoked)) && !shown.contains(secret(&alert)),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_api_url_says_so() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let token = "123456:AAunreachableSECRET";
    let out = check(
        &[],
        &[
            ("DESK_TELEGRAM__SUPPORT_BOT_TOKEN", token),
            ("DESK_TELEGRAM__API_URL", url.as_str()),
        ],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains(&format!("support bot: cannot reach {url}: ")),
        "{stderr}"
    );
    assert!(stderr.contains("check telegram.api_url"), "{stderr}");
    assert!(!stderr.contains("SECRET"), "{stderr}");
}

#[tokio::test]
async fn no_token_or_an_incomplete_webhook_set_up_is_a_clear_error() {
    let out = check(&[], &[]).await;
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("no Telegram bot is configured"), "{stderr}");
    assert!(
        stderr.contains("DESK_TELEGRAM__SUPPORT_BOT_TOKEN"),
        "{stderr}"
    );

    let out = check(
        &[],
        &[
            ("DESK_TELEGRAM__SUPPORT_BOT_TOKEN", "123456:AAwebhookSECRET"),
            ("DESK_TELEGRAM__MODE", "webhook"),
        ],
    )
    .await;
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("telegram.webhook_url"), "{stderr}");

    let out = check(&[], &[("DESK_TELEGRAM__ALERT_BOT_TOKEN", "alert SECRET")]).await;
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("@BotFather") && !stderr.contains("SECRET"),
        "{stderr}"
    );
}
