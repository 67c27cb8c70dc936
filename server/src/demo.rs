//! Demo data for a first look: the provider's staff and two client offices.

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
    }
    if let Some(author) = author {
        for (title, body) in CANNED {
            let draft = app::tickets::canned::CannedDraft::parse(title, body)?;
            db.insert_canned(author, &draft).await?;
        }
    }
    tracing::info!("seeded demo organizations, accounts and canned replies");
    Ok(())
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
