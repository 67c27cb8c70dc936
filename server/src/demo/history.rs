//! The demo's past: months of requests at the client offices, each lived through from filing
//! to closing (replies, notes, screenshots, time, ratings, targets met and missed) by a seeded
//! random generator, then stored as the product stores them, one transaction per office.
//!
//! A life is planned first as a list of timed steps; whatever would happen after the end of
//! the history (midnight before the day the demo starts) is cut off, and the ticket's columns
//! are what those steps leave behind. Due times and business minutes come from the same
//! calendar filing and replying use. No live events are recorded: the past is not news, so
//! neither the live stream nor the mail planner has anything to replay.

use super::stories::{
    ACCOUNTING_PLACES, DENTAL_PLACES, Office, RATING_BAD, RATING_GOOD, STORIES, Shot, Story,
};
use crate::calendar::BusinessCalendar;
use crate::db::Db;
use crate::db::batch::Batch;
use crate::db::tickets::{
    NEW_TICKET, NewAttachment, NewEvent, NewTicket, PastTicket, SlaPolicy, insert_attachment,
    insert_comment, insert_event, insert_past_ticket,
};
use app::accounts::{OrgId, UserId};
use app::error::AppError;
use app::reports::NewTime;
use app::tickets::{Priority, Rating, Status};
use app::wiki::{ArticleId, LinkKind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Duration, OffsetDateTime, Weekday};

/// The seed every demo starts from, so two demos started on the same day are the same.
const SEED: u64 = 0x0D35_C51D_E000_0017;
/// Requests an office files over 90 days, about.
const TICKETS_PER_90_DAYS: f64 = 150.0;
/// Tickets written per trip to the database.
const TICKETS_PER_BATCH: usize = 32;
/// Resolved tickets close by themselves after a week; a technician closes those resolved
/// longer ago than this by hand, so none is left for the auto-close job to close on start.
const CLOSED_BY_HAND_AFTER: Duration = Duration::days(5);
const AUTO_CLOSE: Duration = Duration::days(7);

/// A person of the provider's staff who answers requests.
pub struct Technician {
    pub id: UserId,
    pub name: String,
}

/// An article the office's people may read, which may answer their question.
pub struct ReadableArticle {
    pub id: ArticleId,
    pub slug: &'static str,
}

/// Everything about one client office the history needs.
pub struct Cast {
    pub org: OrgId,
    pub office: Office,
    /// Its people (managers and requesters): id and name.
    pub people: Vec<(UserId, String)>,
    /// Category ids of the stories' categories, by name.
    pub categories: Vec<(&'static str, i64)>,
    /// The org's business hours and targets, low to urgent.
    pub policies: Vec<(Priority, SlaPolicy)>,
    pub articles: Vec<ReadableArticle>,
}

/// The stored screenshots: which, with their size and content hash.
pub type StoredShots = Vec<(Shot, i64, String)>;

/// What was written for one office.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub tickets: usize,
    pub deflections: usize,
    pub captured: usize,
}

/// One thing that happened on a ticket.
enum Step {
    Created,
    Comment {
        author: UserId,
        body: String,
        internal: bool,
    },
    Event {
        actor: Option<UserId>,
        kind: &'static str,
        old: Option<String>,
        new: Option<String>,
        internal: bool,
    },
    Attachment {
        uploader: UserId,
        shot: Shot,
        internal: bool,
    },
    Time {
        user: UserId,
        time: NewTime,
        text: String,
    },
    Link {
        article: ArticleId,
        kind: LinkKind,
    },
}

impl Step {
    fn internal(&self) -> bool {
        match self {
            Step::Comment { internal, .. }
            | Step::Event { internal, .. }
            | Step::Attachment { internal, .. } => *internal,
            Step::Time { .. } => true,
            Step::Created | Step::Link { .. } => false,
        }
    }
}

