//! The Desk desktop shell: a thin Tauri layer over desk-client. Commands delegate to the core,
//! events forward the core's `ClientEvent`s to the UI, and the native parts live here —
//! notifications, file dialogs, drag-and-drop, tray with the unread count, single instance,
//! remembered window size and position.

/// The command list (`with_commands!`), shared with build.rs and the UI's generated names.
#[macro_use]
mod command_list;
mod commands;
mod keyring;
mod notify;
mod preview;
pub mod webkit;

use std::sync::Arc;

use desk_client::{ClientEvent, Desk};
use serde::Serialize;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, DragDropEvent, Emitter, Manager, WindowEvent};
use tokio::sync::RwLock;

pub const EVENT: &str = "desk://event";
pub const FILE_DROP: &str = "desk://file-drop";

/// What the shell keeps: the core's configuration and the signed-in account, if any.
pub struct Shell {
    pub config: desk_client::Config,
    pub desk: RwLock<Option<Desk>>,
    tray: std::sync::Mutex<Option<TrayIcon>>,
}

#[derive(Serialize, Clone)]
struct FileDrop {
    paths: Vec<String>,
    x: f64,
    y: f64,
}

impl Shell {
    /// The signed-in account, or the error the UI shows as "sign in again".
    pub async fn desk(&self) -> Result<Desk, desk_client::Error> {
        self.desk
            .read()
            .await
            .clone()
            .ok_or_else(desk_client::Error::not_signed_in)
    }

    /// Makes `desk` the current account and forwards its events to the window.
    pub async fn set(&self, app: &AppHandle, desk: Desk) {
        let mut rx = desk.subscribe();
        let state = desk.state();
        if let Some(old) = self.desk.write().await.replace(desk.clone()) {
            old.close().await;
        }
        let app = app.clone();
        let _ = app.emit(
            EVENT,
            ClientEvent::State {
                state: state.borrow().clone(),
            },
        );
        tokio::spawn(async move {
            refresh_unread(&app, &desk).await;
            loop {
                let ev = match rx.recv().await {
                    Ok(ev) => ev,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => return,
                };
                if let ClientEvent::Notify { notification } = &ev {
                    let prefs = desk.preferences();
                    let open = if prefs.lang.starts_with("en") {
                        "Open"
                    } else {
                        "Відкрити"
                    };
                    notify::show(&app, notification.clone(), prefs.sound, open);
                }
                if matches!(ev, ClientEvent::ModelsChanged { .. }) {
                    refresh_unread(&app, &desk).await;
                }
                let _ = app.emit(EVENT, ev);
            }
        });
    }
}

/// Unread count in the tray tooltip and the window title.
async fn refresh_unread(app: &AppHandle, desk: &Desk) {
    let n = desk.unread_count().await.unwrap_or(0);
    let en = desk.preferences().lang.starts_with("en");
    let title = if n > 0 {
        format!("Desk ({n})")
    } else {
        "Desk".to_owned()
    };
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.set_title(&title);
    }
    let shell = app.state::<Arc<Shell>>();
    if let Ok(guard) = shell.tray.lock()
        && let Some(tray) = guard.as_ref()
    {
        let tip = match (n, en) {
            (0, true) => "Desk: nothing unread".to_owned(),
            (0, false) => "Desk: усе прочитано".to_owned(),
            (n, true) => format!("Desk: {n} unread"),
            (n, false) => format!("Desk: непрочитаних — {n}"),
        };
        let _ = tray.set_tooltip(Some(&tip));
        let _ = tray.set_title(if n > 0 { Some(n.to_string()) } else { None });
    }
}

fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

fn tray(app: &AppHandle) -> tauri::Result<TrayIcon> {
    let show = MenuItem::with_id(app, "show", "Показати Desk", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Вийти", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("Desk")
        .menu(&menu)
        .on_menu_event(|app, e| match e.id().as_ref() {
            "show" => show_main(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)
}

/// Where the app keeps its data: `DESK_APP_DATA_DIR`, else the platform's app data dir.
fn data_dir(app: &AppHandle) -> std::path::PathBuf {
    if let Some(d) = std::env::var_os("DESK_APP_DATA_DIR") {
        return d.into();
    }
    app.path()
        .app_data_dir()
        .unwrap_or_else(|_| std::path::PathBuf::from("desk-data"))
}

/// `generate_handler!` over every command in command_list.rs.
macro_rules! handler {
    ($($command:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$command),*]
    };
}

pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            show_main(app)
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .register_asynchronous_uri_scheme_protocol(preview::SCHEME, |ctx, request, responder| {
            preview::handle(ctx.app_handle(), request.uri(), responder)
        })
        .setup(|app| {
            let handle = app.handle().clone();
            let dir = data_dir(&handle);
            std::fs::create_dir_all(&dir)?;
            let tokens = Arc::new(keyring::KeyringTokenStore::new(dir.join("tokens")));
            let config = desk_client::Config::new(dir, tokens);
            let shell = Arc::new(Shell {
                config,
                desk: RwLock::new(None),
                tray: std::sync::Mutex::new(None),
            });
            app.manage(shell.clone());
            match tray(&handle) {
                Ok(t) => {
                    if let Ok(mut g) = shell.tray.lock() {
                        *g = Some(t);
                    }
                }
                // No tray host (a bare X server): the app works without it.
                Err(e) => tracing::info!(error = %e, "no system tray"),
            }
            if let Some(w) = app.get_webview_window("main") {
                webkit::tune(&w);
                let h = handle.clone();
                w.on_window_event(move |e| {
                    if let WindowEvent::DragDrop(DragDropEvent::Drop { paths, position }) = e {
                        let scale = h
                            .get_webview_window("main")
                            .and_then(|w| w.scale_factor().ok())
                            .unwrap_or(1.0);
                        let drop = FileDrop {
                            paths: paths
                                .iter()
                                .map(|p| p.to_string_lossy().into_owned())
                                .collect(),
                            x: position.x / scale,
                            y: position.y / scale,
                        };
                        let _ = h.emit(FILE_DROP, drop);
                    }
                });
            }
            Ok(())
        })
        .invoke_handler(with_commands!(handler))
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("Desk could not start: {e}");
            std::process::exit(1);
        }
    }
}
