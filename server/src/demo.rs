//! Demo data for a first look: the provider's staff, two client offices with their contracts,
//! canned replies and a small wiki, and (`--demo-days`) months of the offices' past: requests
//! and their conversations, time, ratings and the questions the wiki answered
//! (`history`, told from `stories`).

pub mod history;
pub mod stories;

use crate::accounts::AccountsService;
use app::accounts::{NewUser, Role, UserId};
use app::error::AppError;
use app::tickets::Priority;
use history::{Cast, ReadableArticle, Technician};
use std::path::Path;
use time::{Duration, OffsetDateTime};

/// The password of every demo account (listed in the README).
pub const DEMO_PASSWORD: &str = "deskside-demo";

/// How much past the demo is given.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// Days of it, up to the day before `today`.
    pub days: u32,
    /// Where uploaded files are kept (the screenshots go there).
    pub data_dir: &'a Path,
    /// The day the demo starts (UTC): the same day gives the same demo.
    pub today: time::Date,
}

/// Name, email and role of one demo person.
type Person = (&'static str, &'static str, Role);

const PROVIDER_STAFF: &[Person] = &[
    ("Ada Admin", "admin@provider.example", Role::Admin),
    ("Tom Technician", "tom@provider.example", Role::Technician),
    ("Tia Technician", "tia@provider.example", Role::Technician),
];

const CLIENTS: &[(&str, &[Person])] = &[
    (
        "Acme Dental",
        &[
            ("Mia Manager", "mia@acme.example", Role::Manager),
            ("Rob Requester", "rob@acme.example", Role::Requester),
            ("Rita Reception", "rita@acme.example", Role::Requester),
            ("Raj Hygienist", "raj@acme.example", Role::Requester),
        ],
    ),
    (
        "Birch Accounting",
        &[
            ("Ben Manager", "ben@birch.example", Role::Manager),
            ("Bea Bookkeeper", "bea@birch.example", Role::Requester),
            ("Bo Auditor", "bo@birch.example", Role::Requester),
            ("Bree Clerk", "bree@birch.example", Role::Requester),
        ],
    ),
];

/// What seeding wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seeded {
    /// Tickets of the history.
    pub tickets: usize,
    /// How long the history took to seed (the people's password hashes not included).
    pub history: std::time::Duration,
}

/// Seeds the demo organizations and accounts when nobody has an account yet, without a past.
pub async fn seed_if_empty(accounts: &AccountsService) -> Result<Option<Seeded>, AppError> {
    seed(accounts, None).await
}

