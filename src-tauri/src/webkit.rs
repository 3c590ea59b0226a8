//! WebKitGTK settings that wry does not expose, applied to the main window's web view (Linux).
//!
//! - Accelerated compositing off where there is no GPU to composite on: with no DRM render
//!   node (`/dev/dri/renderD*`), or with Mesa told to render in software
//!   (`LIBGL_ALWAYS_SOFTWARE`), WebKit composites with llvmpipe on the CPU and keeps its GL
//!   buffers in the web process: about 100 MB more for nothing faster. Where a GPU exists the
//!   default policy (compositing on) is kept. `DESK_WEBKIT_COMPOSITING=webkit` keeps WebKit's
//!   policy everywhere: the E2E tests' screenshot run sets it, because with compositing off
//!   WebKitGTK 2.50 never answers a WebDriver screenshot (their second run goes without it).
//! - Cache model "document viewer": the app only loads its own bundled assets, so WebKit's
//!   memory and page caches for browsing hold nothing worth keeping.
//!
//! Measured with `scripts/bench.sh app` (README, "Measured").

/// Whether WebKit would have a GPU to composite on: a DRM render node, and Mesa not forced to
/// software rendering.
#[cfg(target_os = "linux")]
fn has_gpu() -> bool {
    let software = std::env::var("LIBGL_ALWAYS_SOFTWARE").is_ok_and(|v| !v.is_empty() && v != "0");
    let render_node = std::fs::read_dir("/dev/dri").is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    render_node && !software
}

#[cfg(target_os = "linux")]
pub fn tune(window: &tauri::WebviewWindow) {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };
    let keep = std::env::var("DESK_WEBKIT_COMPOSITING").is_ok_and(|v| v == "webkit");
    let gpu = has_gpu();
    let done = window.with_webview(move |w| {
        let view = w.inner();
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if !gpu
            && !keep
            && let Some(settings) = WebViewExt::settings(&view)
        {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
        tracing::debug!(gpu, "web view tuned");
    });
    if let Err(e) = done {
        tracing::warn!(error = %e, "web view settings not applied");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn tune(_: &tauri::WebviewWindow) {}