/// A ticket's whole life, ready to store.
struct Life {
    story: &'static Story,
    requester: UserId,
    category: i64,
    subject: String,
    body: String,
    priority: Priority,
    first_due: String,
    resolution_due: String,
    status: Status,
    assignee: Option<UserId>,
    first_responded_at: Option<String>,
    first_response_minutes: Option<i64>,
    resolved_at: Option<String>,
    resolution_minutes: Option<i64>,
    closed_at: Option<String>,
    rating: Option<(Rating, &'static str)>,
    first_warned: Option<String>,
    first_breached: Option<String>,
    resolution_warned: Option<String>,
    resolution_breached: Option<String>,
    /// When it was filed: also its first step, the `Created` one.
    created: String,
    steps: Vec<(String, Step)>,
    technician: usize,
    fate: Fate,
}

/// Seeds `days` days of history before `end` for `cast`, in one transaction.
pub async fn seed_office(
    db: &Db,
    cast: &Cast,
    staff: &[Technician],
    shots: &StoredShots,
    days: u32,
    end: OffsetDateTime,
    cursor: &str,
) -> Result<Written, AppError> {
    let mut rng = StdRng::seed_from_u64(SEED ^ cast.org as u64);
    let lives = plan(&mut rng, cast, staff, days, end)?;
    let deflections = plan_deflections(&mut rng, cast, days, end);
    // Two solved tickets of the office's own kind become the start of internal articles, as
    // "article from ticket" records them: a draft, tied to the ticket it came from.
    let mut captures: Vec<usize> = Vec::new();
    for (n, life) in lives.iter().enumerate() {
        let fits = life.story.office != Office::Any
            && life.story.article.is_none()
            && life.resolved_at.is_some()
            && !captures
                .iter()
                .any(|c| std::ptr::eq(lives[*c].story, life.story));
        if fits && captures.len() < 2 {
            captures.push(n);
        }
    }
    let mut tx = db.begin().await?;
    let mut written = Written::default();
    let mut batch = Batch::default();
    let mut in_batch = 0;
    for (n, life) in lives.iter().enumerate() {
        push_life(&mut batch, cast.org, life, shots);
        in_batch += 1;
        let captured = captures.contains(&n);
        if in_batch == TICKETS_PER_BATCH || captured || n + 1 == lives.len() {
            std::mem::take(&mut batch).execute(&mut tx).await?;
            written.tickets += in_batch;
            in_batch = 0;
        }
        if captured {
            // The ticket just written is the newest.
            let at = life.resolved_at.as_deref().unwrap_or_default();
            let article = capture(&mut tx, life, staff[life.technician].id, at).await?;
            let mut link = Batch::default();
            crate::db::wiki::insert_links(
                &mut link,
                NEW_TICKET,
                &[article],
                LinkKind::ResolvedWith,
                at,
            );
            link.execute(&mut tx).await?;
            written.captured += 1;
        }
    }
    if !deflections.is_empty() {
        let mut batch = Batch::default();
        for (article, user, at) in &deflections {
            crate::db::wiki::push_deflection(&mut batch, *article, *user, cast.org, at);
        }
        batch.execute(&mut tx).await?;
    }
    written.deflections = deflections.len();
    // The history has no live events; whatever the stream holds so far is behind the mail
    // planner too, so it plans nothing for the demo's past.
    let newest = crate::db::live::newest_event_id(&mut tx).await?;
    crate::db::mail::move_cursor(&mut tx, cursor, newest).await?;
    tx.commit().await?;
    Ok(written)
}

/// A draft internal article from a solved ticket, as "article from ticket" writes one.
async fn capture(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    life: &Life,
    author: UserId,
    at: &str,
) -> Result<ArticleId, AppError> {
    let story = life.story;
    let capture = app::wiki::Capture {
        symptom: story.body.replace("{place}", "one desk"),
        cause: Some(story.cause.to_string()),
        fix: story.note.to_string(),
        append_to: None,
    };
    let title =
        app::wiki::Title::parse(&life.subject).map_err(|m| AppError::invalid("title", m))?;
    let base = app::wiki::Slug::from_title(title.as_str())
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| "captured".into());
    let slug = crate::db::wiki::free_slug(tx, &base).await?;
    let new = app::wiki::NewArticle {
        slug: app::wiki::Slug::parse(&slug).map_err(|m| AppError::invalid("slug", m))?,
        title,
        body: app::wiki::ArticleBody::parse(&capture.to_markdown())
            .map_err(|m| AppError::invalid("body", m))?,
        space: app::wiki::DEFAULT_SPACES[0].to_string(),
        tags: Vec::new(),
        audience: app::wiki::Audience::Internal,
        published: false,
    };
    crate::db::wiki::insert_article(tx, author, &new, at).await
}

