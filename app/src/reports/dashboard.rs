//! `/reports`: the workload dashboard. Office managers see their own organization; the
//! provider's staff see every client or one at a time. Charts, their tables, and CSV.

use super::charts::{BarList, ColumnChart, LineChart, Series};
use super::time_panel::duration_text;
use super::{Contract, ReportParams, Workload, format_date};
use crate::accounts::{Actor, Org, OrgId, Role};
use crate::auth::Protected;
use crate::components::{ErrorNotice, FieldError, OrgFilter, form_error};
use crate::error::AppError;
use crate::tickets::{Priority, Status};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// What the dashboard shows: the figures, and the organizations to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub workload: Workload,
    pub orgs: Vec<Org>,
}

#[server]
pub async fn load_dashboard(
    // Every field may be absent; the argument must still arrive.
    #[server(default)] params: ReportParams,
) -> Result<Dashboard, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let query = params.parse(crate::clock::requested().0.today())?;
        let workload = backend
            .reports
            .workload(&actor, query, crate::backend::via())
            .await?;
        let orgs = backend
            .accounts
            .list_orgs(&actor)
            .await?
            .into_iter()
            .filter(|o| o.kind == crate::accounts::OrgKind::Client)
            .collect();
        Ok(Dashboard { workload, orgs })
    })
    .await
}

/// Sets an organization's contract (admins). The rate is typed as money, e.g. 95.00.
#[server]
pub async fn save_contract(
    org_id: OrgId,
    hours_included: String,
    hourly_rate: String,
) -> Result<Contract, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let hours = hours_included.trim().parse::<i64>().map_err(|_| {
            AppError::invalid("hours_included", "Give the hours as a whole number.")
        })?;
        let cents =
            parse_money(&hourly_rate).map_err(|m| AppError::invalid("hourly_rate_cents", m))?;
        backend
            .reports
            .set_contract(
                &actor,
                Contract {
                    org_id,
                    hours_included: hours,
                    hourly_rate_cents: cents,
                },
            )
            .await
    })
    .await
}

/// Locks the month's time of one organization as invoiced (admins).
#[server]
pub async fn bill_month(org_id: OrgId, month: String) -> Result<usize, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let month = super::Month::parse(&month).map_err(|m| AppError::invalid("month", m))?;
        backend.reports.mark_billed(&actor, org_id, month).await
    })
    .await
}

/// "95", "95.5" or "95.50" as cents.
pub fn parse_money(raw: &str) -> Result<i64, String> {
    let bad = || "Give the rate as an amount like 95.00.".to_string();
    let raw = raw.trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() || fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .filter(|c| *c >= 0)
        .ok_or_else(bad)
}

pub fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn reporters(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Technician | Role::Admin)
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <Title text="Reports" />
        <Protected allow=reporters render=|me: Actor| view! { <DashboardView me /> } />
    }
}