/// Seeds the demo when nobody has an account yet, with `history` if given; `None` when the
/// database has accounts, which it then leaves as it is.
pub async fn seed(
    accounts: &AccountsService,
    history: Option<History<'_>>,
) -> Result<Option<Seeded>, AppError> {
    let db = accounts.db();
    if db.count_accounts().await? > 0 {
        return Ok(None);
    }
    let mut seeded = Seeded::default();
    let history = history.filter(|h| h.days > 0);
    // The history ends at midnight before `today`; the wiki was written the day before it
    // began.
    let end = history.map(|h| h.today.midnight().assume_utc());
    let since = history
        .zip(end)
        .map(|(h, end)| end - Duration::days(i64::from(h.days) + 1) + Duration::hours(9));
    let provider = db
        .orgs()
        .await?
        .into_iter()
        .find(|o| o.kind == app::accounts::OrgKind::Provider)
        .ok_or(AppError::Internal)?;
    let mut author = None;
    let mut technicians = Vec::new();
    for (name, email, role) in PROVIDER_STAFF {
        let id = create(accounts, provider.id, name, email, *role).await?;
        author.get_or_insert(id);
        if *role == Role::Technician {
            technicians.push(Technician {
                id,
                name: (*name).to_string(),
            });
        }
    }
    let mut offices = Vec::new();
    for (org_name, people) in CLIENTS {
        let org = match db.org_by_name(org_name).await? {
            Some(org) => org,
            None => db.insert_client_org(org_name).await?,
        };
        let mut ids = Vec::new();
        for (name, email, role) in *people {
            ids.push((
                create(accounts, org.id, name, email, *role).await?,
                (*name).to_string(),
            ));
        }
        if let Some((_, hours_included, hourly_rate_cents)) =
            CONTRACTS.iter().find(|(name, _, _)| name == org_name)
        {
            let contract = app::reports::Contract {
                org_id: org.id,
                hours_included: *hours_included,
                hourly_rate_cents: *hourly_rate_cents,
            }
            .validate()?;
            db.set_contract(&contract).await?;
        }
        // The demo offices keep the default hours and targets, as reviewed: they are set up.
        let mut tx = db.begin().await?;
        crate::db::settings::mark_hours_saved(&mut tx, org.id).await?;
        tx.commit().await?;
        offices.push((*org_name, org.id, ids));
    }
    let Some(author) = author else {
        return Ok(Some(seeded));
    };
    for (title, body) in CANNED {
        let draft = app::tickets::canned::CannedDraft::parse(title, body)?;
        db.insert_canned(author, &draft).await?;
    }
    let created_at = since
        .map(crate::db::timestamp)
        .unwrap_or_else(crate::db::now);
    let revisions = match (since, end) {
        (Some(since), Some(end)) => revisions(&technicians, since, end),
        _ => Vec::new(),
    };
    let articles = seed_articles(db, author, &created_at, &revisions).await?;
    tracing::info!("seeded demo organizations, accounts, canned replies and articles");
    let (Some(history), Some(end)) = (history, end) else {
        return Ok(Some(seeded));
    };
    if technicians.is_empty() {
        return Ok(Some(seeded));
    }
    let started = std::time::Instant::now();
    let mut shots = Vec::new();
    for shot in stories::Shot::ALL {
        let bytes = shot.bytes();
        let sha256 = crate::tickets::files::store(history.data_dir, bytes).await?;
        shots.push((shot, bytes.len() as i64, sha256));
    }
    for (org_name, org, people) in offices {
        let office = match org_name {
            "Acme Dental" => stories::Office::Dental,
            _ => stories::Office::Accounting,
        };
        let mut categories = Vec::new();
        for story in stories::STORIES {
            if categories.iter().any(|(name, _)| *name == story.category) {
                continue;
            }
            if let Some(id) = db.category_id(org, Some(story.category)).await? {
                categories.push((story.category, id));
            }
        }
        let mut policies = Vec::new();
        for priority in [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ] {
            if let Some(policy) = db.sla_policy(org, priority).await? {
                policies.push((priority, policy));
            }
        }
        let readable = articles
            .iter()
            .filter(|(article, _)| match article.visibility {
                "all_clients" => true,
                "org" => article.org == Some(org_name),
                _ => false,
            })
            .map(|(article, id)| ReadableArticle {
                id: *id,
                slug: article.slug,
            })
            .collect();
        let cast = Cast {
            org,
            office,
            people,
            categories,
            policies,
            articles: readable,
        };
        let written = history::seed_office(
            db,
            &cast,
            &technicians,
            &shots,
            history.days,
            end,
            crate::mail::notify::CURSOR,
        )
        .await?;
        seeded.tickets += written.tickets;
    }
    seeded.history = started.elapsed();
    tracing::info!(
        days = history.days,
        tickets = seeded.tickets,
        ms = seeded.history.as_millis() as u64,
        "seeded the demo's history"
    );
    Ok(Some(seeded))
}

/// A later revision of an article: its slug, author, time, and the section it adds.
type Revision = (&'static str, UserId, String, &'static str);

/// The wiki's edits over the history, those that fall before its end.
fn revisions(
    technicians: &[Technician],
    since: OffsetDateTime,
    end: OffsetDateTime,
) -> Vec<Revision> {
    let Some(first) = technicians.first() else {
        return Vec::new();
    };
    let second = technicians.last().unwrap_or(first);
    [
        ("printer-offline", first.id, 20, PRINTER_LAPTOP),
        (
            "connect-to-office-wifi",
            second.id,
            34,
            WIFI_RANDOM_ADDRESSES,
        ),
        ("acme-xray-imaging-share", first.id, 47, IMAGING_FROM_HOME),
        ("printer-offline", second.id, 61, PRINTER_EVERYONE),
    ]
    .into_iter()
    .map(|(slug, author, day, text)| (slug, author, since + Duration::days(day), text))
    .filter(|(_, _, at, _)| *at < end)
    .map(|(slug, author, at, text)| (slug, author, crate::db::timestamp(at), text))
    .collect()
}