fn push_life<'q>(batch: &mut Batch<'q>, org: OrgId, life: &'q Life, shots: &'q StoredShots) {
    let created = &life.created;
    let last = life
        .steps
        .last()
        .map_or(created.as_str(), |(at, _)| at.as_str());
    let client = life
        .steps
        .iter()
        .rev()
        .find(|(_, step)| !step.internal())
        .map_or(last, |(at, _)| at.as_str());
    insert_past_ticket(
        batch,
        PastTicket {
            new: NewTicket {
                org,
                requester: life.requester,
                category: life.category,
                subject: &life.subject,
                body: &life.body,
                priority: life.priority,
                first_response_due: Some(&life.first_due),
                resolution_due: Some(&life.resolution_due),
                at: created,
            },
            status: life.status,
            assignee: life.assignee,
            first_responded_at: life.first_responded_at.as_deref(),
            first_response_minutes: life.first_response_minutes,
            resolved_at: life.resolved_at.as_deref(),
            resolution_minutes: life.resolution_minutes,
            closed_at: life.closed_at.as_deref(),
            rating: life.rating.map(|(rating, _)| rating),
            rating_comment: life.rating.map(|(_, comment)| comment),
            first_response_warned_at: life.first_warned.as_deref(),
            first_response_breach_at: life.first_breached.as_deref(),
            resolution_warned_at: life.resolution_warned.as_deref(),
            resolution_breach_at: life.resolution_breached.as_deref(),
            last_activity_at: last,
            client_activity_at: client,
        },
    );
    for (at, step) in &life.steps {
        let event = |actor, kind, old, new, internal| NewEvent {
            actor,
            kind,
            old,
            new,
            comment: None,
            internal,
            at,
        };
        match step {
            Step::Created => insert_event(
                batch,
                NEW_TICKET,
                event(
                    Some(life.requester),
                    "created",
                    None,
                    Some(&life.subject),
                    false,
                ),
            ),
            Step::Comment {
                author,
                body,
                internal,
            } => insert_comment(batch, NEW_TICKET, *author, body, *internal, at),
            Step::Event {
                actor,
                kind,
                old,
                new,
                internal,
            } => insert_event(
                batch,
                NEW_TICKET,
                event(*actor, kind, old.as_deref(), new.as_deref(), *internal),
            ),
            Step::Attachment {
                uploader,
                shot,
                internal,
            } => {
                let Some((_, size, sha256)) = shots.iter().find(|(s, _, _)| s == shot) else {
                    continue;
                };
                let file_name = shot.file_name();
                insert_attachment(
                    batch,
                    NEW_TICKET,
                    NewAttachment {
                        uploader: *uploader,
                        file_name,
                        content_type: app::tickets::served_content_type(file_name).0,
                        size: *size,
                        sha256,
                        internal: *internal,
                        at,
                    },
                );
                insert_event(
                    batch,
                    NEW_TICKET,
                    event(
                        Some(*uploader),
                        "attachment",
                        None,
                        Some(file_name),
                        *internal,
                    ),
                );
            }
            Step::Time { user, time, text } => {
                crate::db::reports::push_time(batch, NEW_TICKET, *user, time, at);
                insert_event(
                    batch,
                    NEW_TICKET,
                    event(Some(*user), "time", None, Some(text), true),
                );
            }
            Step::Link { article, kind } => crate::db::wiki::insert_links(
                batch,
                NEW_TICKET,
                std::slice::from_ref(article),
                *kind,
                at,
            ),
        }
    }
}

