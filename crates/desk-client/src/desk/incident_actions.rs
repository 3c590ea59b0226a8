//! The agents' incident actions: acknowledge, update, resolve, rename/scope, merge, announce
//! and duty. They are sent at once, not queued, and fail with a clear `offline` error when the
//! server cannot be reached: each of them tells somebody else something is happening *now*
//! (the customer waiting for "acknowledged", the re-page timer, the roster that decides who is
//! rung). A queued acknowledgement would show "acknowledged" on the agent's screen while the
//! customer sees nothing and every agent is paged again; an agent who knows it did not go
//! through picks up the phone instead. (A customer's report, by contrast, is queued: a
//! dispatcher at 02:00 with a flaky connection must be able to press "report" and trust that
//! it goes out as soon as the line is back, exactly once.) A transport failure is retried once
//! with the same client id, so a request that reached the server before the connection broke
//! is not applied twice.

use std::time::Duration;

use desk_domain::{
    ChangeData, CreateIncident, DutyAgent, Incident, IncidentStatus, MergeIncident, OutageKind,
    PostIncidentUpdate, SetDuty, UpdateIncident, limits,
};
use uuid::Uuid;

use super::Desk;
use super::incidents::AnnounceInput;
use super::writes::{TEXT_TOO_LONG, check_length};
use crate::api::ApiError;
use crate::error::Error;
use crate::sync::{ClientEvent, Inner};

/// Sends an agent's incident action now: one retry with the same request on a transport
/// failure (so a request that reached the server is not applied twice); if the server still
/// cannot be reached, `offline` with `uk`/`en` saying what was not done.
pub(super) async fn online<T, F, Fut>(
    inner: &Inner,
    uk: &str,
    en: &str,
    call: F,
) -> Result<T, Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let mut last = None;
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        match call().await {
            Ok(v) => return Ok(v),
            Err(ApiError::Transport(e)) => last = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    tracing::warn!(error = ?last, "an incident action could not reach the server");
    Err(Error::new(
        "offline",
        if inner.config.lang.starts_with("en") {
            format!(
                "No connection to the support server: {en} Check the internet connection and try again."
            )
        } else {
            format!(
                "Немає зв'язку із сервером підтримки: {uk} Перевірте інтернет і спробуйте ще раз."
            )
        },
    ))
}

impl Desk {
    pub(super) fn staff_only(&self) -> Result<(), Error> {
        if self.inner.me().role.is_staff() {
            Ok(())
        } else {
            Err(Error::new(
                "forbidden",
                if self.inner.config.lang.starts_with("en") {
                    "Only support specialists can do this.".into()
                } else {
                    "Це можуть робити лише спеціалісти підтримки.".into()
                },
            ))
        }
    }

    fn outages_changed(&self, incidents: Vec<Uuid>, pages: bool, duty: bool) {
        self.inner.emit(ClientEvent::IncidentsChanged {
            incidents,
            pages,
            duty,
            telegram_requests: false,
        });
    }

    async fn store_incident(&self, i: Incident) -> Result<Incident, Error> {
        self.inner
            .cache
            .put_all(vec![ChangeData::Incident(i.clone())], self.inner.me().id)
            .await?;
        self.outages_changed(vec![i.id], false, false);
        // Linked tickets (resolved with it, moved by a merge) come with the next pull.
        self.inner.wake.notify_one();
        Ok(i)
    }

    /// An agent's action on one incident, sent at once (`online`); the incident it answers
    /// is cached and shown.
    async fn incident_action<F, Fut>(&self, uk: &str, en: &str, call: F) -> Result<Incident, Error>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Incident, ApiError>>,
    {
        let i = online(&self.inner, uk, en, call).await?;
        self.store_incident(i).await
    }

    /// (Agents) takes the incident on: the reporters see "acknowledged by <me> at 02:14" and
    /// the re-paging stops. Fails with `offline` if the server cannot be reached.
    pub async fn acknowledge_incident(&self, id: Uuid) -> Result<Incident, Error> {
        self.staff_only()?;
        let api = &self.inner.api;
        self.incident_action(
            "підтвердження не надіслано, клієнти ще не бачать, що ви взялися за збій.",
            "the acknowledgement was not sent; customers do not see yet that you took it on.",
            || api.acknowledge_incident(id),
        )
        .await
    }

    /// (Agents) an update every affected organisation reads (and is notified of).
    pub async fn post_incident_update(&self, id: Uuid, body: &str) -> Result<Incident, Error> {
        self.send_incident_update(id, body, false).await
    }

    /// (Agents) resolves the incident with `body` as the resolution; every linked open report
    /// is resolved with it (customers get one notification: the incident's resolution).
    pub async fn resolve_incident(&self, id: Uuid, body: &str) -> Result<Incident, Error> {
        self.send_incident_update(id, body, true).await
    }

    /// An update, or (`resolve`) the resolution, sent at once.
    async fn send_incident_update(
        &self,
        id: Uuid,
        body: &str,
        resolve: bool,
    ) -> Result<Incident, Error> {
        self.staff_only()?;
        let u = new_update(body)?;
        let api = &self.inner.api;
        let (uk, en) = if resolve {
            (
                "збій не позначено вирішеним.",
                "the incident was not marked resolved.",
            )
        } else {
            ("оновлення не надіслано.", "the update was not sent.")
        };
        self.incident_action(uk, en, || async {
            if resolve {
                api.resolve_incident(id, &u).await
            } else {
                api.post_incident_update(id, &u).await
            }
        })
        .await
    }