const PRINTER_LAPTOP: &str = "## Printing from a laptop\n\nMake sure the laptop is on the office \
     Wi-Fi, not the *Guest* network: the printers cannot be reached from it.";
const PRINTER_EVERYONE: &str = "## Nobody can print?\n\nWhen printing stops for the whole \
     office, the print server needs a restart: file a request marked **high** and we restart \
     it remotely.";
const WIFI_RANDOM_ADDRESSES: &str = "## Laptops that keep dropping the connection\n\nIn the \
     network's properties, turn off *Random hardware addresses* for the office network; the \
     access points may refuse the laptop after a while otherwise.";
const IMAGING_FROM_HOME: &str =
    "## From home\n\nConnect the VPN first; drive X: appears a minute later.";

/// The demo wiki: articles for every client, a runbook for the provider's staff, and one
/// article for each client office alone, written at `at`, then edited as `revisions` say.
/// Answers each article with its id.
async fn seed_articles(
    db: &crate::db::Db,
    author: UserId,
    at: &str,
    revisions: &[Revision],
) -> Result<Vec<(&'static DemoArticle, app::wiki::ArticleId)>, AppError> {
    let mut tx = db.begin().await?;
    let mut ids = Vec::new();
    for article in ARTICLES {
        let org_id = match article.org {
            Some(name) => Some(db.org_by_name(name).await?.ok_or(AppError::Internal)?.id),
            None => None,
        };
        let input = app::wiki::ArticleInput {
            slug: article.slug.into(),
            title: article.title.into(),
            body: article.body.into(),
            tags: article.tags.iter().map(|t| t.to_string()).collect(),
            space: article.space.into(),
            visibility: article.visibility.into(),
            org_id,
            published: Some(true),
        };
        let new = input.parse()?;
        let id = crate::db::wiki::insert_article(&mut tx, author, &new, at).await?;
        let mut body = new.body.as_str().to_string();
        let mut revision = 1;
        for (_, editor, when, paragraph) in revisions.iter().filter(|r| r.0 == article.slug) {
            body = format!("{body}\n\n{paragraph}");
            let text = crate::db::wiki::RevisionText {
                title: new.title.as_str(),
                body: &body,
                audience: new.audience,
                published: new.published,
            };
            revision = crate::db::wiki::save_revision(&mut tx, id, revision, &text, *editor, when)
                .await?
                .ok_or(AppError::Internal)?;
        }
        ids.push((article, id));
    }
    tx.commit().await?;
    Ok(ids)
}

async fn create(
    accounts: &AccountsService,
    org_id: i64,
    name: &str,
    email: &str,
    role: Role,
) -> Result<i64, AppError> {
    let new = NewUser::parse(org_id, role.as_str(), email, name, DEMO_PASSWORD)?;
    accounts
        .create_account_as_system(new)
        .await
        .map(|user| user.id)
}

/// Each demo client's contract: hours included a month, and the rate beyond them in cents.
const CONTRACTS: &[(&str, i64, i64)] =
    &[("Acme Dental", 10, 9_500), ("Birch Accounting", 5, 11_000)];

/// Replies the demo provider keeps ready.
const CANNED: &[(&str, &str)] = &[
    (
        "Password reset",
        "Hi {{requester_first_name}},\n\nI have reset your password. You will be asked for a \
         new one at your next sign-in; choose at least 12 characters.\n\n\
         {{technician_first_name}}, re: #{{ticket_number}}",
    ),
    (
        "Waiting on you",
        "Hi {{requester_first_name}},\n\nwe need a little more from you to go on with \
         #{{ticket_number}} ({{ticket_subject}}): could you send a screenshot of the error?\n\n\
         {{technician_first_name}}",
    ),
    (
        "Printer driver reinstalled",
        "Hi {{requester_first_name}},\n\nthe printer driver was out of date; I reinstalled it \
         remotely. Please print a test page and tell me if anything is still off.\n\n\
         {{technician_first_name}}",
    ),
];

