//! Outages: reports (any hour, by customers), incidents (agents acknowledge, update, resolve,
//! rescope and merge them) and the duty roster. Customers see the incidents that concern their
//! organisation; whatever only agents may do answers 403 to a customer, and an incident a
//! customer may not see answers 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use desk_core::services::{NewIncident, NewOutage};
use desk_core::{Actor, validate};
use desk_domain::{
    CreateIncident, DutyAgent, Incident, IncidentFilter, MergeIncident, OutageReport,
    PostIncidentUpdate, ReportOutage, SetDuty, UpdateIncident,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::app::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/outages", post(report))
        .route("/incidents", get(list).post(create))
        .route("/incidents/{id}", get(get_one).patch(update))
        .route("/incidents/{id}/acknowledge", post(acknowledge))
        .route("/incidents/{id}/updates", post(post_update))
        .route("/incidents/{id}/resolve", post(resolve))
        .route("/incidents/{id}/merge", post(merge))
        .route("/duty", get(duty).put(set_duty))
}

/// [`ReportOutage`] with `kind` read as text, so an unknown kind gets a clear answer.
#[derive(Deserialize)]
pub struct ReportBody {
    id: Uuid,
    kind: String,
    description: String,
    #[serde(default)]
    attachment_ids: Vec<Uuid>,
    #[serde(default)]
    organization_id: Option<Uuid>,
}

/// Reports an outage at any hour: an urgent ticket (the description its first message) linked
/// to the open incident of that kind for the organisation (`already_known`), or to a new one
/// that pages the agents on duty. Idempotent by `id`.
#[utoipa::path(post, path = "/api/v1/outages", tag = "incidents", security(("bearer" = [])),
    request_body = ReportOutage,
    responses((status = 201, body = OutageReport), (status = 422, body = desk_domain::ErrorBody),
              (status = 409, body = desk_domain::ErrorBody)))]
pub async fn report(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ReportBody>,
) -> Result<(StatusCode, Json<OutageReport>), ApiError> {
    let req = ReportOutage {
        id: req.id,
        kind: validate::outage_kind(&req.kind)?,
        description: req.description,
        attachment_ids: req.attachment_ids,
        organization_id: req.organization_id,
    };
    let new = NewOutage::from_request(&auth.viewer, req)?;
    let (report, _) = st.core.report_outage(&Actor::app(auth.viewer), new).await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// Incidents the caller may see, newest first: customers those concerning their organisation.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", security(("bearer" = [])),
    params(IncidentFilter),
    responses((status = 200, body = Vec<Incident>), (status = 400, body = desk_domain::ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(f): ApiQuery<IncidentFilter>,
) -> Result<Json<Vec<Incident>>, ApiError> {
    let status = validate::incident_status_filter(f.status.as_deref())?;
    Ok(Json(st.core.incidents(&auth.viewer, status).await?))
}

/// One incident; one that does not concern the caller's organisation answers 404.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Incident), (status = 404, body = desk_domain::ErrorBody)))]
pub async fn get_one(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(st.core.incident(&auth.viewer, id).await?))
}

/// Agents: announces an outage nobody reported yet (to some organisations or all); `body` is
/// its first update. Nobody is paged for it. Idempotent by `id`.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", security(("bearer" = [])),
    request_body = CreateIncident,
    responses((status = 201, body = Incident), (status = 403, body = desk_domain::ErrorBody),
              (status = 422, body = desk_domain::ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateIncident>,
) -> Result<(StatusCode, Json<Incident>), ApiError> {
    let new = NewIncident {
        id: req.id,
        kind: req.kind,
        title: req.title,
        body: req.body,
        all_organizations: req.all_organizations,
        organization_ids: req.organization_ids,
        created_at_ms: None,
    };
    let (incident, _) = st.core.create_incident(&auth.viewer, new).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

/// Agents: takes the incident; re-paging stops and the reporters see who and when.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/acknowledge", tag = "incidents",
    security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Incident), (status = 403, body = desk_domain::ErrorBody),
              (status = 404, body = desk_domain::ErrorBody), (status = 409, body = desk_domain::ErrorBody)))]
pub async fn acknowledge(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(
        st.core.acknowledge_incident(&auth.viewer, id, None).await?,
    ))
}

/// Agents: an update to everyone affected. Idempotent by `id`.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/updates", tag = "incidents",
    security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = PostIncidentUpdate,
    responses((status = 200, body = Incident), (status = 403, body = desk_domain::ErrorBody),
              (status = 404, body = desk_domain::ErrorBody), (status = 422, body = desk_domain::ErrorBody)))]
pub async fn post_update(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<PostIncidentUpdate>,
) -> Result<Json<Incident>, ApiError> {
    add_update(st, auth, id, req, false).await
}

/// Agents: resolves the incident; every linked open report is resolved with the same text as
/// the agent's reply. Idempotent by `id`.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/resolve", tag = "incidents",
    security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = PostIncidentUpdate,
    responses((status = 200, body = Incident), (status = 403, body = desk_domain::ErrorBody),
              (status = 404, body = desk_domain::ErrorBody), (status = 409, body = desk_domain::ErrorBody)))]
pub async fn resolve(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<PostIncidentUpdate>,
) -> Result<Json<Incident>, ApiError> {
    add_update(st, auth, id, req, true).await
}

/// An update, or (`resolve`) the resolution, posted by an agent.
async fn add_update(
    st: AppState,
    auth: Auth,
    id: Uuid,
    req: PostIncidentUpdate,
    resolve: bool,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(
        st.core
            .post_incident_update(&auth.viewer, id, req.id, &req.body, resolve, None)
            .await?,
    ))
}

/// Agents: renames it or changes whom it affects (the reporting organisations always stay).
#[utoipa::path(patch, path = "/api/v1/incidents/{id}", tag = "incidents",
    security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = UpdateIncident,
    responses((status = 200, body = Incident), (status = 403, body = desk_domain::ErrorBody),
              (status = 404, body = desk_domain::ErrorBody), (status = 422, body = desk_domain::ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateIncident>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(st.core.update_incident(&auth.viewer, id, req).await?))
}

/// Agents: moves `from`'s reports into this incident and joins the scopes; `from` becomes
/// `merged`.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/merge", tag = "incidents",
    security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = MergeIncident,
    responses((status = 200, body = Incident), (status = 403, body = desk_domain::ErrorBody),
              (status = 404, body = desk_domain::ErrorBody), (status = 409, body = desk_domain::ErrorBody)))]
pub async fn merge(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<MergeIncident>,
) -> Result<Json<Incident>, ApiError> {
    Ok(Json(
        st.core.merge_incidents(&auth.viewer, id, req.from).await?,
    ))
}

/// Agents: the duty roster, on duty first.
#[utoipa::path(get, path = "/api/v1/duty", tag = "incidents", security(("bearer" = [])),
    responses((status = 200, body = Vec<DutyAgent>), (status = 403, body = desk_domain::ErrorBody)))]
pub async fn duty(
    State(st): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<DutyAgent>>, ApiError> {
    Ok(Json(st.core.duty_roster(&auth.viewer).await?))
}

/// Agents: goes on or off duty (the caller's own state).
#[utoipa::path(put, path = "/api/v1/duty", tag = "incidents", security(("bearer" = [])),
    request_body = SetDuty,
    responses((status = 200, body = DutyAgent), (status = 403, body = desk_domain::ErrorBody)))]
pub async fn set_duty(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<SetDuty>,
) -> Result<Json<DutyAgent>, ApiError> {
    Ok(Json(st.core.set_duty(&auth.viewer, req.on_duty).await?))
}