/// Every ticket of the office, oldest first.
fn plan(
    rng: &mut StdRng,
    cast: &Cast,
    staff: &[Technician],
    days: u32,
    end: OffsetDateTime,
) -> Result<Vec<Life>, AppError> {
    let stories: Vec<&'static Story> = STORIES
        .iter()
        .filter(|s| s.office == Office::Any || s.office == cast.office)
        .collect();
    let weights: Vec<f64> = (1..=days).map(|ago| day_weight(end, ago, days)).collect();
    let per_weight = TICKETS_PER_90_DAYS * f64::from(days) / 90.0 / weights.iter().sum::<f64>();
    let mut lives: Vec<(&'static Story, OffsetDateTime)> = Vec::new();
    for ago in (1..=days).rev() {
        let day = end - Duration::days(i64::from(ago));
        let expected = per_weight * weights[(ago - 1) as usize];
        let count = (expected + rng.r#gen::<f64>()).floor() as usize;
        let mut times: Vec<OffsetDateTime> = (0..count)
            .map(|_| {
                let (from, to) = if is_weekend(day) {
                    (600, 780)
                } else {
                    (450, 1050)
                };
                day + Duration::minutes(rng.gen_range(from..to))
                    + Duration::seconds(rng.gen_range(0..60))
            })
            .collect();
        times.sort();
        for created in times {
            let story = stories[rng.gen_range(0..stories.len())];
            lives.push((story, created));
        }
    }
    // The newest requests are still in hand whatever the dice say, so every queue and status
    // has something to show: two not answered yet, two waiting on their requester, two being
    // worked on. A fate goes to the newest ticket it fits (one not answered by the end cannot
    // be waiting for an answer to a question), so lives are planned newest first.
    let mut fates = vec![
        Fate::Unanswered,
        Fate::Unanswered,
        Fate::Waiting,
        Fate::Waiting,
        Fate::InHand,
        Fate::InHand,
    ];
    let mut planned = Vec::with_capacity(lives.len());
    for (story, created) in lives.into_iter().rev() {
        let wanted = fates.first().copied().unwrap_or(Fate::Lived);
        let life = live(rng, cast, staff, story, created, end, wanted)?;
        if wanted != Fate::Lived && life.fate == wanted {
            fates.remove(0);
        }
        planned.push(life);
    }
    // Stored oldest first, so ticket numbers follow filing times.
    planned.reverse();
    Ok(planned)
}

/// How far a ticket's life got by the end of the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// As far as its times take it.
    Lived,
    /// Filed, not answered yet.
    Unanswered,
    /// Answered with a question the requester has not answered yet.
    Waiting,
    /// Answered and being worked on.
    InHand,
}

/// More requests lately than long ago, few at weekends.
fn day_weight(end: OffsetDateTime, ago: u32, days: u32) -> f64 {
    let day = end - Duration::days(i64::from(ago));
    let recency = 0.6 + 0.8 * (1.0 - f64::from(ago - 1) / f64::from(days.max(1)));
    if is_weekend(day) {
        recency * 0.15
    } else {
        recency
    }
}

fn is_weekend(day: OffsetDateTime) -> bool {
    matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// The priority a story's request is filed at: its usual one, sometimes one step either way.
fn vary(rng: &mut StdRng, usual: Priority) -> Priority {
    let all = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    let at = all.iter().position(|p| *p == usual).unwrap_or(1) as i32;
    let step = match rng.gen_range(0..10) {
        0 | 1 => -1,
        2 => 1,
        _ => 0,
    };
    all[(at + step).clamp(0, 3) as usize]
}

fn instant(at: OffsetDateTime) -> jiff::Timestamp {
    jiff::Timestamp::from_nanosecond(at.unix_timestamp_nanos()).unwrap_or(jiff::Timestamp::MAX)
}

fn back(at: jiff::Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(at.as_nanosecond())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// One ticket's life from its filing at `created`, cut off at `end`.
fn live(
    rng: &mut StdRng,
    cast: &Cast,
    staff: &[Technician],
    story: &'static Story,
    created: OffsetDateTime,
    end: OffsetDateTime,
    fate: Fate,
) -> Result<Life, AppError> {
    let priority = vary(rng, story.priority);
    let policy = cast
        .policies
        .iter()
        .find(|(p, _)| *p == priority)
        .map(|(_, policy)| policy)
        .ok_or(AppError::Internal)?;
    let hours = &policy.hours;
    let category = cast
        .categories
        .iter()
        .find(|(name, _)| *name == story.category)
        .map(|(_, id)| *id)
        .ok_or(AppError::Internal)?;
    let (requester, requester_name) = &cast.people[rng.gen_range(0..cast.people.len())];
    let technician = usize::from(rng.gen_bool(0.45)).min(staff.len() - 1);
    let tech = &staff[technician];
    let places = if cast.office == Office::Dental {
        DENTAL_PLACES
    } else {
        ACCOUNTING_PLACES
    };
    let place = places[rng.gen_range(0..places.len())];
    let fill = |text: &str| {
        text.replace("{place}", place)
            .replace("{first}", first_name(requester_name))
            .replace("{tech}", first_name(&tech.name))
    };
    let subject = fill(story.subjects[rng.gen_range(0..story.subjects.len())]);
    let body = fill(story.body);
    let start = instant(created);
    let first_due = back(hours.add_business_minutes(start, policy.first_response_minutes));
    let resolution_due = back(hours.add_business_minutes(start, policy.resolution_minutes));

    // When it was answered and solved, in business minutes, within the targets or past them.
    let share = |rng: &mut StdRng, target: i64, met: bool| {
        let f = if met {
            rng.gen_range(0.1..0.9)
        } else {
            rng.gen_range(1.1..2.4)
        };
        ((target as f64 * f) as i64).max(5)
    };
    let (first_met, resolution_met) = (rng.gen_bool(0.8), rng.gen_bool(0.8));
    let first_minutes = share(rng, policy.first_response_minutes, first_met);
    let resolve_minutes =
        share(rng, policy.resolution_minutes, resolution_met).max(first_minutes + 30);
    let answered = back(hours.add_business_minutes(start, first_minutes));
    let solved = back(hours.add_business_minutes(start, resolve_minutes));
    let between = |f: f64| answered + (solved - answered) * f;

    let mut steps: Vec<(OffsetDateTime, Step)> = vec![(created, Step::Created)];
    let status = |old: Status, new: Status, actor: Option<UserId>| Step::Event {
        actor,
        kind: "status",
        old: Some(old.as_str().into()),
        new: Some(new.as_str().into()),
        internal: false,
    };
    if let Some(shot) = story.shot.filter(|_| rng.gen_bool(0.6)) {
        steps.push((
            created,
            Step::Attachment {
                uploader: *requester,
                shot,
                internal: false,
            },
        ));
    }
    if let Some(article) = story
        .article
        .and_then(|slug| cast.articles.iter().find(|a| a.slug == slug))
        && rng.gen_bool(0.5)
    {
        steps.push((
            created,
            Step::Link {
                article: article.id,
                kind: LinkKind::Suggested,
            },
        ));
    }
    if answered >= end && rng.gen_bool(0.4) {
        // Not answered yet, but a technician has taken it.
        steps.push((
            created + Duration::minutes(rng.gen_range(5..40)),
            assignee(tech),
        ));
    }
    steps.push((
        answered,
        Step::Comment {
            author: tech.id,
            body: fill(story.first_reply),
            internal: false,
        },
    ));
    steps.push((answered, status(Status::New, Status::Open, Some(tech.id))));
    steps.push((answered, assignee(tech)));
    if rng.gen_bool(0.5) {
        steps.push((
            between(0.15),
            Step::Comment {
                author: tech.id,
                body: story.note.to_string(),
                internal: true,
            },
        ));
        if rng.gen_bool(0.1) {
            steps.push((
                between(0.15),
                Step::Attachment {
                    uploader: tech.id,
                    shot: story.shot.unwrap_or(Shot::PrinterOffline),
                    internal: true,
                },
            ));
        }
    }
    // Where this life stops: the end of the history, or earlier for one still in hand.
    let fate = match fate {
        Fate::Waiting if between(0.3) >= end => Fate::Lived,
        Fate::InHand if answered >= end => Fate::Lived,
        fate => fate,
    };
    let stop = match fate {
        Fate::Lived => end,
        Fate::Unanswered => answered,
        Fate::Waiting => between(0.3) + Duration::milliseconds(1),
        Fate::InHand => between(0.7),
    }
    .min(end);
    if fate == Fate::Waiting || (fate == Fate::Lived && rng.gen_bool(0.45)) {
        steps.push((
            between(0.3),
            Step::Comment {
                author: tech.id,
                body: format!("Hi {}, {}", first_name(requester_name), story.question.0),
                internal: false,
            },
        ));
        steps.push((
            between(0.3),
            status(Status::Open, Status::Pending, Some(tech.id)),
        ));
        steps.push((
            between(0.6),
            Step::Comment {
                author: *requester,
                body: story.question.1.to_string(),
                internal: false,
            },
        ));
        steps.push((
            between(0.6),
            status(Status::Pending, Status::Open, Some(*requester)),
        ));
    }
    for f in [0.05, 0.5, 0.95].into_iter().take(rng.gen_range(1..=3)) {
        let at = between(f);
        let minutes = [10, 15, 20, 30, 45, 60, 90][rng.gen_range(0..7)];
        steps.push((
            at,
            Step::Time {
                user: tech.id,
                time: NewTime {
                    minutes,
                    note: ["Remote session", "Phone call", "On site", "Research"]
                        [rng.gen_range(0..4)]
                    .into(),
                    billable: rng.gen_bool(0.9),
                    date: at.date(),
                },
                text: crate::reports::minutes_text(minutes),
            },
        ));
    }
    steps.push((
        solved,
        Step::Comment {
            author: tech.id,
            body: fill(story.fix),
            internal: false,
        },
    ));
    steps.push((
        solved,
        status(Status::Open, Status::Resolved, Some(tech.id)),
    ));
    if let Some(article) = story
        .article
        .and_then(|slug| cast.articles.iter().find(|a| a.slug == slug))
        && rng.gen_bool(0.5)
    {
        steps.push((
            solved,
            Step::Link {
                article: article.id,
                kind: LinkKind::ResolvedWith,
            },
        ));
    }
    let rated = rng.gen_bool(0.5).then(|| {
        let good = rng.gen_bool(0.85);
        let comments = if good { RATING_GOOD } else { RATING_BAD };
        let rating = if good { Rating::Good } else { Rating::Bad };
        (
            solved + Duration::minutes(rng.gen_range(30..1200)),
            rating,
            comments[rng.gen_range(0..comments.len())],
        )
    });
    if let Some((at, rating, _)) = rated {
        steps.push((
            at,
            Step::Event {
                actor: Some(*requester),
                kind: "rating",
                old: None,
                new: Some(rating.as_str().into()),
                internal: false,
            },
        ));
    }
    let (closes, closer) = if solved + AUTO_CLOSE < end {
        (solved + AUTO_CLOSE, None)
    } else {
        (solved + CLOSED_BY_HAND_AFTER, Some(tech.id))
    };
    steps.push((closes, status(Status::Resolved, Status::Closed, closer)));

    // The targets missed while the ticket waited, announced as the watcher announces them.
    let mut first_warned = None;
    let mut first_breached = None;
    let mut resolution_warned = None;
    let mut resolution_breached = None;
    let by_stop = |at: OffsetDateTime| if at < stop { at } else { end };
    steps.retain(|(at, _)| *at < stop);
    for (due, met_at, warned, breached, target) in [
        (
            first_due,
            by_stop(answered),
            &mut first_warned,
            &mut first_breached,
            "first_response",
        ),
        (
            resolution_due,
            by_stop(solved),
            &mut resolution_warned,
            &mut resolution_breached,
            "resolution",
        ),
    ] {
        let warning = (due - crate::tickets::breach::SLA_WARNING_LEAD).max(created);
        if warning < met_at.min(end) {
            *warned = Some(crate::db::timestamp(warning));
        }
        if due < met_at.min(end) {
            *breached = Some(crate::db::timestamp(due));
            steps.push((
                due,
                Step::Event {
                    actor: None,
                    kind: "sla_breach",
                    old: None,
                    new: Some(target.into()),
                    internal: false,
                },
            ));
        }
    }

    steps.retain(|(at, _)| *at < end);
    // In time order; steps of the same moment keep the order they were written in.
    steps.sort_by_key(|(at, _)| *at);

    let mut life = Life {
        story,
        requester: *requester,
        category,
        subject,
        body,
        priority,
        first_due: crate::db::timestamp(first_due),
        resolution_due: crate::db::timestamp(resolution_due),
        status: Status::New,
        assignee: None,
        first_responded_at: None,
        first_response_minutes: None,
        resolved_at: None,
        resolution_minutes: None,
        closed_at: None,
        rating: None,
        first_warned,
        first_breached,
        resolution_warned,
        resolution_breached,
        created: crate::db::timestamp(created),
        steps: Vec::new(),
        technician,
        fate,
    };
    for (at, step) in &steps {
        match step {
            Step::Event {
                kind: "status",
                new: Some(new),
                ..
            } => {
                life.status = Status::parse(new).map_err(|_| AppError::Internal)?;
                match life.status {
                    Status::Resolved => {
                        life.resolved_at = Some(crate::db::timestamp(*at));
                        life.resolution_minutes =
                            Some(hours.business_minutes_between(start, instant(*at)));
                    }
                    Status::Closed => life.closed_at = Some(crate::db::timestamp(*at)),
                    _ => {}
                }
            }
            Step::Event {
                kind: "assignee", ..
            } => life.assignee = Some(tech.id),
            Step::Event { kind: "rating", .. } => {
                life.rating = rated.map(|(_, rating, comment)| (rating, comment));
            }
            Step::Comment {
                author,
                internal: false,
                ..
            } if *author == tech.id && life.first_responded_at.is_none() => {
                life.first_responded_at = Some(crate::db::timestamp(*at));
                life.first_response_minutes =
                    Some(hours.business_minutes_between(start, instant(*at)));
            }
            _ => {}
        }
    }
    life.steps = steps
        .into_iter()
        .map(|(at, step)| (crate::db::timestamp(at), step))
        .collect();
    Ok(life)
}

/// A technician taking the ticket.
fn assignee(tech: &Technician) -> Step {
    Step::Event {
        actor: Some(tech.id),
        kind: "assignee",
        old: None,
        new: Some(tech.name.clone()),
        internal: false,
    }
}

/// Questions the office's articles answered before anyone filed a ticket: a few a week.
fn plan_deflections(
    rng: &mut StdRng,
    cast: &Cast,
    days: u32,
    end: OffsetDateTime,
) -> Vec<(ArticleId, UserId, String)> {
    if cast.articles.is_empty() {
        return Vec::new();
    }
    let count = (days as usize * 2) / 5;
    let mut found: Vec<(OffsetDateTime, ArticleId, UserId)> = (0..count)
        .map(|_| {
            let day = end - Duration::days(rng.gen_range(1..=i64::from(days)));
            let at = day + Duration::minutes(rng.gen_range(480..1080));
            let article = cast.articles[rng.gen_range(0..cast.articles.len())].id;
            let (user, _) = cast.people[rng.gen_range(0..cast.people.len())];
            (at, article, user)
        })
        .collect();
    found.sort_by_key(|(at, _, _)| *at);
    found
        .into_iter()
        .map(|(at, article, user)| (article, user, crate::db::timestamp(at)))
        .collect()
}
