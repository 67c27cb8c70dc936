//! An office manager's month at a glance: the figures of the reports page for the month so
//! far, each linking to where it comes from.

use super::MonthGlance;
use leptos::prelude::*;

#[component]
pub fn MonthCard(month: MonthGlance) -> impl IntoView {
    let report = month.report_href.clone();
    let missed = month.targets_missed > 0;
    let hours = month.hours_text();
    let percent = month.percent_used();
    let hours_note = match (month.hours_included, percent) {
        (Some(_), Some(p)) if p > 100 => format!("{p}% of the contract: beyond it"),
        (Some(_), Some(p)) => format!("{p}% of the contract"),
        (Some(_), None) => "The contract includes no hours".to_string(),
        (None, _) => "No contract on file".to_string(),
    };
    view! {
        <section class="card glance" aria-labelledby="month-heading">
            <h2 id="month-heading">"This month at a glance"</h2>
            <p class="muted">{format!("{} to {}", month.from, month.to)}</p>
            <ul class="glance-figures">
                <li>
                    <a href="/tickets?status=active">
                        <strong>{month.open}</strong>
                        <span>
                            {format!(" open {}", plural(month.open, "request", "requests"))}
                        </span>
                    </a>
                    <span class="muted">
                        {format!("{} filed, {} resolved this month", month.filed, month.resolved)}
                    </span>
                </li>
                <li class:alert=missed>
                    <a href=report.clone()>
                        <strong>{month.targets_missed}</strong>
                        <span>
                            {format!(
                                " {} missed",
                                plural(month.targets_missed, "target", "targets"),
                            )}
                        </span>
                    </a>
                    <span class="muted">"First reply or resolution later than agreed"</span>
                </li>
                <li>
                    <a href=report.clone()>
                        <strong>{hours}</strong>
                        <span>" of IT time"</span>
                    </a>
                    {percent
                        .map(|p| {
                            view! {
                                <meter
                                    min="0"
                                    max="100"
                                    high="90"
                                    value=p.min(100)
                                    aria-label="Contract hours used"
                                >
                                    {format!("{p}%")}
                                </meter>
                            }
                        })}
                    <span class="muted">{hours_note}</span>
                </li>
                <li>
                    <a href=report.clone()>
                        <strong>{month.answered_by_wiki}</strong>
                        <span>
                            {format!(
                                " {} answered by the wiki",
                                plural(month.answered_by_wiki, "question", "questions"),
                            )}
                        </span>
                    </a>
                    <span class="muted">"Solved from an article, without a ticket"</span>
                </li>
            </ul>
            <p>
                <a href=report>"The month's full report"</a>
            </p>
        </section>
    }
}

fn plural<'a>(n: i64, one: &'a str, many: &'a str) -> &'a str {
    crate::words::noun(n, one, many)
}
