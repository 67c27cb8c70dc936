//! The admin's "Set up Deskside" checklist on the home page: each step says what to do, links
//! to the page where it is done, and ticks itself from what the database and the server's
//! settings show.

use crate::accounts::OrgId;
use serde::{Deserialize, Serialize};

pub mod page;

/// Which step of setting up Deskside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SetupStepKind {
    Organization,
    People,
    Hours,
    Contract,
    OutgoingMail,
    IncomingMail,
    Wiki,
    TwoFactor,
}

/// One step: what to do, where, and whether it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetupStep {
    pub kind: SetupStepKind,
    pub title: String,
    /// What is done, or what is left and for whom.
    pub detail: String,
    /// The page where the step is done (the first organization still missing it).
    pub href: String,
    pub done: bool,
}

/// Every step, in the order a new provider takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetupChecklist {
    pub steps: Vec<SetupStep>,
}

impl SetupChecklist {
    pub fn done(&self) -> usize {
        self.steps.iter().filter(|s| s.done).count()
    }

    pub fn complete(&self) -> bool {
        self.steps.iter().all(|s| s.done)
    }
}

/// What a client organization has of its setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSetup {
    pub id: OrgId,
    pub name: String,
    /// Its accounts, invited ones included.
    pub people: i64,
    /// Its business hours or response targets were saved at least once (not the defaults
    /// every new organization starts with, unreviewed).
    pub hours_saved: bool,
    pub contract: bool,
}

/// The facts the checklist is made of, as the server reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupFacts {
    /// Client organizations by name.
    pub orgs: Vec<OrgSetup>,
    pub smtp_configured: bool,
    pub mailboxes: usize,
    pub articles: i64,
    /// The admin asking has two-factor sign-in on.
    pub own_two_factor: bool,
}

/// The checklist of `facts`.
pub fn checklist(facts: &SetupFacts) -> SetupChecklist {
    let orgs = &facts.orgs;
    let missing = |has: fn(&OrgSetup) -> bool| -> Vec<&OrgSetup> {
        orgs.iter().filter(|o| !has(o)).collect()
    };
    // A step per organization is done once every client organization has it, and none exist
    // before the first one is added.
    let per_org =
        |kind, title: &str, has: fn(&OrgSetup) -> bool, href: &dyn Fn(OrgId) -> String| {
            let left = missing(has);
            let (done, detail, href) = match left.first() {
                _ if orgs.is_empty() => (
                    false,
                    "Add a client organization first.".to_string(),
                    "/admin".to_string(),
                ),
                None => (true, every_org(orgs.len()), href(orgs[0].id)),
                Some(first) => (false, still_to_do(&left), href(first.id)),
            };
            SetupStep {
                kind,
                title: title.to_string(),
                detail,
                href,
                done,
            }
        };
    let client_orgs = SetupStep {
        kind: SetupStepKind::Organization,
        title: "Add a client organization".into(),
        detail: match orgs.len() {
            0 => "Each office you support is an organization; its people see only its tickets."
                .into(),
            n => format!(
                "{}.",
                crate::words::count(n, "client organization", "client organizations")
            ),
        },
        href: "/admin".into(),
        done: !orgs.is_empty(),
    };
    let outgoing = SetupStep {
        kind: SetupStepKind::OutgoingMail,
        title: "Send mail through your mail server".into(),
        detail: if facts.smtp_configured {
            "Notifications, invitations and password resets are delivered.".into()
        } else {
            "No SMTP relay is configured: messages wait in the outbox (--smtp-url).".into()
        },
        href: "/admin/mail".into(),
        done: facts.smtp_configured,
    };
    let incoming = SetupStep {
        kind: SetupStepKind::IncomingMail,
        title: "Receive requests by email".into(),
        detail: match facts.mailboxes {
            0 => "No mailbox is read: people can ask for help in the portal only (--imap-mailbox)."
                .into(),
            n => format!(
                "{} read into tickets.",
                crate::words::count(n, "mailbox", "mailboxes")
            ),
        },
        href: "/admin/mail".into(),
        done: facts.mailboxes > 0,
    };
    let wiki = SetupStep {
        kind: SetupStepKind::Wiki,
        title: "Write the first wiki article".into(),
        detail: match facts.articles {
            0 => "Answers written once are suggested while people type their request.".into(),
            n => format!("{}.", crate::words::count(n, "article", "articles")),
        },
        href: if facts.articles == 0 {
            "/wiki/new".into()
        } else {
            "/wiki".into()
        },
        done: facts.articles > 0,
    };
    let two_factor = SetupStep {
        kind: SetupStepKind::TwoFactor,
        title: "Turn on two-factor sign-in for your account".into(),
        detail: if facts.own_two_factor {
            "Signing in asks for a code from your authenticator app.".into()
        } else {
            "An admin's password alone opens every client's data.".into()
        },
        href: "/profile/two-factor".into(),
        done: facts.own_two_factor,
    };
    SetupChecklist {
        steps: vec![
            client_orgs,
            per_org(
                SetupStepKind::People,
                "Invite each organization's people",
                |o| o.people > 0,
                &|_| "/admin#people-heading".into(),
            ),
            per_org(
                SetupStepKind::Hours,
                "Set business hours and response targets",
                |o| o.hours_saved,
                &|id| format!("/admin/orgs/{id}"),
            ),
            per_org(
                SetupStepKind::Contract,
                "Enter each organization's contract hours",
                |o| o.contract,
                &|id| format!("/reports?org={id}"),
            ),
            outgoing,
            incoming,
            wiki,
            two_factor,
        ],
    }
}