/// One demo article.
struct DemoArticle {
    slug: &'static str,
    title: &'static str,
    space: &'static str,
    visibility: &'static str,
    /// The client organization that alone may read it, for visibility `org`.
    org: Option<&'static str>,
    tags: &'static [&'static str],
    body: &'static str,
}

const ARTICLES: &[DemoArticle] = &[
    DemoArticle {
        slug: "printer-offline",
        title: "Printer shows offline",
        space: "How-to",
        visibility: "all_clients",
        org: None,
        tags: &["printing", "printer"],
        body: "When your computer says the printer is **offline**, printing stops and jobs \
               wait in the queue. Most of the time the printer is fine and only the \
               connection was lost.\n\n\
               ## Try this first\n\n\
               1. Check the printer's display: it should be on and show no error.\n\
               2. Open *Settings → Bluetooth & devices → Printers & scanners*, choose the \
               printer and select **Open print queue**.\n\
               3. In the queue, open the **Printer** menu and clear **Use printer offline**.\n\
               4. Cancel any stuck print jobs, then print a test page.\n\n\
               ## Still offline?\n\n\
               Turn the printer off, wait ten seconds and turn it on again. If it still shows \
               offline, restart your computer. If printing still fails after that, file a \
               request with the printer's name (on the sticker on its front) and we will \
               re-add it for you.",
    },
    DemoArticle {
        slug: "connect-to-office-wifi",
        title: "Connect to the office Wi-Fi",
        space: "How-to",
        visibility: "all_clients",
        org: None,
        tags: &["network", "wi-fi"],
        body: "Choose the network named after your office (not the *Guest* one) and sign in \
               with your work email and password.\n\n\
               If your laptop keeps dropping the connection, select the network, choose \
               **Forget**, and join it again.",
    },
    DemoArticle {
        slug: "password-policy",
        title: "Password policy",
        space: "Policies",
        visibility: "all_clients",
        org: None,
        tags: &["security", "account"],
        body: "- At least 12 characters; a short sentence is easy to remember.\n\
               - Never reuse your work password elsewhere.\n\
               - Turn on the authenticator app when you are asked to.\n\n\
               Forgot it? Use **Forgot password** on the sign-in page, or ask us.",
    },
    DemoArticle {
        slug: "runbook-locked-out-account",
        title: "Runbook: unlock a locked-out Microsoft 365 account",
        space: "Runbooks",
        visibility: "internal",
        org: None,
        tags: &["account", "m365"],
        body: "For provider staff only.\n\n\
               1. Confirm the caller's identity with a call back to the number on file.\n\
               2. In the admin centre, open the user, select **Unblock sign-in**.\n\
               3. Revoke sessions, then issue a temporary password that must be changed.\n\
               4. Note in the ticket which checks you made; never paste the password.",
    },
    DemoArticle {
        slug: "acme-xray-imaging-share",
        title: "Open the X-ray imaging share",
        space: "How-to",
        visibility: "org",
        org: Some("Acme Dental"),
        tags: &["imaging", "network"],
        body: "The imaging software keeps its pictures on the practice server.\n\n\
               1. Open File Explorer and choose **Imaging (X:)**.\n\
               2. If the drive shows a red cross, double-click it and sign in with your work \
               account.\n\n\
               The share is only reachable inside the practice or over the VPN.",
    },
    DemoArticle {
        slug: "birch-month-end-backup",
        title: "Month-end backup of the accounting files",
        space: "Runbooks",
        visibility: "org",
        org: Some("Birch Accounting"),
        tags: &["backup"],
        body: "On the last working day, close the accounting program before 6 pm so the \
               backup can copy its files. The backup report arrives by email the next morning.",
    },
];
