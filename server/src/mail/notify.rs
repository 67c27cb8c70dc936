//! The notification planner: reads the live events after its cursor, decides who gets which
//! mail (by kind, each person's switches and the same read rule as the live stream), renders
//! each message and writes it to the outbox in the transaction that moves the cursor past
//! its event. The event was committed with the change; the messages commit with the cursor;
//! a crash replays from the cursor, and the outbox's unique index stops a second copy. Also
//! the managers' digests, once per period.

use super::Addresses;
use super::render::{self, Details, Frame, Reply};
use crate::db::Db;
use crate::db::batch::Batch;
use crate::db::live::StoredEvent;
use crate::db::mail::{self, NewMail};
use crate::db::mail_preferences::{self as prefs, MailTicket, Person};
use app::accounts::{OrgId, Role, UserId};
use app::error::AppError;
use app::mail::preferences::{DigestFrequency, Kind, NewTicketMail};
use app::tickets::TicketId;
use futures::TryStreamExt;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// The planner's place in `live_event`.
pub const CURSOR: &str = "notify";
/// Events read, loaded and composed together: the reads and the composing cost per batch.
const BATCH: i64 = 64;
/// Events whose messages are written per commit, with the cursor's move past them. New
/// tickets wait for the writer while the planner holds it, so one long hold delays every
/// filing that arrives during it: a batch is written in several short commits, with the
/// writer free between them.
const EVENTS_PER_COMMIT: usize = 8;
/// How often the planner looks without being woken, in case a wake-up was missed.
const TICK: Duration = Duration::from_secs(5);
/// How long a wake waits for more events before planning: mail a fifth of a second later,
/// in exchange for filing at full speed while a burst lasts.
const GATHER: Duration = Duration::from_millis(200);
/// How often the digest job looks whether a new period began.
const DIGEST_EVERY: Duration = Duration::from_secs(300);

/// Plans notification mail; cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    db: Db,
    addresses: Arc<Addresses>,
    base_url: String,
}

/// One message decided on, before it is rendered.
struct Planned {
    event: i64,
    ticket: TicketId,
    kind: Kind,
    person: UserId,
    details: Details,
}

/// What a batch of events needs from the database, read in a few queries.
#[derive(Default)]
struct Context {
    tickets: HashMap<TicketId, MailTicket>,
    people: HashMap<UserId, Person>,
    staff: Vec<UserId>,
    colleagues: HashMap<OrgId, Vec<UserId>>,
    switches: HashMap<UserId, HashMap<Kind, bool>>,
    /// Comment id → author's name, text, internal.
    comments: HashMap<i64, (String, String, bool)>,
    new_ticket: NewTicketMail,
}

impl Context {
    /// Whether `person` gets `kind`: their role gets it and they did not switch it off.
    fn wants(&self, person: &Person, role: Role, kind: Kind) -> bool {
        kind.applies_to(role)
            && self
                .switches
                .get(&person.id)
                .and_then(|s| s.get(&kind).copied())
                .unwrap_or_else(|| kind.default_on(role))
    }
}

/// Decides and renders a batch's messages; runs on the blocking pool.
struct Composer {
    addresses: Arc<Addresses>,
    base_url: String,
}

/// A batch's messages, with the threads and unsubscribe tokens they start.
struct Composed {
    rows: Vec<NewMail>,
    threads: Vec<mail::MailThread>,
    tokens: Vec<(UserId, Kind, String)>,
}

