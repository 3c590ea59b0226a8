//! Image previews over the app's own URI scheme, `desk-file`: the UI puts
//! `desk-file://localhost/<ticket id>/<attachment id>?scale=<device pixel ratio>` in an `<img>`
//! and WebKit fetches the picture from here: made from the verified local copy (downloaded on
//! first use), scaled to the thumbnail's box. Before, a preview crossed IPC as a base64 `data:`
//! URL of the whole file: a third larger, held as a string in the page's JavaScript heap, and
//! decoded by WebKit at full size.
//!
//! Only attachments the cache knows (by ticket and id) are served, only images, and only up to
//! the preview limit; anything else is a 404 the UI shows as "no preview".

use std::sync::Arc;

use tauri::http::{Response, StatusCode, header};
use tauri::{AppHandle, Manager, UriSchemeResponder};
use uuid::Uuid;

use crate::Shell;

#[cfg(target_os = "linux")]
mod png;

pub const SCHEME: &str = "desk-file";
/// Larger images are not previewed (the file row still opens or saves them).
pub const PREVIEW_MAX: u64 = 20 * 1024 * 1024;

/// The ticket and attachment ids in a request's path: `/<ticket>/<attachment>`, the slash
/// possibly percent-encoded (the UI builds the URL with Tauri's `convertFileSrc`).
pub fn ids(path: &str) -> Option<(Uuid, Uuid)> {
    let path = path
        .trim_start_matches('/')
        .replace("%2F", "/")
        .replace("%2f", "/");
    let (ticket, attachment) = path.split_once('/')?;
    Some((
        Uuid::parse_str(ticket).ok()?,
        Uuid::parse_str(attachment).ok()?,
    ))
}

/// The device pixel ratio the thumbnail is drawn at (`?scale=N`, 1 to 3; 1 when absent).
pub fn scale(query: Option<&str>) -> i32 {
    query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|kv| kv.strip_prefix("scale="))
        .and_then(|v| v.parse::<i32>().ok())
        .map_or(1, |n| n.clamp(1, 3))
}

pub fn handle(app: &AppHandle, uri: &tauri::http::Uri, responder: UriSchemeResponder) {
    let app = app.clone();
    let ids = ids(uri.path());
    let scale = scale(uri.query());
    tauri::async_runtime::spawn(async move {
        let response = match ids {
            Some((ticket, id)) => serve(&app, ticket, id, scale).await,
            None => Err((StatusCode::BAD_REQUEST, "bad preview address")),
        };
        responder.respond(response.unwrap_or_else(|(status, why)| {
            tracing::debug!(%status, why, "no preview");
            Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(why.as_bytes().to_vec())
                .unwrap_or_default()
        }));
    });
}

async fn serve(
    app: &AppHandle,
    ticket: Uuid,
    id: Uuid,
    scale: i32,
) -> Result<Response<Vec<u8>>, (StatusCode, &'static str)> {
    let shell = app.state::<Arc<Shell>>();
    let desk = shell
        .desk()
        .await
        .map_err(|_| (StatusCode::UNAUTHORIZED, "not signed in"))?;
    let attachment = desk
        .attachment(ticket, id)
        .await
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "cache unreadable"))?
        .ok_or((StatusCode::NOT_FOUND, "no such attachment"))?;
    if !attachment.media_type.starts_with("image/") || attachment.size > PREVIEW_MAX {
        return Err((StatusCode::NOT_FOUND, "no preview for this file"));
    }
    // Offline and never downloaded, or damaged on the way: no preview; the file row says more
    // when the person opens it.
    let path = desk
        .attachment_file(&attachment)
        .await
        .map_err(|_| (StatusCode::BAD_GATEWAY, "not downloaded"))?;
    let dir_is_its_own = desk.is_download(&attachment, &path);
    let media_type = attachment.media_type;
    let fit = (scaled::BOX.0 * scale, scaled::BOX.1 * scale);
    let (bytes, media_type) = scaled::on_worker(path, media_type, fit, dir_is_its_own)
        .await
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "file unreadable"))?;
    Response::builder()
        .header(header::CONTENT_TYPE, media_type)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        // An attachment never changes under its id.
        .header(header::CACHE_CONTROL, "private, max-age=86400, immutable")
        .body(bytes)
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "response"))
}

