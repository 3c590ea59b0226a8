//! Group commit for SQLite: one task owns the only write connection, takes every write job that
//! is queued, runs each inside its own SAVEPOINT of one IMMEDIATE transaction, commits once
//! (one fsync with `synchronous=FULL`) and only then answers each caller. A failed job rolls back
//! to its savepoint and fails alone. Durable answers at the cost of one fsync per batch, not per
//! ticket; and ticket numbers stay gap-free because numbering happens inside the serial writer.

use desk_core::storage::{ChangeNote, Job, JobOutput};
use desk_core::{Error, Result};
use futures::future::BoxFuture;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use tokio::sync::{broadcast, mpsc, oneshot};
use uuid::Uuid;

use super::Db;

/// Most jobs folded into one transaction.
const MAX_BATCH: usize = 256;

/// What a job sees: the connection inside the open transaction, the change notes it adds
/// (broadcast only after commit) and the status-history rows it records (written for the whole
/// batch in one statement just before the commit: nothing reads them inside a write, and one
/// statement per ticket would lengthen every batch before its fsync). It is the
/// [`desk_core::storage::Tx`] the services' jobs get.
pub(crate) struct WriteCtx {
    pub conn: SqliteConnection,
    pub notes: Vec<ChangeNote>,
    pub history: Vec<StatusRow>,
}

/// A ticket's status at a time, for `ticket_status_history`.
pub(crate) struct StatusRow {
    pub ticket_id: Uuid,
    pub status: &'static str,
    pub at_ms: i64,
}

/// Rows per `INSERT` (3 bound values each, well under SQLite's limit of 32,766).
const HISTORY_CHUNK: usize = 1000;

/// Writes the batch's status-history rows.
async fn flush_history(ctx: &mut WriteCtx) -> Result<()> {
    for chunk in ctx.history.chunks(HISTORY_CHUNK) {
        let values = vec!["(?, ?, ?)"; chunk.len()].join(", ");
        let sql =
            format!("INSERT INTO ticket_status_history (ticket_id, status, at) VALUES {values}");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            q = q.bind(r.ticket_id).bind(r.status).bind(r.at_ms);
        }
        q.execute(&mut ctx.conn).await.db()?;
    }
    ctx.history.clear();
    Ok(())
}

type Finish = Box<dyn FnOnce(Result<()>) + Send>;
type Queued = Box<dyn for<'c> FnOnce(&'c mut WriteCtx) -> BoxFuture<'c, (bool, Finish)> + Send>;

#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::Sender<Queued>,
}

impl Writer {
    /// Starts the writer task; it ends when the last `Writer` is dropped.
    pub fn spawn(conn: SqliteConnection, events: broadcast::Sender<ChangeNote>) -> Self {
        let (tx, rx) = mpsc::channel::<Queued>(4096);
        tokio::spawn(run(
            WriteCtx {
                conn,
                notes: Vec::new(),
                history: Vec::new(),
            },
            rx,
            events,
        ));
        Self { tx }
    }

    /// Runs `job` in the next batch and answers once that batch is durable.
    pub async fn run(&self, job: Job) -> Result<JobOutput> {
        let (tx, rx) = oneshot::channel::<Result<JobOutput>>();
        let queued: Queued = Box::new(move |ctx| {
            Box::pin(async move {
                let res = job(ctx).await;
                let ok = res.is_ok();
                let finish: Finish = Box::new(move |commit: Result<()>| {
                    let _ = tx.send(commit.and(res));
                });
                (ok, finish)
            })
        });
        self.tx
            .send(queued)
            .await
            .map_err(|_| Error::unavailable())?;
        rx.await.map_err(|_| Error::unavailable())?
    }
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> Result<()> {
    sqlx::query(sql).execute(conn).await.db()?;
    Ok(())
}

async fn run(
    mut ctx: WriteCtx,
    mut rx: mpsc::Receiver<Queued>,
    events: broadcast::Sender<ChangeNote>,
) {
    let mut batch: Vec<Queued> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut finishes: Vec<Finish> = Vec::with_capacity(batch.len());
        ctx.notes.clear();
        ctx.history.clear();
        let outcome = run_batch(&mut ctx, &mut batch, &mut finishes).await;
        let outcome = match outcome {
            Ok(()) => match flush_history(&mut ctx).await {
                Ok(()) => exec(&mut ctx.conn, "COMMIT").await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        if outcome.is_err() {
            // The transaction may still be open; a failed rollback only means it is not.
            let _ = exec(&mut ctx.conn, "ROLLBACK").await;
            tracing::error!(error = ?outcome, "write batch failed; nothing in it was kept");
        } else {
            for note in ctx.notes.drain(..) {
                let _ = events.send(note);
            }
        }
        for finish in finishes {
            finish(outcome.clone());
        }
    }
    let _ = ctx.conn.close().await;
}

async fn run_batch(
    ctx: &mut WriteCtx,
    batch: &mut Vec<Queued>,
    finishes: &mut Vec<Finish>,
) -> Result<()> {
    exec(&mut ctx.conn, "BEGIN IMMEDIATE").await?;
    // On an error the rest of the drain is dropped, and with it each job's answer channel:
    // those callers are told the server is unavailable, and nothing of theirs was kept.
    for job in batch.drain(..) {
        exec(&mut ctx.conn, "SAVEPOINT job").await?;
        let (mark, history_mark) = (ctx.notes.len(), ctx.history.len());
        let (ok, finish) = job(ctx).await;
        finishes.push(finish);
        if !ok {
            exec(&mut ctx.conn, "ROLLBACK TO job").await?;
            ctx.notes.truncate(mark);
            ctx.history.truncate(history_mark);
        }
        exec(&mut ctx.conn, "RELEASE job").await?;
    }
    Ok(())
}
