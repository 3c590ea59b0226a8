//! Copying a user's file into the app's data dir in one streaming pass that also hashes it, so
//! large videos never sit in memory and the original may move or vanish afterwards.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::error::Error;
use crate::local::LocalFile;

const CHUNK: usize = 256 * 1024;

/// Copies `src` to `dir/<new id>`; answers the copy's record. `max` bounds the size.
pub async fn copy_in(src: &Path, dir: &Path, max: u64) -> Result<LocalFile, Error> {
    let meta = tokio::fs::metadata(src)
        .await
        .map_err(|e| Error::file_unreadable(src, &e))?;
    if !meta.is_file() {
        return Err(Error::file_unreadable(
            src,
            &std::io::Error::other("not a regular file"),
        ));
    }
    if meta.len() > max {
        return Err(Error::file_too_large(src, meta.len(), max));
    }
    let filename = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "file".into());
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(Error::storage)?;
    let id = Uuid::now_v7();
    let dest: PathBuf = dir.join(id.simple().to_string());
    let result = copy_hashing(src, &dest).await;
    let (size, sha256, head) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = tokio::fs::remove_file(&dest).await;
            return Err(e);
        }
    };
    let media_type = infer::get(&head)
        .map(|k| k.mime_type().to_owned())
        .unwrap_or_else(|| "application/octet-stream".into());
    Ok(LocalFile {
        id,
        path: dest,
        filename,
        size,
        sha256,
        media_type,
        server_id: None,
    })
}

async fn copy_hashing(src: &Path, dest: &Path) -> Result<(u64, String, Vec<u8>), Error> {
    let mut input = tokio::fs::File::open(src)
        .await
        .map_err(|e| Error::file_unreadable(src, &e))?;
    let mut out = tokio::fs::File::create(dest)
        .await
        .map_err(Error::storage)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut head = Vec::new();
    let mut size = 0u64;
    loop {
        let n = input
            .read(&mut buf)
            .await
            .map_err(|e| Error::file_unreadable(src, &e))?;
        if n == 0 {
            break;
        }
        if head.len() < 8192 {
            head.extend_from_slice(&buf[..n.min(8192 - head.len())]);
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).await.map_err(Error::storage)?;
        size += n as u64;
    }
    out.sync_all().await.map_err(Error::storage)?;
    Ok((size, hex::encode(hasher.finalize()), head))
}