/// Images are served scaled to the thumbnail's box: WebKit decodes an image at its full size,
/// so a 12-megapixel phone photo would hold 48 MB in the web process for as long as it is shown
/// in a thumbnail of at most 320×200 CSS pixels (measured: four tickets with a photo and a phone
/// screenshot each took the app's process tree from 374 MB to 598 MB, each page once).
mod scaled {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, OnceLock, mpsc};

    type Job = (
        PathBuf,
        String,
        (i32, i32),
        bool,
        tokio::sync::oneshot::Sender<std::io::Result<(Vec<u8>, String)>>,
    );

    /// Runs `preview` on the one thread that scales images, one at a time. Decoding takes
    /// buffers of many megabytes, and glibc keeps what a thread freed in that thread's arena:
    /// scaled on tokio's blocking pool, each of its threads kept its own (the app process held
    /// 44 MB more after four tickets with photos). One thread keeps at most one image's worth.
    pub async fn on_worker(
        path: PathBuf,
        media_type: String,
        fit: (i32, i32),
        keep: bool,
    ) -> std::io::Result<(Vec<u8>, String)> {
        static WORKER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
        let jobs = WORKER.get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("desk-previews".into())
                .spawn(move || {
                    for (path, media_type, fit, keep, reply) in rx {
                        // A picture that trips the decoder costs its own preview, not the
                        // thread every later preview needs.
                        let made =
                            std::panic::catch_unwind(|| preview(&path, &media_type, fit, keep))
                                .unwrap_or_else(|_| Err(std::io::Error::other("decoder failed")));
                        let _ = reply.send(made);
                    }
                })
                .map_err(|e| tracing::warn!(error = %e, "no preview thread"))
                .ok();
            Mutex::new(tx)
        });
        let (reply, answer) = tokio::sync::oneshot::channel();
        let sent = jobs
            .lock()
            .map_err(|_| std::io::Error::other("preview thread gone"))?
            .send((path, media_type, fit, keep, reply));
        sent.map_err(|_| std::io::Error::other("preview thread gone"))?;
        answer
            .await
            .map_err(|_| std::io::Error::other("preview thread gone"))?
    }

    /// The thumbnail's box in CSS pixels (`img` in ui/src/lib/conversation/AttachmentView.svelte:
    /// `max-width: 320px; max-height: 200px`), multiplied by the screen's pixel ratio.
    pub const BOX: (i32, i32) = (320, 200);

    /// Pictures GdkPixbuf decodes whole before scaling them (all but JPEG; PNG only when
    /// interlaced, as preview/png.rs scales the rest row by row) get no preview beyond this
    /// many pixels: 64 MB decoded.
    const WHOLE_MAX: i64 = 16_000_000;
    /// A JPEG is decoded at as little as an eighth of its width and height: 400 megapixels
    /// take 19 MB.
    const JPEG_MAX: i64 = 400_000_000;

    /// The bytes to serve for the image at `path` and their media type: the file itself when it
    /// fits in `fit` (or cannot be scaled: vector, animated, a format GdkPixbuf cannot read),
    /// else a copy scaled to fit — JPEG for a JPEG, PNG otherwise — kept beside the file when
    /// `keep` (the file sits in its attachment's own download folder). A picture of more pixels
    /// than its decoding may take (above) is an error: no preview, the file row still opens it.
    #[cfg(target_os = "linux")]
    pub fn preview(
        path: &Path,
        media_type: &str,
        (fit_w, fit_h): (i32, i32),
        keep: bool,
    ) -> std::io::Result<(Vec<u8>, String)> {
        use gdk_pixbuf::Pixbuf;
        let as_is = || Ok((std::fs::read(path)?, media_type.to_owned()));
        if media_type == "image/svg+xml" {
            return as_is();
        }
        let Some((format, w, h)) = Pixbuf::file_info(path) else {
            return as_is();
        };
        // What the file is, not what its sender called it.
        let format = format.name().map(|n| n.to_string()).unwrap_or_default();
        let pixels = i64::from(w) * i64::from(h);
        let limit = match format.as_str() {
            "jpeg" => JPEG_MAX,
            "png" => super::png::MAX_PIXELS as i64,
            _ => WHOLE_MAX,
        };
        if pixels > limit {
            return Err(std::io::Error::other("too many pixels to preview"));
        }
        if format == "gif" || (w <= fit_w && h <= fit_h) {
            return as_is();
        }
        let (kind, out_type) = if format == "jpeg" {
            ("jpeg", "image/jpeg")
        } else {
            ("png", "image/png")
        };
        let cached = path.with_file_name(format!(".preview-{fit_w}x{fit_h}.{kind}"));
        if keep && let Ok(bytes) = std::fs::read(&cached) {
            return Ok((bytes, out_type.to_owned()));
        }
        let streamed = if format == "png" {
            super::png::scaled(path, (fit_w as u32, fit_h as u32))
                .map_err(|e| tracing::debug!(error = %e, "PNG not scaled row by row"))
                .ok()
                .flatten()
        } else {
            None
        };
        let bytes = match streamed {
            Some(bytes) => bytes,
            None if format == "jpeg" || pixels <= WHOLE_MAX => {
                let scaled = Pixbuf::from_file_at_scale(path, fit_w, fit_h, true)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                let options: &[(&str, &str)] = if kind == "jpeg" {
                    &[("quality", "85")]
                } else {
                    &[]
                };
                scaled
                    .save_to_bufferv(kind, options)
                    .map_err(|e| std::io::Error::other(e.to_string()))?
            }
            None => return Err(std::io::Error::other("too many pixels to decode whole")),
        };
        if keep {
            // A preview not kept is made again next time; nothing else depends on it.
            let _ = std::fs::write(&cached, &bytes);
        }
        Ok((bytes, out_type.to_owned()))
    }

    #[cfg(not(target_os = "linux"))]
    pub fn preview(
        path: &Path,
        media_type: &str,
        _fit: (i32, i32),
        _keep: bool,
    ) -> std::io::Result<(Vec<u8>, String)> {
        Ok((std::fs::read(path)?, media_type.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w`×`h` image of one colour saved as `kind` (png or jpeg) in `dir`.
    #[cfg(target_os = "linux")]
    fn image(dir: &std::path::Path, name: &str, kind: &str, w: i32, h: i32) -> std::path::PathBuf {
        let p = gdk_pixbuf::Pixbuf::new(gdk_pixbuf::Colorspace::Rgb, false, 8, w, h).unwrap();
        p.fill(0x2563_ebff);
        let path = dir.join(name);
        p.savev(&path, kind, &[]).unwrap();
        path
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn images_are_served_scaled_to_the_thumbnail_and_small_ones_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let size = |bytes: &[u8]| {
            let served = dir.path().join("served");
            std::fs::write(&served, bytes).unwrap();
            let (_, w, h) = gdk_pixbuf::Pixbuf::file_info(&served).unwrap();
            (w, h)
        };
        // A 12-megapixel photo in the 320×200 box on a 2× screen: 533×400, still JPEG.
        let photo = image(dir.path(), "фото.jpg", "jpeg", 4000, 3000);
        let (bytes, kind) = scaled::preview(&photo, "image/jpeg", (640, 400), true).unwrap();
        assert_eq!(kind, "image/jpeg");
        assert_eq!(size(&bytes), (533, 400), "fits the box, keeps 4:3");
        // Kept beside the file, and served from there the next time.
        let kept = dir.path().join(".preview-640x400.jpeg");
        assert_eq!(std::fs::read(&kept).unwrap(), bytes);
        assert_eq!(
            scaled::preview(&photo, "image/jpeg", (640, 400), true)
                .unwrap()
                .0,
            bytes
        );

        // A tall phone screenshot on a 1× screen: PNG, 90×200; not kept when the folder is not
        // its own.
        let tall = image(dir.path(), "екран.png", "png", 1080, 2400);
        let (bytes, kind) = scaled::preview(&tall, "image/png", scaled::BOX, false).unwrap();
        assert_eq!(kind, "image/png");
        assert_eq!(size(&bytes), (90, 200));
        assert!(!dir.path().join(".preview-320x200.png").exists());

        // Small enough: the very file.
        let icon = image(dir.path(), "icon.png", "png", 128, 128);
        let (bytes, kind) = scaled::preview(&icon, "image/png", scaled::BOX, true).unwrap();
        assert_eq!(
            (bytes, kind.as_str()),
            (std::fs::read(&icon).unwrap(), "image/png")
        );
    }

    /// What would take too much memory to decode gets no preview (the file row still opens
    /// it); a PNG is scaled as a PNG whatever its sender called it, and an interlaced one,
    /// which cannot be scaled row by row, is decoded whole when it is small enough.
    #[cfg(target_os = "linux")]
    #[test]
    fn pictures_too_large_to_decode_get_no_preview() {
        let dir = tempfile::tempdir().unwrap();
        // A PNG header claiming 20000×20000 (400 megapixels; a small file can claim that).
        let bomb = image(dir.path(), "bomb.png", "png", 64, 64);
        let mut bytes = std::fs::read(&bomb).unwrap();
        bytes[16..24].copy_from_slice(&[0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20]);
        std::fs::write(&bomb, png::tests::with_header_checksum(bytes)).unwrap();
        assert!(scaled::preview(&bomb, "image/png", scaled::BOX, true).is_err());
        // A BMP, decoded whole, of 5000×4000: 80 MB decoded.
        let bmp = image(dir.path(), "scan.bmp", "bmp", 64, 64);
        let mut bytes = std::fs::read(&bmp).unwrap();
        bytes[18..22].copy_from_slice(&5000i32.to_le_bytes());
        bytes[22..26].copy_from_slice(&4000i32.to_le_bytes());
        std::fs::write(&bmp, bytes).unwrap();
        assert!(scaled::preview(&bmp, "image/bmp", scaled::BOX, true).is_err());

        // Interlaced, 1600×1200, sent as "image/jpeg": decoded whole, scaled, served as PNG.
        let interlaced = dir.path().join("map.png");
        std::fs::write(&interlaced, png::tests::interlaced_png((1600, 1200), 200)).unwrap();
        let (bytes, kind) = scaled::preview(&interlaced, "image/jpeg", scaled::BOX, false).unwrap();
        let served = dir.path().join("served.png");
        std::fs::write(&served, &bytes).unwrap();
        let (format, w, h) = gdk_pixbuf::Pixbuf::file_info(&served).unwrap();
        assert_eq!((format.name().unwrap().as_str(), w, h), ("png", 267, 200));
        assert_eq!(kind, "image/png");
    }

    #[test]
    fn the_scale_comes_from_the_query_within_1_to_3() {
        assert_eq!(scale(None), 1);
        assert_eq!(scale(Some("scale=2")), 2);
        assert_eq!(scale(Some("x=1&scale=3")), 3);
        assert_eq!(scale(Some("scale=9")), 3);
        assert_eq!(scale(Some("scale=0")), 1);
        assert_eq!(scale(Some("scale=abc")), 1);
    }

    #[test]
    fn preview_paths_name_a_ticket_and_an_attachment() {
        let t = Uuid::now_v7();
        let a = Uuid::now_v7();
        assert_eq!(ids(&format!("/{t}/{a}")), Some((t, a)));
        assert_eq!(ids(&format!("/{t}%2F{a}")), Some((t, a)));
        assert_eq!(ids(&format!("/{t}%2f{a}")), Some((t, a)));
        assert_eq!(ids(&format!("/{t}")), None);
        assert_eq!(ids(&format!("/{t}/not-an-id")), None);
        assert_eq!(ids("/../../etc/passwd"), None);
        assert_eq!(ids(""), None);
    }
}
