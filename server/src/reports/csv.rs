//! The dashboard and the month's time as CSV downloads, every field quoted and defused by
//! `app::reports::csv_line`.
//!
//! The workload is one file in long form, one figure per line: `section,name,measure,value`,
//! e.g. `days,2026-11-24,created,3` or `by_technician,Tom Technician,minutes,90`.

use app::reports::{TimeEntry, Workload, csv_line};

/// Minutes as hundredths of an hour, rounded once, half up: 25 minutes are 42 (0.4166…).
fn hundredths(minutes: i64) -> i64 {
    (minutes * 100 + 30).div_euclid(60)
}

/// Hundredths of an hour written with two places, `1.50`.
fn hours(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// A name made safe for a file name: lowercase ASCII letters and digits, every other run of
/// characters one dash, at most 60 characters; `fallback` when nothing is left.
pub fn file_slug(name: &str, fallback: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.truncate(60);
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        fallback.to_string()
    } else {
        slug.to_string()
    }
}

fn line(out: &mut String, section: &str, name: &str, measure: &str, value: impl ToString) {
    out.push_str(&csv_line([
        section,
        name,
        measure,
        value.to_string().as_str(),
    ]));
}

pub fn workload(w: &Workload) -> String {
    let mut out = csv_line(["section", "name", "measure", "value"]);
    for cell in &w.backlog {
        line(
            &mut out,
            "backlog",
            cell.status.as_str(),
            cell.priority.as_str(),
            cell.count,
        );
    }
    for day in &w.days {
        line(&mut out, "days", &day.date, "created", day.created);
        line(&mut out, "days", &day.date, "resolved", day.resolved);
    }
    for (name, count) in ["under 1 day", "1-3 days", "3-7 days", "7 days or more"]
        .into_iter()
        .zip(w.ageing)
    {
        line(&mut out, "ageing", name, "open_tickets", count);
    }
    let optional = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    line(
        &mut out,
        "medians",
        "first_response",
        "business_minutes",
        optional(w.median_first_response_minutes),
    );
    line(
        &mut out,
        "medians",
        "resolution",
        "business_minutes",
        optional(w.median_resolution_minutes),
    );
    line(&mut out, "sla", "breaches", "tickets", w.sla_breaches);
    for c in &w.by_category {
        line(&mut out, "by_category", &c.name, "tickets", c.count);
    }
    for c in &w.by_requester {
        line(&mut out, "by_requester", &c.name, "tickets", c.count);
    }
    for t in &w.by_technician {
        line(
            &mut out,
            "by_technician",
            &t.name,
            "open_assigned",
            t.open_assigned,
        );
        line(&mut out, "by_technician", &t.name, "resolved", t.resolved);
        line(&mut out, "by_technician", &t.name, "minutes", t.minutes);
    }
    if let Some(contract) = &w.contract {
        line(
            &mut out,
            "contract",
            &w.month,
            "hours_included",
            contract.hours_included,
        );
        line(
            &mut out,
            "contract",
            &w.month,
            "hourly_rate_cents",
            contract.hourly_rate_cents,
        );
    }
    for day in &w.burn {
        line(
            &mut out,
            "burn",
            &day.date,
            "cumulative_billable_minutes",
            day.cumulative_minutes,
        );
    }
    line(&mut out, "deflections", "wiki", "requests", w.deflections);
    line(&mut out, "ratings", "good", "tickets", w.rating_good);
    line(&mut out, "ratings", "bad", "tickets", w.rating_bad);
    out
}

/// For invoicing: one line per entry, then the total and the billable total. Each line's hours
/// are its minutes / 60 rounded once to two places; a total's hours are the sum of the hours
/// shown above it, so the file adds up when checked by hand.
pub fn time_entries(entries: &[TimeEntry]) -> String {
    let mut out = csv_line([
        "date",
        "ticket",
        "subject",
        "organization",
        "technician",
        "minutes",
        "hours",
        "billable",
        "billed_month",
        "note",
    ]);
    for e in entries {
        out.push_str(&csv_line([
            e.date.as_str(),
            &e.ticket_id.to_string(),
            &e.ticket_subject,
            &e.org_name,
            &e.user_name,
            &e.minutes.to_string(),
            &hours(hundredths(e.minutes)),
            if e.billable { "yes" } else { "no" },
            e.billed_month.as_deref().unwrap_or(""),
            &e.note,
        ]));
    }
    let sum = |billable_only: bool| {
        entries
            .iter()
            .filter(|e| e.billable || !billable_only)
            .fold((0, 0), |(m, h), e| {
                (m + e.minutes, h + hundredths(e.minutes))
            })
    };
    for (name, (minutes, shown)) in [("total", sum(false)), ("billable total", sum(true))] {
        out.push_str(&csv_line([
            name,
            "",
            "",
            "",
            "",
            &minutes.to_string(),
            &hours(shown),
            "",
            "",
            "",
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_have_two_decimal_places_rounded_once() {
        let h = |m| hours(hundredths(m));
        assert_eq!(h(90), "1.50");
        assert_eq!(h(20), "0.33");
        assert_eq!(h(25), "0.42");
        assert_eq!(h(50), "0.83");
        assert_eq!(h(1), "0.02");
        assert_eq!(h(600), "10.00");
    }

    #[test]
    fn file_names_are_lowercase_words_and_dashes() {
        assert_eq!(file_slug("Acme Dental", "x"), "acme-dental");
        assert_eq!(file_slug("  Cedar & Law, LLP. ", "x"), "cedar-law-llp");
        assert_eq!(file_slug("../\"; rm", "x"), "rm");
        assert_eq!(file_slug("Ünïcode", "org-3"), "n-code");
        assert_eq!(file_slug("日本", "org-3"), "org-3");
        assert_eq!(file_slug(&"a".repeat(100), "x").len(), 60);
    }
}
