//! Where attachments' bytes live: a [`BlobStore`] (a directory of files today, an object store
//! later). A blob is written as a stream and becomes visible only when finished — durably — under
//! its id; an upload dropped before that leaves nothing behind.

use std::path::{Path, PathBuf};
use std::pin::Pin;

use async_trait::async_trait;
use tokio::io::{AsyncRead, AsyncWriteExt};
use uuid::Uuid;

use crate::error::Result;

/// A blob's bytes, streamed.
pub type BlobReader = Pin<Box<dyn AsyncRead + Send>>;

/// A blob being written. Dropping it unfinished discards what was written.
#[async_trait]
pub trait BlobUpload: Send {
    async fn write(&mut self, chunk: &[u8]) -> Result<()>;
    /// Makes the bytes durable and visible as blob `id`.
    async fn finish(self: Box<Self>, id: Uuid) -> Result<()>;
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    async fn begin(&self) -> Result<Box<dyn BlobUpload>>;
    /// Blob `id`'s bytes, or `None` if there is no such blob.
    async fn open(&self, id: Uuid) -> Result<Option<BlobReader>>;
    async fn remove(&self, id: Uuid) -> Result<()>;
}

/// Blobs as files: `blobs/<id>`, written under `uploads/` first and renamed into place after
/// an fsync, then the directory entry synced too.
pub struct FsBlobStore {
    blobs: PathBuf,
    uploads: PathBuf,
}

impl FsBlobStore {
    /// Opens (creating) `dir/blobs` and `dir/uploads`; uploads a crash cut short are removed.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        let blobs = dir.join("blobs");
        let uploads = dir.join("uploads");
        std::fs::create_dir_all(&blobs)?;
        if uploads.exists() {
            std::fs::remove_dir_all(&uploads)?;
        }
        std::fs::create_dir_all(&uploads)?;
        Ok(Self { blobs, uploads })
    }

    fn path(&self, id: Uuid) -> PathBuf {
        self.blobs.join(id.simple().to_string())
    }
}

struct FsUpload {
    file: Option<tokio::fs::File>,
    part: PathBuf,
    blobs: PathBuf,
}

impl Drop for FsUpload {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

#[async_trait]
impl BlobUpload for FsUpload {
    async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        match self.file.as_mut() {
            Some(f) => Ok(f.write_all(chunk).await?),
            None => Err(crate::Error::internal("write after finish")),
        }
    }

    async fn finish(mut self: Box<Self>, id: Uuid) -> Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Err(crate::Error::internal("finished twice"));
        };
        // Durable before anyone is told: the data, the rename into place, the directory entry.
        file.sync_all().await?;
        let blob = self.blobs.join(id.simple().to_string());
        tokio::fs::rename(&self.part, &blob).await?;
        self.file = None;
        if let Err(e) = sync_dir(&self.blobs).await {
            let _ = tokio::fs::remove_file(&blob).await;
            return Err(e.into());
        }
        Ok(())
    }
}

async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
        .await
        .map_err(std::io::Error::other)?
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn begin(&self) -> Result<Box<dyn BlobUpload>> {
        let part = self
            .uploads
            .join(format!("{}.part", Uuid::new_v4().simple()));
        let file = tokio::fs::File::create(&part).await?;
        Ok(Box::new(FsUpload {
            file: Some(file),
            part,
            blobs: self.blobs.clone(),
        }))
    }

    async fn open(&self, id: Uuid) -> Result<Option<BlobReader>> {
        match tokio::fs::File::open(self.path(id)).await {
            Ok(f) => Ok(Some(Box::pin(f))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn remove(&self, id: Uuid) -> Result<()> {
        match tokio::fs::remove_file(self.path(id)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn a_blob_is_there_only_once_finished() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let store = FsBlobStore::open(dir.path())?;
        let id = Uuid::now_v7();
        let mut up = store.begin().await?;
        up.write(b"hello ").await?;
        up.write(b"world").await?;
        assert!(store.open(id).await?.is_none());
        up.finish(id).await?;
        let mut got = String::new();
        let Some(mut r) = store.open(id).await? else {
            panic!("finished blob is missing");
        };
        r.read_to_string(&mut got).await?;
        assert_eq!(got, "hello world");

        let mut dropped = store.begin().await?;
        dropped.write(b"cut").await?;
        drop(dropped);
        assert_eq!(std::fs::read_dir(dir.path().join("uploads"))?.count(), 0);
        store.remove(id).await?;
        assert!(store.open(id).await?.is_none());
        Ok(())
    }
}