impl Composer {
    /// The messages `events` cause, given the threads and unsubscribe tokens that exist
    /// already; those the messages need and that do not exist yet are made here and
    /// answered for writing with them.
    fn compose(
        &self,
        events: &[StoredEvent],
        context: &Context,
        mut threads: HashMap<TicketId, mail::MailThread>,
        mut tokens: HashMap<(UserId, Kind), String>,
    ) -> Composed {
        let mut planned = plan(events, context);
        render_markdown(&mut planned);
        let mut new_threads = Vec::new();
        let mut new_tokens = Vec::new();
        // Tickets whose thread starts here and whose root no message carries yet.
        let mut fresh: HashSet<TicketId> = HashSet::new();
        let mut rows = Vec::with_capacity(planned.len());
        for item in &planned {
            let (Some(ticket), Some(person)) = (
                context.tickets.get(&item.ticket),
                context.people.get(&item.person),
            ) else {
                continue;
            };
            let thread = threads.entry(item.ticket).or_insert_with(|| {
                let thread = mail::MailThread::start(item.ticket, |_| {
                    self.addresses.message_id(&format!("t{}", item.ticket))
                });
                new_threads.push(thread.clone());
                fresh.insert(item.ticket);
                thread
            });
            let token = tokens.entry((person.id, item.kind)).or_insert_with(|| {
                let token = prefs::new_unsubscribe_token();
                new_tokens.push((person.id, item.kind, token.clone()));
                token
            });
            let unsubscribe = unsubscribe_url(&self.base_url, token);
            let client = item.kind.applies_to(Role::Requester);
            let rendered = render::ticket_message(
                item.kind,
                ticket,
                &item.details,
                &Frame {
                    base_url: &self.base_url,
                    recipient_name: &person.name,
                    reply_by_mail: client,
                    unsubscribe_url: Some(&unsubscribe),
                },
            );
            // The requester's receipt opens a thread started here: it is the message the root
            // names.
            let opens = item.kind == Kind::RequestReceived
                && person.id == ticket.requester_id
                && fresh.remove(&item.ticket);
            let (message_id, in_reply_to, references) = if opens {
                (thread.root_message_id.clone(), None, Vec::new())
            } else {
                (
                    self.addresses.message_id(&format!("t{}", item.ticket)),
                    Some(thread.root_message_id.clone()),
                    vec![thread.root_message_id.clone()],
                )
            };
            rows.push(NewMail {
                kind: item.kind.as_str().into(),
                ticket: Some(item.ticket),
                account: Some(person.id),
                to: person.email.clone(),
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
                message_id,
                in_reply_to,
                references,
                reply_to: Some(
                    self.addresses
                        .reply_address(&thread.reply_token)
                        .to_string(),
                ),
                unsubscribe_url: Some(unsubscribe),
                source_event: Some(item.event),
                sensitive: false,
            });
        }
        Composed {
            rows,
            threads: new_threads,
            tokens: new_tokens,
        }
    }
}

/// The one-click unsubscribe link of `token`.
fn unsubscribe_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/mail/unsubscribe?t={token}")
}

fn comment_of(event: &StoredEvent) -> Option<i64> {
    event.event.data["comment_id"].as_i64()
}

