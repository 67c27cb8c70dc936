//! REST routes for workload: the dashboard's figures (JSON and CSV), time on tickets, the
//! timer, the month's time for invoicing, and contracts.

use super::{ApiJson, ApiPath, ApiQuery, CallerZone, ErrorBody};
use crate::auth::{Caller, SignedInVia};
use crate::state::AppState;
use app::accounts::OrgId;
use app::error::AppError;
use app::reports::{
    Contract, Month, ReportParams, RunningTimer, TicketTime, TimeEntry, TimeInput, TimeParams,
    Workload,
};
use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(workload))
        .routes(routes!(workload_csv))
        .routes(routes!(ticket_time, log_time))
        // Literal paths, matched before `{id}`.
        .routes(routes!(list_time_entries))
        .routes(routes!(time_entries_csv))
        .routes(routes!(mark_billed))
        .routes(routes!(update_time, delete_time))
        .routes(routes!(get_timer, start_timer, stop_timer))
        .routes(routes!(get_contract, set_contract))
}

/// A CSV download named `file_name`.
pub(super) fn csv_response(file_name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// What a download is named after: the organization's name as a file-safe slug
/// (`acme-dental`), `all` for every organization.
fn org_label(org: Option<OrgId>, name: Option<&str>) -> String {
    match org {
        None => "all".to_string(),
        Some(org) => crate::reports::csv::file_slug(name.unwrap_or(""), &format!("org-{org}")),
    }
}

async fn load_workload(
    state: &AppState,
    actor: &app::accounts::Actor,
    params: ReportParams,
    via: app::accounts::Via,
    zone: &app::clock::Zone,
) -> Result<Workload, AppError> {
    let query = params.parse(zone.today())?;
    state.backend.reports.workload(actor, query, via).await
}

/// The dashboard's figures for one client organization (`org`) or every one the caller may
/// see, over `from`..=`to` (days; the last 30 by default, ending today in the caller's time zone). Provider staff read any
/// organization; a manager reads their own (another is 404); requesters none (403). Provider
/// staff reading it are recorded in the access log of the organization, or of every client
/// organization when the report covers them all.
#[utoipa::path(get, path = "/api/v1/reports/workload", tag = "reports",
    security(("bearer" = [])), params(ReportParams),
    responses((status = 200, body = Workload), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn workload(
    State(state): State<AppState>,
    Caller(actor): Caller,
    SignedInVia(via): SignedInVia,
    CallerZone(zone): CallerZone,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<Json<Workload>, AppError> {
    Ok(Json(
        load_workload(&state, &actor, params, via, &zone).await?,
    ))
}

/// The same figures as one CSV file, one figure per line: `section,name,measure,value`.
/// Sections: backlog, days, ageing, medians, sla, by_category, by_requester, by_technician,
/// contract, burn, deflections, ratings.
#[utoipa::path(get, path = "/api/v1/reports/workload.csv", tag = "reports",
    security(("bearer" = [])), params(ReportParams),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn workload_csv(
    State(state): State<AppState>,
    Caller(actor): Caller,
    SignedInVia(via): SignedInVia,
    CallerZone(zone): CallerZone,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<Response, AppError> {
    let w = load_workload(&state, &actor, params, via, &zone).await?;
    let name = format!(
        "workload-{}-{}-{}.csv",
        org_label(w.org_id, w.org_name.as_deref()),
        w.from,
        w.to
    );
    Ok(csv_response(&name, crate::reports::csv::workload(&w)))
}

/// The time logged on a ticket, and the caller's running timer (provider staff).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/time", tag = "time",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    responses((status = 200, body = TicketTime), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn ticket_time(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TicketTime>, AppError> {
    Ok(Json(state.backend.reports.ticket_time(&actor, id).await?))
}

/// Log time on a ticket by hand (provider staff). Internal: the client's people never see it.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/time", tag = "time",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Ticket number")),
    request_body = TimeInput,
    responses((status = 201, body = TimeEntry), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn log_time(
    State(state): State<AppState>,
    Caller(actor): Caller,
    CallerZone(zone): CallerZone,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TimeInput>,
) -> Result<(StatusCode, Json<TimeEntry>), AppError> {
    let time = body.parse(zone.today())?;
    let entry = state.backend.reports.log_time(&actor, id, time).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// Change one of your time entries (admins: anyone's). Billed entries are locked (409).
#[utoipa::path(patch, path = "/api/v1/time-entries/{id}", tag = "time",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Time entry id")),
    request_body = TimeInput,
    responses((status = 200, body = TimeEntry), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_time(
    State(state): State<AppState>,
    Caller(actor): Caller,
    CallerZone(zone): CallerZone,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TimeInput>,
) -> Result<Json<TimeEntry>, AppError> {
    let time = body.parse(zone.today())?;
    Ok(Json(
        state.backend.reports.update_time(&actor, id, time).await?,
    ))
}

/// Delete one of your time entries (admins: anyone's). Billed entries are locked (409).
#[utoipa::path(delete, path = "/api/v1/time-entries/{id}", tag = "time",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Time entry id")),
    responses((status = 204), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_time(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    state.backend.reports.delete_time(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your running timer; `null` when none runs (provider staff).
#[utoipa::path(get, path = "/api/v1/timer", tag = "time", security(("bearer" = [])),
    responses((status = 200, body = Option<RunningTimer>), (status = 403, body = ErrorBody)))]
async fn get_timer(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Option<RunningTimer>>, AppError> {
    Ok(Json(state.backend.reports.timer(&actor).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct StartTimer {
    ticket_id: i64,
}

/// Start your timer on a ticket. One runs per person: a timer running elsewhere is stopped
/// first and its time logged. The timer is kept in the database, so it survives reloads and
/// restarts.
#[utoipa::path(post, path = "/api/v1/timer", tag = "time", security(("bearer" = [])),
    request_body = StartTimer,
    responses((status = 201, body = RunningTimer), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn start_timer(
    State(state): State<AppState>,
    Caller(actor): Caller,
    CallerZone(zone): CallerZone,
    ApiJson(body): ApiJson<StartTimer>,
) -> Result<(StatusCode, Json<RunningTimer>), AppError> {
    let timer = state
        .backend
        .reports
        .start_timer(&actor, body.ticket_id, &zone)
        .await?;
    Ok((StatusCode::CREATED, Json(timer)))
}

/// Stop your timer and log its time: every started minute, at least one, at most a day.
/// 200 with the logged entry, or 204 when no timer ran.
#[utoipa::path(delete, path = "/api/v1/timer", tag = "time", security(("bearer" = [])),
    responses((status = 200, body = TimeEntry), (status = 204),
        (status = 403, body = ErrorBody)))]
async fn stop_timer(
    State(state): State<AppState>,
    Caller(actor): Caller,
    CallerZone(zone): CallerZone,
) -> Result<Response, AppError> {
    Ok(
        match state.backend.reports.stop_timer(&actor, &zone).await? {
            Some(entry) => Json(entry).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// Time logged in a month, oldest first: one organization's or (provider staff) every
/// organization's. Managers see their own organization's; requesters none (403). Recorded in
/// the access log like the workload report.
#[utoipa::path(get, path = "/api/v1/time-entries", tag = "time", security(("bearer" = [])),
    params(TimeParams),
    responses((status = 200, body = Vec<TimeEntry>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_time_entries(
    State(state): State<AppState>,
    Caller(actor): Caller,
    CallerZone(zone): CallerZone,
    SignedInVia(via): SignedInVia,
    ApiQuery(query): ApiQuery<TimeParams>,
) -> Result<Json<Vec<TimeEntry>>, AppError> {
    let (org, month) = query.parse(zone.today())?;
    Ok(Json(
        state
            .backend
            .reports
            .time_entries(&actor, org, month, via)
            .await?,
    ))
}

/// The same entries as CSV for invoicing: date, ticket, subject, organization, technician,
/// minutes, hours, billable, billed month, note; then a total and a billable total line.
#[utoipa::path(get, path = "/api/v1/time-entries.csv", tag = "time",
    security(("bearer" = [])), params(TimeParams),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn time_entries_csv(
    State(state): State<AppState>,
    Caller(actor): Caller,
    CallerZone(zone): CallerZone,
    SignedInVia(via): SignedInVia,
    ApiQuery(query): ApiQuery<TimeParams>,
) -> Result<Response, AppError> {
    let (org, month) = query.parse(zone.today())?;
    let entries = state
        .backend
        .reports
        .time_entries(&actor, org, month, via)
        .await?;
    // A manager asking for no org in particular gets their own.
    let org = if actor.is_provider_staff() {
        org
    } else {
        org.or(Some(actor.org_id))
    };
    // The caller may read this organization's time (checked above), so its name too.
    let org_name = match org {
        Some(org) => state.db.client_org_name(org).await?,
        None => None,
    };
    let name = format!("time-{}-{month}.csv", org_label(org, org_name.as_deref()));
    // A month of a busy provider's entries is thousands of lines: built off the runtime.
    let csv = crate::blocking::run(move || crate::reports::csv::time_entries(&entries)).await?;
    Ok(csv_response(&name, csv))
}

#[derive(Deserialize, ToSchema)]
pub struct BillMonth {
    org_id: OrgId,
    /// `2026-11`.
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    month: String,
}

#[derive(serde::Serialize, ToSchema)]
pub struct Billed {
    /// How many entries were locked now.
    billed: usize,
}

/// Lock every unbilled entry of an organization dated in a month as invoiced (admins).
#[utoipa::path(post, path = "/api/v1/time-entries/billed", tag = "time",
    security(("bearer" = [])), request_body = BillMonth,
    responses((status = 200, body = Billed), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn mark_billed(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<BillMonth>,
) -> Result<Json<Billed>, AppError> {
    let month = Month::parse(&body.month).map_err(|m| AppError::invalid("month", m))?;
    let billed = state
        .backend
        .reports
        .mark_billed(&actor, body.org_id, month)
        .await?;
    Ok(Json(Billed { billed }))
}

/// An organization's contract (provider staff; a manager their own). Zeros when none is set.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/contract", tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = Contract), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_contract(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Contract>, AppError> {
    Ok(Json(state.backend.reports.contract(&actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ContractInput {
    /// 0 to 10,000 hours a month.
    #[schema(minimum = 0, maximum = 10000)]
    hours_included: i64,
    /// Beyond the included hours, per hour: 0 to 10,000,000 cents.
    #[schema(minimum = 0, maximum = 10000000)]
    hourly_rate_cents: i64,
}

/// Set an organization's contract (admins).
#[utoipa::path(put, path = "/api/v1/orgs/{id}/contract", tag = "reports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    request_body = ContractInput,
    responses((status = 200, body = Contract), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_contract(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContractInput>,
) -> Result<Json<Contract>, AppError> {
    let contract = Contract {
        org_id: id,
        hours_included: body.hours_included,
        hourly_rate_cents: body.hourly_rate_cents,
    };
    Ok(Json(
        state.backend.reports.set_contract(&actor, contract).await?,
    ))
}