#[component]
fn DashboardView(me: Actor) -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        query.with(|q| ReportParams {
            org: q.get("org"),
            from: q.get("from"),
            to: q.get("to"),
        })
    });
    let contract = ServerAction::<SaveContract>::new();
    let billed = ServerAction::<BillMonth>::new();
    let changed = crate::live::use_live().any_version();
    let data = Resource::new(
        move || {
            (
                params.get(),
                changed.get(),
                contract.version().get(),
                billed.version().get(),
            )
        },
        |(params, ..)| load_dashboard(params),
    );
    let staff = me.is_provider_staff();
    let admin = me.is_admin();
    view! {
        <h1>"Reports"</h1>
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(dashboard) => {
                        view! {
                            <Filters dashboard=dashboard.clone() staff />
                            <Figures workload=dashboard.workload.clone() staff />
                            {(admin && dashboard.workload.org_id.is_some())
                                .then(|| {
                                    view! {
                                        <Billing
                                            workload=dashboard.workload.clone()
                                            contract
                                            billed
                                        />
                                    }
                                })}
                        }
                            .into_any()
                    }
                    Err(AppError::Invalid { fields }) => {
                        let text = fields.into_values().flatten().collect::<Vec<_>>().join(" ");
                        view! {
                            <p class="error" role="alert">
                                {text}
                            </p>
                            <p>
                                <a href="/reports">"Show the last 30 days"</a>
                            </p>
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound) => {
                        crate::components::not_found_status();
                        view! {
                            <p class="error" role="alert">
                                "There is no such organization among yours."
                            </p>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The query string of a report, for links and downloads.
fn report_query(org: Option<OrgId>, from: &str, to: &str) -> String {
    let mut q = format!("from={from}&to={to}");
    if let Some(org) = org {
        q = format!("org={org}&{q}");
    }
    q
}

#[component]
fn Filters(dashboard: Dashboard, staff: bool) -> impl IntoView {
    let w = &dashboard.workload;
    let today = crate::clock::Clock::get()
        .zone
        .with_untracked(crate::clock::Zone::today);
    let days_back = |days: i64| format_date(today - time::Duration::days(days - 1));
    let to = format_date(today);
    let org = w.org_id;
    let heading = w
        .org_name
        .clone()
        .unwrap_or_else(|| "Every client organization".to_string());
    let csv = format!(
        "/api/v1/reports/workload.csv?{}",
        report_query(org, &w.from, &w.to)
    );
    let time_csv = match org {
        Some(org) => format!("/api/v1/time-entries.csv?org={org}&month={}", w.month),
        None => format!("/api/v1/time-entries.csv?month={}", w.month),
    };
    view! {
        <p class="lead">{format!("{heading} · {} to {}", w.from, w.to)}</p>
        <form class="filters" method="get" action="/reports">
            {staff
                .then(|| {
                    view! {
                        <OrgFilter
                            id="report-org"
                            orgs=dashboard.orgs.clone()
                            selected=org
                            blank="Every organization"
                        />
                    }
                })}
            <div class="field">
                <label for="report-from">"From"</label>
                <input id="report-from" type="date" name="from" value=w.from.clone() />
            </div>
            <div class="field">
                <label for="report-to">"To"</label>
                <input id="report-to" type="date" name="to" value=w.to.clone() />
            </div>
            <button type="submit">"Show"</button>
        </form>
        <p class="actions">
            <a href=format!(
                "/reports?{}",
                report_query(org, &days_back(30), &to),
            )>"Last 30 days"</a>
            " · "
            <a href=format!(
                "/reports?{}",
                report_query(org, &days_back(90), &to),
            )>"Last 90 days"</a>
            " · "
            <a href=csv download>
                "Download the figures (CSV)"
            </a>
            " · "
            <a href=time_csv download>
                {format!("Download time entries of {} (CSV)", w.month)}
            </a>
        </p>
    }
    .into_any()
}

fn minutes_text(minutes: Option<i64>) -> String {
    minutes.map_or("—".to_string(), duration_text)
}

#[component]
fn Figures(workload: Workload, staff: bool) -> impl IntoView {
    let w = workload;
    let open_total: i64 = w.backlog.iter().map(|c| c.count).sum();
    let rated = w.rating_good + w.rating_bad;
    let satisfaction = if rated == 0 {
        "No ratings".to_string()
    } else {
        format!(
            "{}% good ({} of {})",
            w.rating_good * 100 / rated,
            w.rating_good,
            rated
        )
    };
    let open_statuses = [Status::New, Status::Open, Status::Pending];
    let backlog_series = Priority::ALL
        .into_iter()
        .map(|p| Series {
            name: p.label().to_string(),
            class: match p {
                Priority::Urgent => "urgent",
                Priority::High => "high",
                Priority::Normal => "normal",
                Priority::Low => "low",
            },
            values: open_statuses
                .iter()
                .map(|s| {
                    w.backlog
                        .iter()
                        .filter(|c| c.status == *s && c.priority == p)
                        .map(|c| c.count as f64)
                        .sum()
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    let day_labels: Vec<String> = w.days.iter().map(|d| d.date[5..].to_string()).collect();
    let day_series = vec![
        Series {
            name: "New".into(),
            class: "primary",
            values: w.days.iter().map(|d| d.created as f64).collect(),
        },
        Series {
            name: "Resolved".into(),
            class: "success",
            values: w.days.iter().map(|d| d.resolved as f64).collect(),
        },
    ];
    let ageing_labels = ["Under a day", "1–3 days", "3–7 days", "Older"]
        .map(String::from)
        .to_vec();
    let ageing = vec![Series {
        name: "Open tickets".into(),
        class: "primary",
        values: w.ageing.iter().map(|c| *c as f64).collect(),
    }];
    let burn_labels: Vec<String> = w.burn.iter().map(|b| b.date[8..].to_string()).collect();
    let burn = vec![Series {
        name: "Billable hours used".into(),
        class: "primary",
        values: w
            .burn
            .iter()
            .map(|b| b.cumulative_minutes as f64 / 60.0)
            .collect(),
    }];
    let used_minutes = w.burn.last().map_or(0, |b| b.cumulative_minutes);
    let contract_text = w.contract.as_ref().map(|c| {
        let over = (used_minutes - c.hours_included * 60).max(0);
        let extra_cents = over * c.hourly_rate_cents / 60;
        format!(
            "{} of {} included hours used in {}; {} beyond the contract at {}/h = {}.",
            duration_text(used_minutes),
            c.hours_included,
            w.month,
            duration_text(over),
            money(c.hourly_rate_cents),
            money(extra_cents),
        )
    });
    let level = w
        .contract
        .as_ref()
        .map(|c| ("Included".to_string(), c.hours_included as f64));
    view! {
        <ul class="tiles figures" aria-label="Key figures">
            <li>
                <strong>{open_total}</strong>
                <span>"open tickets"</span>
            </li>
            <li>
                <strong>{w.sla_breaches}</strong>
                <span>"SLA breaches"</span>
            </li>
            <li>
                <strong>{minutes_text(w.median_first_response_minutes)}</strong>
                <span>"median first response (business hours)"</span>
            </li>
            <li>
                <strong>{minutes_text(w.median_resolution_minutes)}</strong>
                <span>"median resolution (business hours)"</span>
            </li>
            <li>
                <strong>{w.deflections}</strong>
                <span>"answered by the wiki"</span>
            </li>
            <li>
                <strong>{satisfaction}</strong>
                <span>"satisfaction"</span>
            </li>
        </ul>
        <div class="charts">
            <ColumnChart
                caption="Open tickets by status and priority"
                label_heading="Status"
                labels=open_statuses.iter().map(|s| s.label().to_string()).collect()
                series=backlog_series
            />
            <LineChart
                caption="New and resolved per day"
                label_heading="Day"
                labels=day_labels
                series=day_series
                level=None
            />
            <ColumnChart
                caption="Age of open tickets"
                label_heading="Age"
                labels=ageing_labels
                series=ageing
            />
            <BarList
                caption="Tickets by category"
                label_heading="Category"
                rows=w.by_category.iter().map(|c| (c.name.clone(), c.count)).collect()
            />
            {(!w.by_requester.is_empty())
                .then(|| {
                    view! {
                        <BarList
                            caption="Tickets by requester"
                            label_heading="Requester"
                            rows=w.by_requester.iter().map(|c| (c.name.clone(), c.count)).collect()
                        />
                    }
                })}
            <LineChart
                caption=format!("Hours used in {}", w.month)
                label_heading="Day"
                labels=burn_labels
                series=burn
                level=level
            />
        </div>
        {contract_text.map(|text| view! { <p>{text}</p> })}
        {(staff && !w.by_technician.is_empty())
            .then(|| {
                view! {
                    <table class="by-technician stack">
                        <caption>"By technician"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Technician"</th>
                                <th scope="col">"Open, assigned"</th>
                                <th scope="col">"Resolved in the period"</th>
                                <th scope="col">"Time logged"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {w
                                .by_technician
                                .iter()
                                .map(|t| {
                                    view! {
                                        <tr>
                                            <th scope="row">{t.name.clone()}</th>
                                            <td data-label="Open, assigned">{t.open_assigned}</td>
                                            <td data-label="Resolved in the period">{t.resolved}</td>
                                            <td data-label="Time logged">{duration_text(t.minutes)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
            })}
    }
    .into_any()
}

/// The contract and invoicing of one organization (admins).
#[component]
fn Billing(
    workload: Workload,
    contract: ServerAction<SaveContract>,
    billed: ServerAction<BillMonth>,
) -> impl IntoView {
    let org = workload.org_id.unwrap_or_default();
    let error = Signal::derive(move || contract.value().get().and_then(Result::err));
    let bill_error = Signal::derive(move || billed.value().get().and_then(Result::err));
    let bill_done = move || {
        billed.value().get().and_then(Result::ok).map(|n| {
            format!(
                "{} now billed and locked.",
                crate::words::count(n, "time entry is", "time entries are")
            )
        })
    };
    let (hours, rate) = workload
        .contract
        .as_ref()
        .map(|c| (c.hours_included.to_string(), money(c.hourly_rate_cents)))
        .unwrap_or_default();
    let month = workload.month.clone();
    view! {
        <section class="card" aria-labelledby="contract-heading">
            <h2 id="contract-heading">"Contract and invoicing"</h2>
            <ActionForm action=contract>
                <input type="hidden" name="org_id" value=org />
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p>
                <div class="field-row">
                    <div class="field">
                        <label for="contract-hours">"Hours included per month"</label>
                        <input
                            id="contract-hours"
                            name="hours_included"
                            inputmode="numeric"
                            value=hours
                            aria-describedby="contract-hours-error"
                        />
                        <FieldError id="contract-hours-error" field="hours_included" error=error />
                    </div>
                    <div class="field">
                        <label for="contract-rate">"Rate per extra hour"</label>
                        <input
                            id="contract-rate"
                            name="hourly_rate"
                            inputmode="decimal"
                            value=rate
                            aria-describedby="contract-rate-error"
                        />
                        <FieldError
                            id="contract-rate-error"
                            field="hourly_rate_cents"
                            error=error
                        />
                    </div>
                </div>
                <button type="submit">"Save contract"</button>
            </ActionForm>
            <ActionForm action=billed>
                <input type="hidden" name="org_id" value=org />
                <input type="hidden" name="month" value=month.clone() />
                <p class="error" role="alert">
                    {move || form_error(bill_error.get())}
                </p>
                <p role="status">{bill_done}</p>
                <button type="submit">{format!("Mark {month} as billed")}</button>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_typed_with_up_to_two_decimals() {
        assert_eq!(parse_money("95"), Ok(9_500));
        assert_eq!(parse_money(" 95.5 "), Ok(9_550));
        assert_eq!(parse_money("110.05"), Ok(11_005));
        for bad in ["", "9.999", "-5", "abc", ".5", "1e3"] {
            assert!(parse_money(bad).is_err(), "{bad}");
        }
        assert_eq!(money(11_005), "110.05");
    }
}
