//! The `desk-server` binary as an administrator uses it: organisations, accounts with an
//! invitation code, topic import, then `serve`, and a graceful stop on SIGTERM that lets an
//! upload in flight finish.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test fails loudly on a broken step

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use futures::StreamExt;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_desk-server"))
}

fn run(data: &Path, args: &[&str]) -> Output {
    bin()
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("DESK_CONFIG")
        .output()
        .expect("desk-server runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(data: &Path) -> Self {
        let port = free_port();
        let mut child = bin()
            .arg("serve")
            .env("DESK_DATA_DIR", data)
            .env("DESK_LISTEN", format!("127.0.0.1:{port}"))
            .env("DESK_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = http.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                return Self { child, base };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("server did not become healthy");
    }

    fn terminate(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok);
    }

    async fn wait_exit(&mut self) -> std::process::ExitStatus {
        for _ in 0..400 {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return st;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.child.kill();
        panic!("server did not exit after SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn administer_then_serve() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");

    let o = run(&data, &["org", "add", "Таксі Тест"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Таксі Тест"));
    let dup = run(&data, &["org", "add", "таксі тест"]);
    assert!(
        !dup.status.success(),
        "a second organisation with the same name is refused"
    );

    let no_org = run(
        &data,
        &[
            "user",
            "add",
            "--email",
            "c@x.example.com",
            "--role",
            "customer",
        ],
    );
    assert!(!no_org.status.success());
    assert!(stderr(&no_org).contains("--org"), "{}", stderr(&no_org));

    let bad_org = run(
        &data,
        &[
            "user",
            "add",
            "--email",
            "c@x.example.com",
            "--role",
            "customer",
            "--org",
            "Nope",
        ],
    );
    assert!(!bad_org.status.success());
    assert!(stderr(&bad_org).contains("Nope"));

    let invited = run(
        &data,
        &[
            "user",
            "add",
            "--email",
            "Olena@X.example.com",
            "--role",
            "customer",
            "--org",
            "Таксі Тест",
            "--name",
            "Олена",
        ],
    );
    assert!(invited.status.success(), "{}", stderr(&invited));
    let out = stdout(&invited);
    let code = out
        .lines()
        .find_map(|l| l.strip_prefix("invitation code: "))
        .expect("an invitation code is printed")
        .trim()
        .to_owned();

    let agent = run(
        &data,
        &[
            "user",
            "add",
            "--email",
            "agent@v.example.com",
            "--role",
            "agent",
            "--password",
            "short",
        ],
    );
    assert!(!agent.status.success(), "a too-short password is refused");
    let agent = run(
        &data,
        &[
            "user",
            "add",
            "--email",
            "agent@v.example.com",
            "--role",
            "agent",
            "--password",
            "long enough pw",
        ],
    );
    assert!(agent.status.success(), "{}", stderr(&agent));
    assert!(!stdout(&agent).contains("invitation code"));

    let topics = tmp.path().join("topics.json");
    std::fs::write(
        &topics,
        r#"{"topics": [
            {"id": "other", "title": {"uk": "Інше", "en": "Other"}, "guidance": {"uk": "Опишіть", "en": "Describe"}},
            {"id": "phones", "urgent": true, "title": {"uk": "Телефонія", "en": "Phones"}, "guidance": {"uk": "Перевірте", "en": "Check"}}
        ]}"#,
    )
    .expect("write topics");
    let imp = run(
        &data,
        &["topics", "import", topics.to_str().expect("utf-8 path")],
    );
    assert!(imp.status.success(), "{}", stderr(&imp));
    let broken = tmp.path().join("broken.json");
    std::fs::write(&broken, "{\"topics\": [").expect("write");
    let imp_bad = run(
        &data,
        &["topics", "import", broken.to_str().expect("utf-8 path")],
    );
    assert!(!imp_bad.status.success(), "a broken topics file is refused");

    let mut server = Server::start(&data).await;
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/api/v1/auth/accept-invitation", server.base))
        .json(&serde_json::json!({"code": code.to_lowercase(), "password": "a new password"}))
        .send()
        .await
        .expect("accept");
    assert_eq!(res.status(), 200);
    let again = http
        .post(format!("{}/api/v1/auth/accept-invitation", server.base))
        .json(&serde_json::json!({"code": code, "password": "another password"}))
        .send()
        .await
        .expect("accept again");
    assert_eq!(again.status(), 422, "an invitation code works once");

    let login: desk_domain::LoginResponse = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&serde_json::json!({"email": "olena@x.example.com", "password": "a new password"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login body");
    assert_eq!(login.user.name, "Олена");
    let topics: Vec<desk_domain::Topic> = http
        .get(format!("{}/api/v1/topics", server.base))
        .bearer_auth(&login.token)
        .send()
        .await
        .expect("topics")
        .json()
        .await
        .expect("topics body");
    let ids: Vec<&str> = topics.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        ["phones", "other"],
        "the imported list replaces the seed, other last"
    );

    server.terminate();
    assert!(
        server.wait_exit().await.success(),
        "SIGTERM stops the server cleanly"
    );
}

#[tokio::test]
async fn sigterm_lets_an_upload_in_flight_finish() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    assert!(run(&data, &["org", "add", "Org"]).status.success());
    let add = run(
        &data,
        &[
            "user",
            "add",
            "--email",
            "u@x.example.com",
            "--role",
            "customer",
            "--org",
            "Org",
            "--password",
            "password-1",
        ],
    );
    assert!(add.status.success());
    let mut server = Server::start(&data).await;
    let http = reqwest::Client::new();
    let login: desk_domain::LoginResponse = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&serde_json::json!({"email": "u@x.example.com", "password": "password-1"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login body");

    // 20 chunks of 64 KiB, 100 ms apart: the upload is still arriving when SIGTERM comes.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let feeder = tokio::spawn(async move {
        for i in 0..20u8 {
            if tx.send(Ok(vec![i; 64 * 1024])).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let body =
        reqwest::Body::wrap_stream(tokio_stream::wrappers::ReceiverStream::new(rx).map(|c| c));
    let upload = http
        .post(format!(
            "{}/api/v1/attachments?filename=slow.bin",
            server.base
        ))
        .bearer_auth(&login.token)
        .body(body)
        .send();
    let upload = tokio::spawn(upload);
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.terminate();
    let res = upload
        .await
        .expect("join")
        .expect("the upload gets an answer");
    assert_eq!(res.status(), 201, "the upload in flight completes");
    let a: desk_domain::Attachment = res.json().await.expect("attachment");
    assert_eq!(a.size, 20 * 64 * 1024);
    feeder.await.expect("feeder");
    assert!(server.wait_exit().await.success());
    // New connections are refused once it has stopped.
    assert!(
        http.get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_err()
    );
}
