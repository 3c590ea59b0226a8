//! The floor under the app's memory figure: a Tauri window showing one short static page, with
//! the app's WebKit settings (`desk_app::webkit::tune`) and nothing of Desk behind it — no
//! desk-client, no cache, no Svelte. `scripts/bench.sh app` builds it in release and measures its
//! process tree the same way as the app's (src-tauri/tests/measure.rs), so the app's figure can be
//! read as "WebKit's floor on this machine" plus "what Desk adds".

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

const PAGE: &str = "<!doctype html><html lang=uk><meta charset=utf-8><title>Desk baseline</title>\
<body style='font:15px system-ui;margin:2rem'><h1>Привіт</h1>\
<p>A Tauri window with one static page: the floor the app is measured against.</p>";

fn main() {
    let mut context = tauri::generate_context!();
    // The app's configured window would load Desk's UI; this one loads only PAGE.
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        // Served the way the app's own assets are: from a custom protocol, not over the network.
        .register_uri_scheme_protocol("baseline", |_, _| {
            tauri::http::Response::builder()
                .header("content-type", "text/html; charset=utf-8")
                .body(PAGE.as_bytes().to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let url = tauri::WebviewUrl::CustomProtocol("baseline://localhost/".parse()?);
            let window = tauri::WebviewWindowBuilder::new(app, "main", url)
                .title("Desk baseline")
                .inner_size(1280.0, 800.0)
                .build()?;
            desk_app::webkit::tune(&window);
            Ok(())
        })
        .run(context)
        .unwrap_or_else(|e| panic!("baseline window failed: {e}"));
}