fn every_org(n: usize) -> String {
    match n {
        1 => "Done for your client organization.".into(),
        n => format!("Done for all {n} client organizations."),
    }
}

/// "Still to do: Acme, Birch and 2 more."
fn still_to_do(left: &[&OrgSetup]) -> String {
    const NAMED: usize = 3;
    let names = left
        .iter()
        .take(NAMED)
        .map(|o| o.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    match left.len().saturating_sub(NAMED) {
        0 => format!("Still to do: {names}."),
        more => format!("Still to do: {names} and {more} more."),
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::Actor;
    use crate::error::AppError;

    /// The setup checklist: admins only.
    #[async_trait::async_trait]
    pub trait Setup: Send + Sync {
        async fn checklist(&self, actor: &Actor) -> Result<SetupChecklist, AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: OrgId, name: &str, people: i64, hours_saved: bool, contract: bool) -> OrgSetup {
        OrgSetup {
            id,
            name: name.into(),
            people,
            hours_saved,
            contract,
        }
    }

    fn facts(orgs: Vec<OrgSetup>) -> SetupFacts {
        SetupFacts {
            orgs,
            smtp_configured: false,
            mailboxes: 0,
            articles: 0,
            own_two_factor: false,
        }
    }

    fn step(list: &SetupChecklist, kind: SetupStepKind) -> &SetupStep {
        list.steps.iter().find(|s| s.kind == kind).unwrap()
    }

    #[test]
    fn a_fresh_installation_has_nothing_done_and_starts_at_the_first_organization() {
        let list = checklist(&facts(vec![]));

        assert_eq!(list.steps.len(), 8);
        assert_eq!(list.done(), 0);
        assert!(!list.complete());
        assert_eq!(list.steps[0].kind, SetupStepKind::Organization);
        let people = step(&list, SetupStepKind::People);
        assert_eq!(people.href, "/admin");
        assert_eq!(people.detail, "Add a client organization first.");
        assert_eq!(step(&list, SetupStepKind::Wiki).href, "/wiki/new");
    }

    #[test]
    fn a_step_per_organization_links_to_the_first_one_missing_it_and_names_the_rest() {
        let list = checklist(&facts(vec![
            org(1, "Acme", 3, true, true),
            org(2, "Birch", 0, false, true),
            org(3, "Cedar", 0, false, true),
            org(4, "Dune", 0, false, true),
            org(5, "Elm", 0, false, true),
        ]));

        let hours = step(&list, SetupStepKind::Hours);
        assert!(!hours.done);
        assert_eq!(hours.href, "/admin/orgs/2");
        assert_eq!(hours.detail, "Still to do: Birch, Cedar, Dune and 1 more.");
        let contract = step(&list, SetupStepKind::Contract);
        assert!(contract.done);
        assert_eq!(contract.detail, "Done for all 5 client organizations.");
        assert_eq!(contract.href, "/reports?org=1");
        assert_eq!(
            step(&list, SetupStepKind::Organization).detail,
            "5 client organizations."
        );
        assert_eq!(list.done(), 2);
    }

    #[test]
    fn every_step_done_completes_the_checklist() {
        let list = checklist(&SetupFacts {
            orgs: vec![org(7, "Acme", 1, true, true)],
            smtp_configured: true,
            mailboxes: 2,
            articles: 1,
            own_two_factor: true,
        });

        assert!(list.complete());
        assert_eq!(list.done(), 8);
        assert_eq!(
            step(&list, SetupStepKind::People).detail,
            "Done for your client organization."
        );
        assert_eq!(
            step(&list, SetupStepKind::IncomingMail).detail,
            "2 mailboxes read into tickets."
        );
        assert_eq!(step(&list, SetupStepKind::Wiki).href, "/wiki");
    }
}
