//! Attachments on this device: a verified local copy of each, downloaded once on first use
//! (or kept from the upload when it was ours).

use std::path::PathBuf;
use std::sync::Arc;

use desk_domain::Attachment;

use super::Inner;
use super::push::safe_name;
use crate::error::Error;

/// A verified local copy of attachment `a`, downloading it on first use (once, however many
/// ask for it at the same time).
pub(crate) async fn attachment_file(inner: &Inner, a: &Attachment) -> Result<PathBuf, Error> {
    let lock = inner
        .downloads
        .lock()
        .map(|mut m| m.entry(a.id).or_default().clone())
        .unwrap_or_default();
    let got = {
        let _one_at_a_time = lock.lock().await;
        local_or_download(inner, a).await
    };
    // The last one out forgets the lock (the map holds one reference, each caller another).
    if let Ok(mut m) = inner.downloads.lock()
        && m.get(&a.id).is_some_and(|l| Arc::strong_count(l) <= 2)
    {
        m.remove(&a.id);
    }
    got
}

async fn local_or_download(inner: &Inner, a: &Attachment) -> Result<PathBuf, Error> {
    if let Some((path, sha)) = inner.cache.file(a.id).await?
        && sha == a.sha256
        && tokio::fs::metadata(&path)
            .await
            .map(|m| m.len() == a.size)
            .unwrap_or(false)
    {
        return Ok(path);
    }
    // Not yet sent: the provisional attachment is our own copy.
    if let Some(f) = inner
        .local
        .items()
        .await?
        .iter()
        .flat_map(|i| i.files.iter())
        .find(|f| f.id == a.id)
    {
        return Ok(f.path.clone());
    }
    let dir = inner.downloads_dir().join(a.id.simple().to_string());
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(Error::storage)?;
    let dest = dir.join(safe_name(&a.filename));
    let part = dir.join(".download.part");
    let (size, sha) = match inner.api.download(a.id, &part).await {
        Ok(v) => v,
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e.into());
        }
    };
    if size != a.size || sha != a.sha256 {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(Error::new(
            "checksum_mismatch",
            if inner.config.lang.starts_with("en") {
                format!(
                    "“{}” arrived damaged (checksum mismatch). Try opening it again.",
                    a.filename
                )
            } else {
                format!(
                    "Файл «{}» надійшов пошкодженим (контрольна сума не збігається). Спробуйте відкрити ще раз.",
                    a.filename
                )
            },
        ));
    }
    tokio::fs::rename(&part, &dest)
        .await
        .map_err(Error::storage)?;
    inner.cache.put_file(a.id, &dest, &sha).await?;
    Ok(dest)
}