    /// (Agents) renames the incident or changes its scope (only the fields given change; the
    /// organisations of linked reports always stay in it).
    pub async fn update_incident(&self, id: Uuid, u: UpdateIncident) -> Result<Incident, Error> {
        self.staff_only()?;
        if let Some(t) = &u.title {
            check_title(t)?;
        }
        let api = &self.inner.api;
        self.incident_action(
            "зміни не збережено.",
            "the changes were not saved.",
            || api.update_incident(id, &u),
        )
        .await
    }

    /// (Agents) groups incident `from` into `into`: its reports move, scopes join, `from`
    /// becomes `merged`.
    pub async fn merge_incidents(&self, into: Uuid, from: Uuid) -> Result<Incident, Error> {
        self.staff_only()?;
        let m = MergeIncident { from };
        let api = &self.inner.api;
        let i = online(
            &self.inner,
            "збої не об'єднано.",
            "the incidents were not merged.",
            || api.merge_incident(into, &m),
        )
        .await?;
        // The merged one comes with the next pull; show it as merged at once.
        if let Some(mut old) = self.inner.cache.incident(from).await?
            && old.status != IncidentStatus::Merged
        {
            old.status = IncidentStatus::Merged;
            old.merged_into = Some(into);
            let _ = self
                .inner
                .cache
                .put_all(vec![ChangeData::Incident(old)], self.inner.me().id)
                .await;
        }
        self.outages_changed(vec![from], false, false);
        self.store_incident(i).await
    }

    /// (Agents) announces an outage nobody reported yet, to every organisation or the ones
    /// named; `body` is the first update they read.
    pub async fn announce_incident(&self, a: AnnounceInput) -> Result<Incident, Error> {
        self.staff_only()?;
        check_title(&a.title)?;
        let body = check_body(&a.body)?;
        if !a.all_organizations && a.organization_ids.is_empty() {
            return Err(Error::invalid(
                "Оберіть, кого стосується збій: усі служби або конкретні.",
                "Choose who is affected: every organisation or the ones named.",
            ));
        }
        let c = CreateIncident {
            id: Uuid::now_v7(),
            kind: a.kind.unwrap_or(OutageKind::Other),
            title: a.title.trim().to_owned(),
            body,
            all_organizations: a.all_organizations,
            organization_ids: a.organization_ids,
        };
        let api = &self.inner.api;
        self.incident_action(
            "оголошення про збій не надіслано.",
            "the announcement was not sent.",
            || api.create_incident(&c),
        )
        .await
    }

    /// (Agents) puts me on or off duty: on-duty agents are paged first for a new outage.
    pub async fn set_on_duty(&self, on_duty: bool) -> Result<DutyAgent, Error> {
        self.staff_only()?;
        let d = SetDuty { on_duty };
        let api = &self.inner.api;
        let (uk, en) = if on_duty {
            (
                "вас не поставлено на чергування — виклики про збої поки вам не надходитимуть.",
                "you are not on duty yet — outage pages will not reach you.",
            )
        } else {
            (
                "вас не знято з чергування — виклики про збої й далі надходитимуть вам.",
                "you are still on duty — outage pages will keep reaching you.",
            )
        };
        let agent = online(&self.inner, uk, en, || api.set_duty(&d)).await?;
        self.inner
            .cache
            .put_all(vec![ChangeData::Duty(agent.clone())], self.inner.me().id)
            .await?;
        self.outages_changed(Vec::new(), false, true);
        Ok(agent)
    }

    /// (Agents) fetches the roster from the server now (the cache also follows it through
    /// sync); answers it as cached.
    pub async fn refresh_duty_roster(&self) -> Result<Vec<DutyAgent>, Error> {
        self.staff_only()?;
        let api = &self.inner.api;
        let roster = online(
            &self.inner,
            "список чергових не оновлено.",
            "the duty roster was not refreshed.",
            || api.duty(),
        )
        .await?;
        self.inner
            .cache
            .put_all(
                roster.into_iter().map(ChangeData::Duty).collect(),
                self.inner.me().id,
            )
            .await?;
        self.outages_changed(Vec::new(), false, true);
        self.duty_roster().await
    }
}

/// An update or resolution with a new id (the server's idempotency key) and a checked body.
fn new_update(body: &str) -> Result<PostIncidentUpdate, Error> {
    Ok(PostIncidentUpdate {
        id: Uuid::now_v7(),
        body: check_body(body)?,
    })
}

fn check_body(body: &str) -> Result<String, Error> {
    check_length(
        body,
        limits::BODY_MAX_CHARS,
        (
            "Напишіть текст для клієнтів.",
            "Write the text for the customers.",
        ),
        TEXT_TOO_LONG,
    )?;
    Ok(body.trim().to_owned())
}

fn check_title(t: &str) -> Result<(), Error> {
    check_length(
        t,
        limits::SUBJECT_MAX_CHARS,
        ("Вкажіть назву збою.", "Enter the incident's title."),
        (
            "Назва задовга: до 200 символів.",
            "The title is too long: at most 200 characters.",
        ),
    )
}
