//! Demo data for a first look: the provider's staff, two client offices with their contracts,
//! canned replies and a small wiki.

use crate::accounts::AccountsService;
use app::accounts::{NewUser, Role};
use app::error::AppError;

/// The password of every demo account (listed in the README).
pub const DEMO_PASSWORD: &str = "deskside-demo";

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

/// Seeds the demo organizations and accounts when nobody has an account yet.
pub async fn seed_if_empty(accounts: &AccountsService) -> Result<(), AppError> {
    let db = accounts.db();
    if db.count_accounts().await? > 0 {
        return Ok(());
    }
    let provider = db
        .orgs()
        .await?
        .into_iter()
        .find(|o| o.kind == app::accounts::OrgKind::Provider)
        .ok_or(AppError::Internal)?;
    let mut author = None;
    for (name, email, role) in PROVIDER_STAFF {
        let id = create(accounts, provider.id, name, email, *role).await?;
        author.get_or_insert(id);
    }
    for (org_name, people) in CLIENTS {
        let org = match db.org_by_name(org_name).await? {
            Some(org) => org,
            None => db.insert_client_org(org_name).await?,
        };
        for (name, email, role) in *people {
            create(accounts, org.id, name, email, *role).await?;
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
    }
    if let Some(author) = author {
        for (title, body) in CANNED {
            let draft = app::tickets::canned::CannedDraft::parse(title, body)?;
            db.insert_canned(author, &draft).await?;
        }
        seed_articles(db, author).await?;
    }
    tracing::info!("seeded demo organizations, accounts, canned replies and articles");
    Ok(())
}

/// The demo wiki: articles for every client, a runbook for the provider's staff, and one
/// article for each client office alone.
async fn seed_articles(db: &crate::db::Db, author: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let at = crate::db::now();
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
        crate::db::wiki::insert_article(&mut tx, author, &input.parse()?, &at).await?;
    }
    tx.commit().await.map_err(AppError::from)
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
/// (The demo files no tickets, so no time is logged.)
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