impl Notifier {
    pub fn new(db: Db, addresses: Arc<Addresses>, base_url: &str) -> Notifier {
        Notifier {
            db,
            addresses,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    /// Plans mail for every event committed so far; answers how many messages it wrote and
    /// the last event id it has seen planned.
    ///
    /// It stops at the first batch that was not full: that batch read every event committed
    /// before it began, so everything committed before this call is planned. It does not
    /// chase what is committed meanwhile: while filing is busy, that would plan a few events
    /// per batch, each batch's reads and transaction costing as much as a full one's (a batch
    /// averaged six events at 8 clients filing, and planning cost more CPU per ticket than
    /// filing it); the next run gathers them into full batches.
    pub async fn catch_up(&self) -> Result<(usize, i64), AppError> {
        let mut written = 0;
        loop {
            match self.plan_batch().await? {
                Step::Done(at) => return Ok((written, at)),
                Step::Wrote { messages, at, full } => {
                    written += messages;
                    if !full {
                        return Ok((written, at));
                    }
                }
                Step::Moved(n) => written += n,
            }
        }
    }

    async fn plan_batch(&self) -> Result<Step, AppError> {
        let after = {
            let mut conn = self.db.pool().acquire().await?;
            mail::cursor(&mut conn, CURSOR).await?
        };
        let events = self.db.live_events_after(after, BATCH).await?;
        let Some(last) = events.last().map(|e| e.event.id) else {
            return Ok(Step::Done(after));
        };
        let full = events.len() as i64 >= BATCH;
        let event_ids: Vec<i64> = events.iter().map(|e| e.event.id).collect();
        let context = self.load(&events).await?;
        // The threads and unsubscribe tokens that exist already, read before the writer is
        // taken: only this planner makes them, and the cursor's move below fails if another
        // planner got to these events first, so nobody adds one meanwhile.
        let (threads, tokens) = {
            let mut conn = self.db.pool().acquire().await?;
            let mut tickets: Vec<TicketId> = context.tickets.keys().copied().collect();
            tickets.sort_unstable();
            let mut people: Vec<UserId> = context.people.keys().copied().collect();
            people.sort_unstable();
            (
                mail::threads_of(&mut conn, &tickets).await?,
                prefs::unsubscribe_tokens(&mut conn, &people).await?,
            )
        };
        // Deciding and rendering is the CPU-heavy part: it runs off the runtime's thread and
        // before the transaction, so new tickets wait for the writer only while the batch's
        // rows are written.
        let composer = Composer {
            addresses: self.addresses.clone(),
            base_url: self.base_url.clone(),
        };
        let mut composed =
            crate::blocking::run(move || composer.compose(&events, &context, threads, tokens))
                .await?;

        // In the order of their events (a stable sort keeps each event's own order), so each
        // group's messages are the next run of rows.
        composed.rows.sort_by_key(|row| row.source_event);
        let at = crate::db::now();
        let mut written = 0;
        let mut from = after;
        let mut rows = composed.rows.as_slice();
        let mut threaded: HashSet<TicketId> = HashSet::new();
        for (n, group) in event_ids.chunks(EVENTS_PER_COMMIT).enumerate() {
            let to = group.last().copied().unwrap_or(last);
            // The messages of this group's events.
            let split = rows
                .iter()
                .position(|row| row.source_event.is_some_and(|id| id > to))
                .unwrap_or(rows.len());
            let (now, rest) = rows.split_at(split);
            // The whole transaction travels to the writer's thread as one list of statements,
            // `begin` to `commit`, as filing's does: new tickets wait for the writer only while
            // these statements run, not over a trip there and back for each.
            let mut batch = Batch::default();
            batch.push("begin immediate");
            // Another planner (a second process, a test) moved on meanwhile: the batch stops
            // here, and this one starts over from where it got to rather than write what it
            // may have written.
            mail::push_advance_cursor(&mut batch, CURSOR, from, to);
            // A new thread commits with its ticket's first message, the one that opens it: were
            // it written earlier and the process stopped before that message, the next run
            // would find the thread, and no message would ever carry its root's Message-ID.
            for thread in &composed.threads {
                if now.iter().any(|row| row.ticket == Some(thread.ticket_id))
                    && threaded.insert(thread.ticket_id)
                {
                    mail::push_thread(&mut batch, thread, &at);
                }
            }
            // Unsubscribe tokens are only looked up: any commit may bring them.
            if n == 0 {
                for (account, kind, token) in &composed.tokens {
                    prefs::push_unsubscribe_token(&mut batch, *account, *kind, token, &at);
                }
            }
            for row in now {
                mail::push_enqueue(&mut batch, row, &at);
            }
            batch.push("commit");
            match self.write_group(&mut batch).await? {
                // The cursor's own row, then one per message written.
                Some(ids) => written += ids.saturating_sub(1),
                None => return Ok(Step::Moved(written)),
            }
            from = to;
            rows = rest;
        }
        Ok(Step::Wrote {
            messages: written,
            at: last,
            full,
        })
    }

    /// Runs one group's transaction on the writer: how many rows it sent back, or `None` when
    /// another planner had moved the cursor (nothing of it was written).
    async fn write_group(&self, batch: &mut Batch<'_>) -> Result<Option<usize>, AppError> {
        let mut conn = self.db.writer().await?;
        let mut sent = 0;
        let failure = {
            let mut rows = batch.fetch_ids(&mut conn)?;
            loop {
                match rows.try_next().await {
                    Ok(Some(_)) => sent += 1,
                    Ok(None) => break None,
                    Err(err) => break Some(err),
                }
            }
        };
        let Some(err) = failure else {
            return Ok(Some(sent));
        };
        // Whatever the failure left open is rolled back before the connection goes back to
        // the pool; with no transaction open, this fails harmlessly.
        let _ = sqlx::query("rollback").execute(&mut *conn).await;
        if sent == 0 && mail::is_cursor_moved(&err) {
            Ok(None)
        } else {
            Err(AppError::from(err))
        }
    }

    /// Reads what planning `events` needs: their tickets, the people involved and their
    /// switches, the replies; a few queries for the whole batch.
    async fn load(&self, events: &[StoredEvent]) -> Result<Context, AppError> {
        let ticket_ids: Vec<TicketId> = events
            .iter()
            .filter_map(|e| e.event.ticket_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if ticket_ids.is_empty() {
            return Ok(Context::default());
        }
        let tickets: HashMap<TicketId, MailTicket> = self
            .db
            .mail_tickets(&ticket_ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let comment_ids: Vec<i64> = events.iter().filter_map(comment_of).collect();
        let comments = if comment_ids.is_empty() {
            HashMap::new()
        } else {
            self.db.mail_comments(&comment_ids).await?
        };
        let mut ids: HashSet<UserId> = HashSet::new();
        for ticket in tickets.values() {
            ids.insert(ticket.requester_id);
            ids.extend(ticket.assignee_id);
        }
        for event in events {
            ids.extend(event.event.actor_id);
            ids.extend(event.event.data["assignee_id"].as_i64());
        }
        let mut people: HashMap<UserId, Person> = HashMap::new();
        for person in self
            .db
            .mail_people(&ids.into_iter().collect::<Vec<_>>())
            .await?
        {
            people.insert(person.id, person);
        }
        let staff_list = self.db.mail_staff().await?;
        let staff = staff_list.iter().map(|p| p.id).collect();
        for person in staff_list {
            people.insert(person.id, person);
        }
        let shared_orgs: Vec<OrgId> = events
            .iter()
            .filter(|e| e.audience.org_shares && !e.audience.internal)
            .filter_map(|e| e.audience.org_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut colleagues: HashMap<OrgId, Vec<UserId>> = HashMap::new();
        if !shared_orgs.is_empty() {
            for person in self.db.mail_colleagues(&shared_orgs).await? {
                colleagues.entry(person.org_id).or_default().push(person.id);
                people.insert(person.id, person);
            }
        }
        let switches = self
            .db
            .mail_switches(&people.keys().copied().collect::<Vec<_>>())
            .await?;
        let new_ticket = self.db.new_ticket_mail().await?;
        Ok(Context {
            tickets,
            people,
            staff,
            colleagues,
            switches,
            comments,
            new_ticket,
        })
    }

    /// Writes each manager whose digest is on their organization's figures for the period
    /// that ended last, once per period: the period's number is a cursor moved in the same
    /// transaction as the digests are written. Answers how many were written.
    pub async fn send_digests(&self, now: OffsetDateTime) -> Result<usize, AppError> {
        let mut written = 0;
        for frequency in [DigestFrequency::Daily, DigestFrequency::Weekly] {
            written += self.send_digest(frequency, now).await?;
        }
        Ok(written)
    }

    async fn send_digest(
        &self,
        frequency: DigestFrequency,
        now: OffsetDateTime,
    ) -> Result<usize, AppError> {
        let cursor = format!("digest_{}", frequency.as_str());
        let (period, start, end, label) = period_of(frequency, now);
        let sent = {
            let mut conn = self.db.pool().acquire().await?;
            mail::cursor(&mut conn, &cursor).await?
        };
        if sent >= period {
            return Ok(0);
        }
        let managers = self.db.digest_managers(frequency).await?;
        let mut counts = HashMap::new();
        for manager in &managers {
            if let Entry::Vacant(entry) = counts.entry(manager.org_id) {
                entry.insert(self.db.digest_counts(manager.org_id, &start, &end).await?);
            }
        }
        let mut tx = self.db.begin().await?;
        if !prefs::advance_cursor(&mut tx, &cursor, sent, period).await? {
            return Ok(0);
        }
        let mut written = 0;
        for manager in &managers {
            let token = prefs::unsubscribe_token(&mut tx, manager.id, Kind::Digest).await?;
            let unsubscribe = unsubscribe_url(&self.base_url, &token);
            let rendered = render::digest(
                &manager.org_name,
                label,
                &counts[&manager.org_id],
                &self.base_url,
                &Frame {
                    base_url: &self.base_url,
                    recipient_name: &manager.name,
                    reply_by_mail: false,
                    unsubscribe_url: Some(&unsubscribe),
                },
            );
            let row = NewMail {
                kind: Kind::Digest.as_str().into(),
                account: Some(manager.id),
                to: manager.email.clone(),
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
                message_id: self
                    .addresses
                    .message_id(&format!("digest{}", manager.org_id)),
                unsubscribe_url: Some(unsubscribe),
                ..NewMail::default()
            };
            if mail::enqueue(&mut tx, &row).await?.is_some() {
                written += 1;
            }
        }
        tx.commit().await?;
        Ok(written)
    }
}

enum Step {
    /// Nothing after the cursor, which stands at this id.
    Done(i64),
    /// Planned a batch that ended at event `at`; `full` when it held as many events as a
    /// batch may, so more may follow.
    Wrote {
        messages: usize,
        at: i64,
        full: bool,
    },
    /// Another planner moved the cursor meanwhile, after this one wrote this many messages.
    Moved(usize),
}

/// The number of the `frequency`'s period `now` falls in (days, or weeks from a Monday,
/// since 1970), and the stored times the period before it began and ended, with its name.
fn period_of(
    frequency: DigestFrequency,
    now: OffsetDateTime,
) -> (i64, String, String, &'static str) {
    let day = now.unix_timestamp().div_euclid(86_400);
    let at = |day: i64| {
        crate::db::timestamp(
            OffsetDateTime::from_unix_timestamp(day * 86_400).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        )
    };
    match frequency {
        DigestFrequency::Daily => (day, at(day - 1), at(day), "yesterday"),
        DigestFrequency::Weekly => {
            // 1970-01-01 was a Thursday: three days on, weeks start on Mondays.
            let week = (day + 3).div_euclid(7);
            let monday = week * 7 - 3;
            (week, at(monday - 7), at(monday), "last week")
        }
    }
}

/// Who gets what for each event: the rules of the kinds, the switches, and the live stream's
/// read rule, which keeps internal events and other organizations' tickets from the client's
/// people whatever a rule below says.
fn plan(events: &[StoredEvent], ctx: &Context) -> Vec<Planned> {
    let mut out = Vec::new();
    for event in events {
        let Some(ticket_id) = event.event.ticket_id else {
            continue;
        };
        let Some(ticket) = ctx.tickets.get(&ticket_id) else {
            continue;
        };
        let actor = event.event.actor_id;
        let actor_is_staff = actor
            .and_then(|a| ctx.people.get(&a))
            .and_then(Person::actor)
            .is_some_and(|a| a.is_provider_staff());
        let data = &event.event.data;
        let mut seen: HashSet<(UserId, Kind)> = HashSet::new();
        let mut add = |out: &mut Vec<Planned>, person: UserId, kind: Kind, details: &Details| {
            let Some(p) = ctx.people.get(&person) else {
                return;
            };
            let Some(reader) = p.actor() else {
                return;
            };
            // Nobody is mailed about their own change, but for the receipt of their request.
            let own = actor == Some(person);
            if own && kind != Kind::RequestReceived {
                return;
            }
            if !ctx.wants(p, reader.role, kind) || !event.may_receive(&reader) {
                return;
            }
            // The client's kinds carry what the client may read; staff kinds go to staff.
            if kind.applies_to(Role::Requester) == reader.is_provider_staff() {
                return;
            }
            if seen.insert((person, kind)) {
                out.push(Planned {
                    event: event.event.id,
                    ticket: ticket_id,
                    kind,
                    person,
                    details: details.clone(),
                });
            }
        };
        // The requester, then colleagues who follow their organization's shared tickets.
        let mut client_side = vec![ticket.requester_id];
        if event.audience.org_shares
            && let Some(org) = event.audience.org_id
        {
            client_side.extend(ctx.colleagues.get(&org).into_iter().flatten());
        }
        match event.event.kind.as_str() {
            "ticket.created" => {
                for &person in &client_side {
                    add(&mut out, person, Kind::RequestReceived, &Details::Received);
                }
                let urgent = data["priority"].as_str().unwrap_or(&ticket.priority) == "urgent";
                let mail_staff = match ctx.new_ticket {
                    NewTicketMail::All => true,
                    NewTicketMail::Urgent => urgent,
                    NewTicketMail::None => false,
                };
                if mail_staff {
                    let details = Details::NewTicket {
                        markdown: ticket.body.clone(),
                        html: String::new(),
                    };
                    for &person in &ctx.staff {
                        add(&mut out, person, Kind::NewTicket, &details);
                    }
                }
            }
            "ticket.replied" => {
                let Some((author, body, internal)) =
                    comment_of(event).and_then(|c| ctx.comments.get(&c))
                else {
                    continue;
                };
                if *internal || event.audience.internal {
                    continue;
                }
                let details = Details::Reply(Reply {
                    author: author.clone(),
                    markdown: body.clone(),
                    html: String::new(),
                });
                for &person in &client_side {
                    add(&mut out, person, Kind::PublicReply, &details);
                }
                if !actor_is_staff && let Some(assignee) = ticket.assignee_id {
                    add(&mut out, assignee, Kind::RequesterReplied, &details);
                }
            }
            "ticket.updated" | "ticket.assigned" => {
                let status = data["status"].as_str().unwrap_or_default();
                let from = data["from"].as_str();
                if from.is_some_and(|from| from != status) {
                    let kind_details = match status {
                        "pending" | "resolved" => Some((
                            Kind::StatusChanged,
                            Details::Status {
                                status: status.into(),
                            },
                        )),
                        "closed" => Some((Kind::Closed, Details::Closed)),
                        _ => None,
                    };
                    if let Some((kind, details)) = kind_details {
                        for &person in &client_side {
                            add(&mut out, person, kind, &details);
                        }
                    }
                }
                if event.event.kind == "ticket.assigned"
                    && let Some(assignee) = data["assignee_id"].as_i64()
                {
                    add(&mut out, assignee, Kind::AssignedToMe, &Details::Assigned);
                }
            }
            "ticket.sla_warning" | "ticket.sla_breached" => {
                let target = data["target"].as_str().unwrap_or("resolution").to_string();
                let (kind, details) = if event.event.kind == "ticket.sla_warning" {
                    (
                        Kind::SlaWarning,
                        Details::SlaWarning {
                            target,
                            due: data["due_at"].as_str().map(String::from),
                        },
                    )
                } else {
                    (Kind::SlaMissed, Details::SlaMissed { target })
                };
                if let Some(assignee) = data["assignee_id"].as_i64() {
                    add(&mut out, assignee, kind, &details);
                }
            }
            // Internal notes, files, ratings: no mail. A note never reaches a client's person
            // (and `may_receive` refuses its event to them in any case).
            _ => {}
        }
    }
    out
}

/// Renders the Markdown of replies and new tickets into sanitised HTML, once per event (the
/// composer runs on the blocking pool).
fn render_markdown(planned: &mut [Planned]) {
    let mut rendered: HashMap<i64, String> = HashMap::new();
    for item in planned.iter_mut() {
        match &mut item.details {
            Details::Reply(Reply { markdown, html, .. })
            | Details::NewTicket { markdown, html } => {
                html.clone_from(
                    rendered
                        .entry(item.event)
                        .or_insert_with(|| crate::markdown::render(markdown)),
                );
            }
            _ => {}
        }
    }
}

/// The planner's loop: waits for a publication or the tick, gathers a burst, plans it.
async fn plan_while_open(
    planner: Notifier,
    mut published: tokio::sync::watch::Receiver<i64>,
    mut closing: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(TICK);
    let mut behind = false;
    loop {
        if !behind {
            tokio::select! {
                changed = published.changed() => if changed.is_err() { return },
                _ = closing.wait_for(|closing| *closing) => return,
                _ = tick.tick() => {}
            }
        }
        // Gather a burst before planning it: one transaction for many events costs the
        // writer (which new tickets wait for) far less than one per wake.
        tokio::time::sleep(GATHER).await;
        behind = false;
        match planner.catch_up().await {
            Ok((written, at)) => {
                // What was published while this run planned is seen now; if it went past
                // what the run planned, the planner goes again without waiting for a wake.
                behind = *published.borrow_and_update() > at;
                if written > 0 {
                    tracing::debug!(written, "planned notification mail");
                }
            }
            Err(err) => tracing::error!(error = %err, "planning notification mail failed"),
        }
    }
}

/// Starts the planner, woken when events are published and by a tick, and the digest job.
///
/// The planner runs on a thread and runtime of its own. Reading a batch's events, deciding
/// and writing its messages is work the request runtime's one thread would otherwise do between
/// requests, and at a busy moment every request waited behind it; on its own thread it uses
/// another core instead. It stops when the server closes or the bus is gone.
pub fn spawn(notifier: Notifier, bus: Arc<crate::live::Bus>) {
    // Only told that something was published: the planner reads the events itself, so
    // nothing is copied or filtered per event for it while filing is busiest.
    let published = bus.progress();
    let closing = bus.closing();
    drop(bus);
    let planner = notifier.clone();
    let started = std::thread::Builder::new()
        .name("mail-planner".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(plan_while_open(planner, published, closing)),
                Err(err) => tracing::error!(error = %err, "the mail planner's runtime failed"),
            }
        });
    if let Err(err) = started {
        tracing::error!(error = %err, "the mail planner's thread did not start");
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(DIGEST_EVERY);
        loop {
            every.tick().await;
            match notifier.send_digests(OffsetDateTime::now_utc()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(digests = n, "wrote managers' digests"),
                Err(err) => tracing::error!(error = %err, "writing digests failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_days_and_weeks_from_monday() {
        // Wednesday 2026-12-09, noon.
        let now = time::macros::datetime!(2026-12-09 12:00 UTC);
        let (day, from, to, _) = period_of(DigestFrequency::Daily, now);
        assert_eq!(from, "2026-12-08T00:00:00.000Z");
        assert_eq!(to, "2026-12-09T00:00:00.000Z");
        let (week, from, to, _) = period_of(DigestFrequency::Weekly, now);
        assert_eq!(from, "2026-11-30T00:00:00.000Z");
        assert_eq!(to, "2026-12-07T00:00:00.000Z");
        let (next_day, ..) = period_of(DigestFrequency::Daily, now + time::Duration::days(1));
        assert_eq!(next_day, day + 1);
        let (same_week, ..) = period_of(DigestFrequency::Weekly, now + time::Duration::days(4));
        assert_eq!(same_week, week, "Sunday is in the same week");
    }
}
