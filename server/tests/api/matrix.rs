//! The authorization matrix (issue #7): every REST route the OpenAPI document lists and every
//! registered server function, called by each role against its own organization's data and
//! another's; the live stream's scoping; and marker strings that must never reach a caller who
//! may not read them, through any read route, page, search, download or the stream.

use super::events::Stream;
use super::support::*;
use leptos::server_fn::ServerFn;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------------
// Who asks, about whose data, and what they must get.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    AcmeRequester,
    AcmeManager,
    BirchRequester,
    BirchManager,
    Technician,
    Admin,
}

use Who::*;

const SIGNED_IN_ROLES: [Who; 6] = [
    AcmeRequester,
    AcmeManager,
    BirchRequester,
    BirchManager,
    Technician,
    Admin,
];

impl Who {
    /// The account the role signs in as (anonymous callers log in as Rob).
    fn email(self) -> &'static str {
        match self {
            Anonymous | AcmeRequester => ACME_REQUESTER,
            AcmeManager => ACME_MANAGER,
            BirchRequester => BIRCH_REQUESTER,
            BirchManager => BIRCH_MANAGER,
            Technician => TECH,
            Admin => ADMIN,
        }
    }

    fn home(self) -> Option<Org> {
        match self {
            AcmeRequester | AcmeManager => Some(Org::Acme),
            BirchRequester | BirchManager => Some(Org::Birch),
            Anonymous | Technician | Admin => None,
        }
    }

    fn is_staff(self) -> bool {
        matches!(self, Technician | Admin)
    }
}

/// The client organization whose data a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Org {
    Acme,
    Birch,
}

/// Every call a row makes: each role about Acme's data and about Birch's.
const CALLS: [(Who, Org); 14] = [
    (Anonymous, Org::Acme),
    (Anonymous, Org::Birch),
    (AcmeRequester, Org::Acme),
    (AcmeRequester, Org::Birch),
    (BirchRequester, Org::Birch),
    (BirchRequester, Org::Acme),
    (AcmeManager, Org::Acme),
    (AcmeManager, Org::Birch),
    (BirchManager, Org::Birch),
    (BirchManager, Org::Acme),
    (Technician, Org::Acme),
    (Technician, Org::Birch),
    (Admin, Org::Acme),
    (Admin, Org::Birch),
];

/// The status class a call must answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Success,
    Unauthorized,
    Forbidden,
    NotFound,
    Invalid,
    Conflict,
}

const OK: Out = Out::Success;
const E401: Out = Out::Unauthorized;
const E403: Out = Out::Forbidden;
const E404: Out = Out::NotFound;
const E422: Out = Out::Invalid;
const E409: Out = Out::Conflict;

impl Out {
    fn matches(self, status: StatusCode) -> bool {
        match self {
            Out::Success => status.is_success(),
            Out::Unauthorized => status == StatusCode::UNAUTHORIZED,
            Out::Forbidden => status == StatusCode::FORBIDDEN,
            Out::NotFound => status == StatusCode::NOT_FOUND,
            Out::Invalid => status == StatusCode::UNPROCESSABLE_ENTITY,
            Out::Conflict => status == StatusCode::CONFLICT,
        }
    }
}

/// What one row must answer each kind of caller, asking about one organization's data: "own"
/// is a requester or manager of that organization, "other" one of another organization.
/// Every field is spelled out, so a row states all seven outcomes by name.
#[derive(Debug, Clone, Copy)]
struct Expect {
    anonymous: Out,
    requester_own: Out,
    requester_other: Out,
    manager_own: Out,
    manager_other: Out,
    technician: Out,
    admin: Out,
}

impl Expect {
    /// The outcome `who` must get asking about `org`'s data, and the field that says so.
    fn outcome(&self, who: Who, org: Org) -> (&'static str, Out) {
        let own = who.home() == Some(org);
        match who {
            Anonymous => ("anonymous", self.anonymous),
            AcmeRequester | BirchRequester if own => ("requester_own", self.requester_own),
            AcmeRequester | BirchRequester => ("requester_other", self.requester_other),
            AcmeManager | BirchManager if own => ("manager_own", self.manager_own),
            AcmeManager | BirchManager => ("manager_other", self.manager_other),
            Technician => ("technician", self.technician),
            Admin => ("admin", self.admin),
        }
    }
}

/// Anyone, signed in or not.
const EVERYONE: Expect = Expect {
    anonymous: OK,
    requester_own: OK,
    requester_other: OK,
    manager_own: OK,
    manager_other: OK,
    technician: OK,
    admin: OK,
};

/// Anyone signed in.
const SIGNED_IN: Expect = Expect {
    anonymous: E401,
    requester_own: OK,
    requester_other: OK,
    manager_own: OK,
    manager_other: OK,
    technician: OK,
    admin: OK,
};

/// Whoever may read the data: the org's requester (their own ticket), its manager, staff.
/// Another org's people are told it does not exist.
const READERS: Expect = Expect {
    anonymous: E401,
    requester_own: OK,
    requester_other: E404,
    manager_own: OK,
    manager_other: E404,
    technician: OK,
    admin: OK,
};

/// Whoever may change it: the org's manager and staff; its requester may only read.
const EDITORS: Expect = Expect {
    anonymous: E401,
    requester_own: E403,
    requester_other: E404,
    manager_own: OK,
    manager_other: E404,
    technician: OK,
    admin: OK,
};

/// Staff writing what the org's people may read but not write (internal notes and files).
const STAFF_WRITES: Expect = Expect {
    anonymous: E401,
    requester_own: E403,
    requester_other: E404,
    manager_own: E403,
    manager_other: E404,
    technician: OK,
    admin: OK,
};

/// Figures of an org: its manager and staff; requesters never.
const MANAGERS: Expect = Expect {
    anonymous: E401,
    requester_own: E403,
    requester_other: E403,
    manager_own: OK,
    manager_other: E404,
    technician: OK,
    admin: OK,
};

/// The org's people as a manager looks after them: admins, and the org's own manager.
const PEOPLE: Expect = Expect {
    anonymous: E401,
    requester_own: E403,
    requester_other: E404,
    manager_own: OK,
    manager_other: E404,
    technician: E403,
    admin: OK,
};

/// An organization's access log: its manager and admins. Technicians are refused (the log
/// watches them), requesters too; another org's people are told it does not exist.
const ACCESS_LOG: Expect = Expect {
    anonymous: E401,
    requester_own: E403,
    requester_other: E404,
    manager_own: OK,
    manager_other: E404,
    technician: E403,
    admin: OK,
};

/// Settings: the org's manager reads them, only admins change them.
const ADMIN_SETTINGS: Expect = Expect {
    anonymous: E401,
    requester_own: E404,
    requester_other: E404,
    manager_own: E403,
    manager_other: E404,
    technician: E403,
    admin: OK,
};

/// A mailed link (invitation or reset) that is no link of ours: refused at the token field
/// for anyone, signed in or not; the link is the only credential these calls take.
const DEAD_LINK: Expect = Expect {
    anonymous: E422,
    requester_own: E422,
    requester_other: E422,
    manager_own: E422,
    manager_other: E422,
    technician: E422,
    admin: E422,
};

/// Provider staff; the client's people are refused.
const STAFF: Expect = Expect {
    anonymous: E401,
    requester_own: E403,
    requester_other: E403,
    manager_own: E403,
    manager_other: E403,
    technician: OK,
    admin: OK,
};

/// Provider staff; to anyone else it does not exist.
const STAFF_HIDDEN: Expect = Expect {
    anonymous: E401,
    requester_own: E404,
    requester_other: E404,
    manager_own: E404,
    manager_other: E404,
    technician: OK,
    admin: OK,
};

/// Admins only.
const ADMINS: Expect = Expect {
    anonymous: E401,
    requester_own: E403,
    requester_other: E403,
    manager_own: E403,
    manager_other: E403,
    technician: E403,
    admin: OK,
};

/// Admins only, about a held message or domain that does not exist: admins are told so.
const ADMINS_NONE_THERE: Expect = Expect {
    anonymous: E401,
    requester_own: E403,
    requester_other: E403,
    manager_own: E403,
    manager_other: E403,
    technician: E403,
    admin: E404,
};

/// The ticket's own side rates it: its requester and their manager; staff may not.
const RATERS: Expect = Expect {
    anonymous: E401,
    requester_own: OK,
    requester_other: E404,
    manager_own: OK,
    manager_other: E404,
    technician: E403,
    admin: E403,
};

/// An organization's settings: its manager and provider staff; hidden from everyone else.
const SETTINGS_READERS: Expect = Expect {
    anonymous: E401,
    requester_own: E404,
    requester_other: E404,
    manager_own: OK,
    manager_other: E404,
    technician: OK,
    admin: OK,
};

/// Sharing: the organization's manager, or an admin; a technician may not change it.
const SHARING_WRITERS: Expect = Expect {
    anonymous: E401,
    requester_own: E404,
    requester_other: E404,
    manager_own: OK,
    manager_other: E404,
    technician: E403,
    admin: OK,
};

/// Articles for one organization: its manager and staff; another organization is refused.
const ARTICLE_WRITERS: Expect = Expect {
    anonymous: E401,
    requester_own: E403,
    requester_other: E403,
    manager_own: OK,
    manager_other: E403,
    technician: OK,
    admin: OK,
};

/// The second step of signing in: nobody's sign-in waits for a code (the matrix signs in with
/// passwords only), so everyone is told to sign in.
const NO_SIGN_IN_WAITING: Expect = Expect {
    anonymous: E401,
    requester_own: E401,
    requester_other: E401,
    manager_own: E401,
    manager_other: E401,
    technician: E401,
    admin: E401,
};

/// One's own two-factor setup confirmed with a wrong code: refused at the field, for anyone
/// signed in.
const OWN_WRONG_CODE: Expect = Expect {
    anonymous: E401,
    requester_own: E422,
    requester_other: E422,
    manager_own: E422,
    manager_other: E422,
    technician: E422,
    admin: E422,
};

/// One's own recovery codes while two-factor sign-in is off (as for everyone in the matrix).
const OWN_TWO_FACTOR_OFF: Expect = Expect {
    anonymous: E401,
    requester_own: E409,
    requester_other: E409,
    manager_own: E409,
    manager_other: E409,
    technician: E409,
    admin: E409,
};

// ---------------------------------------------------------------------------------------------
// The REST API. Paths and JSON bodies are templates: `{org}`, `{ticket}`, ... name the data of
// the organization a call is about (see `World::value`).
// ---------------------------------------------------------------------------------------------

enum Body {
    Empty,
    Json(&'static str),
    /// Multipart with one file; `internal` as staff mark it.
    File {
        internal: bool,
    },
}

struct Route {
    method: &'static str,
    path: &'static str,
    body: Body,
    expect: Expect,
    /// Called on a session of its own, as it ends the session.
    throwaway: bool,
}

const fn route(method: &'static str, path: &'static str, body: Body, expect: Expect) -> Route {
    Route {
        method,
        path,
        body,
        expect,
        throwaway: false,
    }
}
const fn get(path: &'static str, expect: Expect) -> Route {
    route("GET", path, Body::Empty, expect)
}
const fn post(path: &'static str, json: &'static str, expect: Expect) -> Route {
    route("POST", path, Body::Json(json), expect)
}
const fn put(path: &'static str, json: &'static str, expect: Expect) -> Route {
    route("PUT", path, Body::Json(json), expect)
}
const fn patch(path: &'static str, json: &'static str, expect: Expect) -> Route {
    route("PATCH", path, Body::Json(json), expect)
}
const fn delete(path: &'static str, expect: Expect) -> Route {
    route("DELETE", path, Body::Empty, expect)
}
const fn upload(path: &'static str, internal: bool, expect: Expect) -> Route {
    route("POST", path, Body::File { internal }, expect)
}

const ARTICLE: &str = r#"{"slug": "", "title": "Matrix {n}", "body": "Text", "tags": [],
    "space": "How-to", "visibility": "org", "org_id": {org}, "published": true}"#;
const ARTICLE_EDIT: &str = r#"{"title": "Matrix {n}",
    "body": "Text ![diagram](/api/v1/article-files/{article_file})", "tags": [],
    "space": "How-to", "visibility": "org", "org_id": {org}, "published": true,
    "base_revision": {revision}}"#;
const NEW_PERSON: &str = r#"{"org_id": {org}, "role": "requester", "email": "matrix{n}@example.com",
    "name": "Matrix Person"}"#;

const ROUTES: &[Route] = &[
    // Signing in, the caller, tokens.
    post(
        "/api/v1/auth/login",
        r#"{"email": "{me}", "password": "deskside-demo"}"#,
        EVERYONE,
    ),
    Route {
        throwaway: true,
        ..post("/api/v1/auth/logout", "{}", EVERYONE)
    },
    post(
        "/api/v1/auth/two-factor",
        r#"{"code": "000000"}"#,
        NO_SIGN_IN_WAITING,
    ),
    get("/api/v1/me", SIGNED_IN),
    // One's own two-factor sign-in.
    get("/api/v1/me/two-factor", SIGNED_IN),
    post("/api/v1/me/two-factor/setup", "{}", SIGNED_IN),
    post(
        "/api/v1/me/two-factor/confirm",
        r#"{"code": "000000"}"#,
        OWN_WRONG_CODE,
    ),
    post(
        "/api/v1/me/two-factor/recovery-codes",
        r#"{"password": "deskside-demo"}"#,
        OWN_TWO_FACTOR_OFF,
    ),
    post(
        "/api/v1/me/two-factor/disable",
        r#"{"password": "deskside-demo"}"#,
        SIGNED_IN,
    ),
    // The installation's settings; saved as they are, so nobody is required to set up
    // two-factor sign-in in the middle of the matrix.
    get("/api/v1/settings", ADMINS),
    put(
        "/api/v1/settings",
        r#"{"require_staff_two_factor": false}"#,
        ADMINS,
    ),
    // The same password again: the row's caller stays signed in, their other sessions end.
    post(
        "/api/v1/me/password",
        r#"{"current": "deskside-demo", "new": "deskside-demo"}"#,
        SIGNED_IN,
    ),
    get("/api/v1/tokens", SIGNED_IN),
    post(
        "/api/v1/tokens",
        r#"{"name": "matrix {n}", "scope": "read_only", "expires_in_days": 30}"#,
        SIGNED_IN,
    ),
    delete("/api/v1/tokens/{my_token}", SIGNED_IN),
    // Nobody, not even an admin, revokes someone else's token.
    delete(
        "/api/v1/tokens/{colleagues_token}",
        Expect {
            anonymous: E401,
            requester_own: E404,
            requester_other: E404,
            manager_own: E404,
            manager_other: E404,
            technician: E404,
            admin: E404,
        },
    ),
    // Organizations and people.
    get("/api/v1/orgs", SIGNED_IN),
    post("/api/v1/orgs", r#"{"name": "Matrix Org {n}"}"#, ADMINS),
    get(
        "/api/v1/users",
        Expect {
            anonymous: E401,
            requester_own: E403,
            requester_other: E403,
            manager_own: OK,
            manager_other: OK,
            technician: OK,
            admin: OK,
        },
    ),
    get("/api/v1/users?org={org}", MANAGERS),
    post("/api/v1/users", NEW_PERSON, PEOPLE),
    patch("/api/v1/users/{colleague}", r#"{"active": true}"#, PEOPLE),
    // Invitations and password resets by mailed link. Resending invites the org's person who
    // has not accepted yet: a manager their own org's, admins anyone's; technicians add nobody.
    post("/api/v1/users/{invited}/invitation", "{}", PEOPLE),
    get("/api/v1/invitations/{no_link}", DEAD_LINK),
    post(
        "/api/v1/invitations/{no_link}",
        r#"{"password": "a long password"}"#,
        DEAD_LINK,
    ),
    // The same answer for any address, known or not, signed in or not.
    post(
        "/api/v1/auth/forgot",
        r#"{"email": "matrix{n}@example.com"}"#,
        EVERYONE,
    ),
    post(
        "/api/v1/auth/reset",
        r#"{"token": "{no_link}", "password": "a long password"}"#,
        DEAD_LINK,
    ),
    // Tickets.
    get("/api/v1/tickets", SIGNED_IN),
    get("/api/v1/tickets?org={org}", READERS),
    // Staff file nothing: the form tells them so at the subject field.
    post(
        "/api/v1/tickets",
        r#"{"subject": "Matrix request", "body": "B", "priority": "low"}"#,
        Expect {
            anonymous: E401,
            requester_own: OK,
            requester_other: OK,
            manager_own: OK,
            manager_other: OK,
            technician: E422,
            admin: E422,
        },
    ),
    post(
        "/api/v1/tickets/bulk",
        r#"{"ids": [{ticket}], "priority": "high"}"#,
        STAFF,
    ),
    get("/api/v1/tickets/{ticket}", READERS),
    patch(
        "/api/v1/tickets/{ticket}",
        r#"{"priority": "high"}"#,
        STAFF_WRITES,
    ),
    patch(
        "/api/v1/tickets/{resolved}",
        r#"{"status": "resolved"}"#,
        READERS,
    ),
    post(
        "/api/v1/tickets/{ticket}/comments",
        r#"{"body": "Matrix reply", "internal": false}"#,
        READERS,
    ),
    post(
        "/api/v1/tickets/{ticket}/comments",
        r#"{"body": "Matrix note", "internal": true}"#,
        STAFF_WRITES,
    ),
    post(
        "/api/v1/tickets/{resolved}/rating",
        r#"{"rating": "good"}"#,
        RATERS,
    ),
    upload("/api/v1/tickets/{ticket}/attachments", false, READERS),
    upload("/api/v1/tickets/{ticket}/attachments", true, STAFF_WRITES),
    get("/api/v1/attachments/{attachment}", READERS),
    get("/api/v1/attachments/{internal_attachment}", STAFF_HIDDEN),
    post(
        "/api/v1/tickets/{ticket}/presence",
        r#"{"typing": null}"#,
        READERS,
    ),
    post(
        "/api/v1/tickets/{ticket}/presence",
        r#"{"typing": "note"}"#,
        STAFF_WRITES,
    ),
    delete("/api/v1/tickets/{ticket}/presence", READERS),
    // The queue's views.
    get("/api/v1/views", STAFF),
    post(
        "/api/v1/views",
        r#"{"name": "Matrix {n}", "query": "status=open"}"#,
        STAFF,
    ),
    delete("/api/v1/views/{my_view}", STAFF),
    // An organization's settings.
    get("/api/v1/orgs/{org}/settings", SETTINGS_READERS),
    patch(
        "/api/v1/orgs/{org}/settings",
        r#"{"share_tickets": false}"#,
        SHARING_WRITERS,
    ),
    patch(
        "/api/v1/orgs/{org}/settings",
        r#"{"sla": []}"#,
        ADMIN_SETTINGS,
    ),
    post(
        "/api/v1/orgs/{org}/categories",
        r#"{"name": "Matrix {n}"}"#,
        ADMIN_SETTINGS,
    ),
    patch(
        "/api/v1/categories/{category}",
        r#"{"archived": false}"#,
        ADMIN_SETTINGS,
    ),
    // Canned replies: the client's people never learn they exist.
    get("/api/v1/canned-replies", STAFF_HIDDEN),
    post(
        "/api/v1/canned-replies",
        r#"{"title": "Matrix {n}", "body": "Hello"}"#,
        STAFF_HIDDEN,
    ),
    get("/api/v1/canned-replies/{canned}", STAFF_HIDDEN),
    put(
        "/api/v1/canned-replies/{canned}",
        r#"{"title": "Matrix {n}", "body": "Hello"}"#,
        STAFF_HIDDEN,
    ),
    delete("/api/v1/canned-replies/{fresh_canned}", STAFF_HIDDEN),
    get(
        "/api/v1/tickets/{ticket}/canned-replies/{canned}",
        STAFF_HIDDEN,
    ),
    // The live stream (what each receives: the stream tests below).
    get("/api/v1/events", SIGNED_IN),
    // The wiki.
    get("/api/v1/articles", SIGNED_IN),
    // Writing for another org is refused outright: there is nothing there to hide.
    post("/api/v1/articles", ARTICLE, ARTICLE_WRITERS),
    get("/api/v1/articles/search?q=printer", SIGNED_IN),
    get("/api/v1/articles/suggest?q=printer", SIGNED_IN),
    get("/api/v1/articles/{article}", READERS),
    get("/api/v1/articles/{internal_article}", STAFF_HIDDEN),
    put("/api/v1/articles/{article}", ARTICLE_EDIT, EDITORS),
    get("/api/v1/articles/{article}/revisions", READERS),
    get("/api/v1/articles/{article}/revisions/{first}", READERS),
    get("/api/v1/articles/{article}/diff?from=1&to=1", READERS),
    post("/api/v1/articles/{article}/restore/{linked}", "{}", EDITORS),
    post("/api/v1/articles/{article}/deflect", "{}", READERS),
    upload("/api/v1/articles/{article}/files", false, EDITORS),
    get("/api/v1/article-files/{article_file}", READERS),
    get("/api/v1/tickets/{ticket}/articles", STAFF),
    post(
        "/api/v1/tickets/{ticket}/capture",
        r#"{"symptom": "Printer offline", "fix": "Restarted the spooler"}"#,
        STAFF,
    ),
    // Reports, time and contracts.
    get("/api/v1/reports/workload?org={org}", MANAGERS),
    get("/api/v1/reports/workload.csv?org={org}", MANAGERS),
    get("/api/v1/tickets/{ticket}/time", STAFF),
    post(
        "/api/v1/tickets/{ticket}/time",
        r#"{"minutes": 5, "note": "matrix"}"#,
        STAFF,
    ),
    get("/api/v1/time-entries?org={org}", MANAGERS),
    get("/api/v1/time-entries.csv?org={org}", MANAGERS),
    post(
        "/api/v1/time-entries/billed",
        r#"{"org_id": {org}, "month": "2000-01"}"#,
        ADMINS,
    ),
    // Technicians change their own entries (the entry is Tom's), admins anyone's.
    patch(
        "/api/v1/time-entries/{time_entry}",
        r#"{"minutes": 7, "note": "matrix"}"#,
        STAFF,
    ),
    delete("/api/v1/time-entries/{fresh_time_entry}", STAFF),
    get("/api/v1/timer", STAFF),
    post("/api/v1/timer", r#"{"ticket_id": {ticket}}"#, STAFF),
    delete("/api/v1/timer", STAFF),
    get("/api/v1/orgs/{org}/contract", MANAGERS),
    put(
        "/api/v1/orgs/{org}/contract",
        r#"{"hours_included": 10, "hourly_rate_cents": 9500}"#,
        ADMINS,
    ),
    // One's own mail notifications, and which new tickets mail the provider's staff.
    get("/api/v1/me/notifications", SIGNED_IN),
    put("/api/v1/me/notifications", "{}", SIGNED_IN),
    get("/api/v1/settings/notifications", ADMINS),
    put(
        "/api/v1/settings/notifications",
        r#"{"new_ticket": "urgent"}"#,
        ADMINS,
    ),
    // The team's assignment setting (admins); the matrix leaves it on.
    get("/api/v1/settings/assignment", ADMINS),
    put(
        "/api/v1/settings/assignment",
        r#"{"assign_on_work": true}"#,
        ADMINS,
    ),
    // The access log.
    get("/api/v1/orgs/{org}/access-log", ACCESS_LOG),
    get("/api/v1/orgs/{org}/access-log.csv", ACCESS_LOG),
    // Mail read into tickets: admins only.
    get("/api/v1/mail/inbound", ADMINS),
    post(
        "/api/v1/mail/inbound/held/{no_held}/accept",
        r#"{"org_id": {org}}"#,
        ADMINS_NONE_THERE,
    ),
    post(
        "/api/v1/mail/inbound/held/{no_held}/reject",
        "{}",
        ADMINS_NONE_THERE,
    ),
    post(
        "/api/v1/mail/inbound/domains",
        r#"{"org_id": {org}, "domain": "matrix{n}.example"}"#,
        ADMINS,
    ),
    delete(
        "/api/v1/mail/inbound/domains/{no_domain}",
        ADMINS_NONE_THERE,
    ),
    // Outgoing mail: the setup, the outbox and test messages are the admins'; what was mailed
    // about a ticket is staff's, and to the client's people it does not exist (they must not
    // learn who else was mailed).
    get("/api/v1/mail/setup", ADMINS),
    get("/api/v1/mail/outbox", ADMINS),
    post(
        "/api/v1/mail/test",
        r#"{"to": "matrix{n}@example.com"}"#,
        ADMINS,
    ),
    get("/api/v1/tickets/{ticket}/mail", STAFF_HIDDEN),
    // The setup checklist on the admin's home page.
    get("/api/v1/setup", ADMINS),
    // Each role's home page: its sections for anyone signed in; the desk's "seen" mark is
    // staff's own.
    get("/api/v1/home", SIGNED_IN),
    post("/api/v1/home/seen", r#"{"through": 0}"#, STAFF),
];

/// A route as the OpenAPI document names it: the method and the path with every `{...}`
/// segment alike and no query.
fn route_key(method: &str, path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path
        .split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect();
    format!("{} {}", method.to_uppercase(), segments.join("/"))
}

// ---------------------------------------------------------------------------------------------
// Server functions: posted as the app posts them (url-encoded), named by their registered path.
// ---------------------------------------------------------------------------------------------

/// A server function's arguments, as form fields; values are templates.
type Args = &'static [(&'static str, &'static str)];

struct Call {
    path: &'static str,
    args: Args,
    expect: Expect,
    throwaway: bool,
}

const fn sf(path: &'static str, args: Args, expect: Expect) -> Call {
    Call {
        path,
        args,
        expect,
        throwaway: false,
    }
}

macro_rules! path {
    ($f:ty) => {
        <$f as ServerFn>::PATH
    };
}

use app::access::page as access;
use app::accounts::links::page as links;
use app::home::{desk, page as home};
use app::mail::inbound::page as inbound_mail;
use app::mail::page as mail;
use app::mail::preferences::new_ticket as new_ticket_mail;
use app::mail::preferences::section as mail_section;
use app::reports::{dashboard, time_panel};
use app::setup::page as setup;
use app::tickets::settings::page as settings;
use app::tickets::{canned, list, new, queue, view};
use app::wiki::{edit, help, pages};
use app::{admin, auth, clock, profile, theme, two_factor};

const DEMO: &str = "deskside-demo";

const SERVER_FNS: &[Call] = &[
    // Signing in and out are for anyone; who is signed in answers `null` to a visitor.
    sf(
        path!(auth::Login),
        &[("email", "{me}"), ("password", DEMO), ("next", "")],
        EVERYONE,
    ),
    Call {
        throwaway: true,
        ..sf(path!(auth::Logout), &[], EVERYONE)
    },
    sf(path!(auth::CurrentUser), &[], EVERYONE),
    sf(
        path!(two_factor::page::VerifyTwoFactor),
        &[("code", "000000")],
        NO_SIGN_IN_WAITING,
    ),
    // One's own two-factor sign-in, and the installation's settings (saved as they are).
    sf(path!(two_factor::page::TwoFactorView), &[], SIGNED_IN),
    sf(path!(two_factor::page::OwnTwoFactor), &[], SIGNED_IN),
    sf(path!(two_factor::page::BeginTwoFactor), &[], SIGNED_IN),
    sf(
        path!(two_factor::page::ConfirmTwoFactor),
        &[("code", "000000")],
        OWN_WRONG_CODE,
    ),
    sf(
        path!(two_factor::page::NewRecoveryCodes),
        &[("password", DEMO), ("code", "")],
        OWN_TWO_FACTOR_OFF,
    ),
    sf(
        path!(two_factor::page::TurnOffTwoFactor),
        &[("password", DEMO), ("code", "")],
        SIGNED_IN,
    ),
    sf(path!(two_factor::page::LoadSiteSettings), &[], ADMINS),
    // Mail read into tickets.
    sf(path!(inbound_mail::LoadInboundMail), &[], ADMINS),
    sf(
        path!(inbound_mail::AcceptHeldMail),
        &[("id", "{no_held}"), ("org_id", "{org}")],
        ADMINS_NONE_THERE,
    ),
    sf(
        path!(inbound_mail::RejectHeldMail),
        &[("id", "{no_held}")],
        ADMINS_NONE_THERE,
    ),
    sf(
        path!(inbound_mail::AddMailDomain),
        &[("org_id", "{org}"), ("domain", "matrix{n}.example")],
        ADMINS,
    ),
    sf(
        path!(inbound_mail::RemoveMailDomain),
        &[("domain", "{no_domain}")],
        ADMINS_NONE_THERE,
    ),
    sf(path!(two_factor::page::SaveSiteSettings), &[], ADMINS),
    // The caller's own account.
    sf(
        path!(profile::RenameSelf),
        &[("name", "{my_name}")],
        SIGNED_IN,
    ),
    sf(
        path!(profile::ChangePassword),
        &[("current", DEMO), ("new", DEMO), ("confirm", DEMO)],
        SIGNED_IN,
    ),
    sf(path!(profile::ListTokens), &[], SIGNED_IN),
    // This browser's colours: a cookie for whoever is signed in on it.
    sf(path!(theme::ChooseTheme), &[("theme", "dark")], SIGNED_IN),
    // This browser's time zone, the same way, and the zones its form offers.
    sf(
        path!(clock::ChooseTimeZone),
        &[("time_zone", "Europe/Berlin")],
        SIGNED_IN,
    ),
    sf(path!(clock::TimeZoneNames), &[], SIGNED_IN),
    sf(
        path!(mail_section::LoadNotificationPreferences),
        &[],
        SIGNED_IN,
    ),
    sf(
        path!(mail_section::SaveNotificationPreferences),
        &[("public_reply", "on")],
        SIGNED_IN,
    ),
    sf(
        path!(profile::CreateToken),
        &[
            ("name", "matrix {n}"),
            ("scope", "read_only"),
            ("expires_in_days", "30"),
        ],
        SIGNED_IN,
    ),
    sf(path!(profile::TakeCreatedToken), &[], SIGNED_IN),
    sf(
        path!(profile::RevokeToken),
        &[("id", "{my_token}")],
        SIGNED_IN,
    ),
    // Organizations and people.
    sf(path!(admin::ListOrgs), &[], SIGNED_IN),
    sf(
        path!(admin::CreateOrg),
        &[("name", "Matrix Org {n}")],
        ADMINS,
    ),
    sf(path!(admin::ListUsers), &[("org_id", "{org}")], MANAGERS),
    sf(
        path!(admin::CreateUser),
        &[
            ("org_id", "{org}"),
            ("role", "requester"),
            ("email", "fn-matrix{n}@example.com"),
            ("name", "Matrix Person"),
        ],
        PEOPLE,
    ),
    sf(
        path!(admin::SetUserActive),
        &[("user_id", "{colleague}"), ("active", "true")],
        PEOPLE,
    ),
    sf(
        path!(admin::ResendInvitation),
        &[("user_id", "{invited}")],
        PEOPLE,
    ),
    // Invitations and password resets by mailed link.
    sf(
        path!(links::LoadLink),
        &[("purpose", "invitation"), ("token", "{no_link}")],
        DEAD_LINK,
    ),
    sf(
        path!(links::LoadLink),
        &[("purpose", "password_reset"), ("token", "{no_link}")],
        DEAD_LINK,
    ),
    sf(
        path!(links::UseMailedLink),
        &[
            ("purpose", "invitation"),
            ("token", "{no_link}"),
            ("password", "a long password"),
            ("confirm", "a long password"),
        ],
        DEAD_LINK,
    ),
    sf(
        path!(links::UseMailedLink),
        &[
            ("purpose", "password_reset"),
            ("token", "{no_link}"),
            ("password", "a long password"),
            ("confirm", "a long password"),
        ],
        DEAD_LINK,
    ),
    sf(
        path!(links::RequestReset),
        &[("email", "fn-matrix{n}@example.com")],
        EVERYONE,
    ),
    // Tickets.
    sf(path!(list::ListTickets), &[], SIGNED_IN),
    sf(
        path!(list::ListTickets),
        &[("params[org]", "{org}")],
        READERS,
    ),
    sf(path!(new::NewTicketChoices), &[], SIGNED_IN),
    sf(path!(new::PreviewMarkdown), &[("body", "*hi*")], SIGNED_IN),
    sf(path!(view::GetTicket), &[("id", "{ticket}")], READERS),
    sf(
        path!(view::AddComment),
        &[("id", "{ticket}"), ("body", "Matrix reply")],
        READERS,
    ),
    sf(
        path!(view::AddComment),
        &[
            ("id", "{ticket}"),
            ("body", "Matrix note"),
            ("internal", "on"),
        ],
        STAFF_WRITES,
    ),
    sf(
        path!(view::UpdateTicket),
        &[("id", "{ticket}"), ("priority", "high")],
        STAFF_WRITES,
    ),
    sf(
        path!(view::RateTicket),
        &[("id", "{resolved}"), ("rating", "good")],
        RATERS,
    ),
    // The queue.
    sf(path!(queue::LoadQueue), &[], STAFF),
    sf(
        path!(queue::SaveView),
        &[("name", "Matrix {n}"), ("query", "status=open")],
        STAFF,
    ),
    sf(path!(queue::DeleteView), &[("id", "{my_view}")], STAFF),
    sf(
        path!(queue::BulkUpdate),
        &[("ids[0]", "{ticket}"), ("action", "priority:high")],
        STAFF,
    ),
    // Canned replies.
    sf(path!(canned::page::ListCannedReplies), &[], STAFF_HIDDEN),
    sf(
        path!(canned::page::SaveCannedReply),
        &[("title", "Matrix {n}"), ("body", "Hello")],
        STAFF_HIDDEN,
    ),
    sf(
        path!(canned::page::DeleteCannedReply),
        &[("id", "{fresh_canned}")],
        STAFF_HIDDEN,
    ),
    sf(
        path!(canned::page::ExpandCannedReply),
        &[("ticket", "{ticket}"), ("canned", "{canned}")],
        STAFF_HIDDEN,
    ),
    // Settings.
    sf(
        path!(settings::GetOrgSettings),
        &[("org_id", "{org}")],
        SETTINGS_READERS,
    ),
    // The one settings form: sharing alone (managers of their own org too), and with the
    // hours, targets and categories only admins change.
    sf(
        path!(settings::SaveSettings),
        &[("org_id", "{org}"), ("share", "on")],
        SHARING_WRITERS,
    ),
    sf(
        path!(settings::SaveSettings),
        &[
            ("org_id", "{org}"),
            ("time_zone", "UTC"),
            ("start", "09:00"),
            ("end", "17:00"),
            ("mon", "on"),
            ("tue", "on"),
            ("urgent_first_response", "1"),
            ("urgent_resolution", "4"),
            ("new_category", "Matrix {n}"),
        ],
        ADMIN_SETTINGS,
    ),
    // The wiki.
    sf(path!(pages::ListArticles), &[], SIGNED_IN),
    sf(path!(pages::SearchArticles), &[("q", "printer")], SIGNED_IN),
    sf(path!(help::SuggestArticles), &[("q", "printer")], SIGNED_IN),
    sf(path!(pages::GetArticle), &[("slug", "{article}")], READERS),
    sf(
        path!(pages::GetArticle),
        &[("slug", "{internal_article}")],
        STAFF_HIDDEN,
    ),
    sf(path!(pages::Deflect), &[("slug", "{article}")], READERS),
    sf(
        path!(pages::ListRevisions),
        &[("slug", "{article}")],
        READERS,
    ),
    sf(
        path!(pages::GetRevision),
        &[("slug", "{article}"), ("number", "1")],
        READERS,
    ),
    sf(
        path!(pages::GetDiff),
        &[("slug", "{article}"), ("from", "1"), ("to", "1")],
        READERS,
    ),
    sf(
        path!(pages::RestoreRevision),
        &[("slug", "{article}"), ("number", "1")],
        EDITORS,
    ),
    sf(
        path!(edit::SaveArticle),
        &[
            ("title", "Matrix {n}"),
            ("body", "Text"),
            ("space", "How-to"),
            ("visibility", "org"),
            ("org_id", "{org}"),
            ("published", "on"),
        ],
        ARTICLE_WRITERS,
    ),
    sf(path!(edit::PreviewArticle), &[("body", "*hi*")], SIGNED_IN),
    sf(path!(edit::ArticleOrgs), &[], SIGNED_IN),
    sf(
        path!(help::CaptureFix),
        &[
            ("ticket", "{ticket}"),
            ("symptom", "Printer offline"),
            ("fix", "Restarted the spooler"),
        ],
        STAFF,
    ),
    // Reports and time.
    sf(
        path!(dashboard::LoadDashboard),
        &[("params[org]", "{org}")],
        MANAGERS,
    ),
    sf(
        path!(dashboard::SaveContract),
        &[
            ("org_id", "{org}"),
            ("hours_included", "10"),
            ("hourly_rate", "95.00"),
        ],
        ADMINS,
    ),
    sf(
        path!(dashboard::BillMonth),
        &[("org_id", "{org}"), ("month", "2000-01")],
        ADMINS,
    ),
    sf(
        path!(time_panel::LogTime),
        &[("ticket", "{ticket}"), ("minutes", "5")],
        STAFF,
    ),
    sf(
        path!(time_panel::StartTimer),
        &[("ticket", "{ticket}")],
        STAFF,
    ),
    sf(path!(time_panel::StopTimer), &[], STAFF),
    // Asked by the header of every page, signed in or not; staff get their timer, others none.
    sf(path!(time_panel::LoadHeaderTimer), &[], EVERYONE),
    sf(
        path!(time_panel::DeleteTime),
        &[("id", "{fresh_time_entry}")],
        STAFF,
    ),
    // The access log.
    sf(
        path!(access::LoadAccessLog),
        &[("org", "{org}")],
        ACCESS_LOG,
    ),
    // The setup checklist on the admin's home page.
    sf(path!(setup::LoadSetup), &[], ADMINS),
    // Each role's home page, and the desk's "seen" mark.
    sf(path!(home::LoadHome), &[], SIGNED_IN),
    sf(path!(desk::MarkDeskSeen), &[("through", "0")], STAFF),
    // Outgoing mail.
    sf(path!(mail::LoadMailSetup), &[], ADMINS),
    sf(path!(mail::LoadOutbox), &[], ADMINS),
    sf(
        path!(mail::SendTestMail),
        &[("to", "matrix{n}@example.com")],
        ADMINS,
    ),
    // Which new tickets mail the provider's staff: the admins' setting, on the Mail page.
    sf(path!(new_ticket_mail::LoadNewTicketMail), &[], ADMINS),
    sf(
        path!(new_ticket_mail::SaveNewTicketMail),
        &[("new_ticket", "urgent")],
        ADMINS,
    ),
    sf(
        path!(mail::LoadTicketMail),
        &[("id", "{ticket}")],
        STAFF_HIDDEN,
    ),
    // The team's assignment setting, on the admin page; the matrix leaves it on.
    sf(
        path!(app::tickets::assignment::LoadAssignOnWork),
        &[],
        ADMINS,
    ),
    sf(
        path!(app::tickets::assignment::SaveAssignOnWork),
        &[("assign_on_work", "on")],
        ADMINS,
    ),
];

// ---------------------------------------------------------------------------------------------
// The data every call is about, and the markers that must stay where they belong.
// ---------------------------------------------------------------------------------------------

const ACME_SUBJECT: &str = "zqxacmesubject";
const INTERNAL_NOTE: &str = "zqxinternalnote";
const TIME_NOTE: &str = "zqxtimenote";
const INTERNAL_FILE: &str = "zqxinternalfile";
const INTERNAL_WIKI: &str = "zqxinternalwiki";
const ACME_WIKI: &str = "zqxacmewiki";
const ACME_DRAFT: &str = "zqxacmedraft";

const INTERNAL_ARTICLE: &str = "zqxinternalwiki-runbook";
const ACME_ARTICLE: &str = "acme-zqxacmewiki";

/// Each marker and who may read it. Managers read their org's time for invoicing; nobody but
/// staff reads notes, internal files or internal articles; Birch reads nothing of Acme, not
/// even who Acme is.
const MARKERS: &[(&str, &[Who])] = &[
    (
        ACME_SUBJECT,
        &[AcmeRequester, AcmeManager, Technician, Admin],
    ),
    (INTERNAL_NOTE, &[Technician, Admin]),
    (TIME_NOTE, &[AcmeManager, Technician, Admin]),
    (INTERNAL_FILE, &[Technician, Admin]),
    (INTERNAL_WIKI, &[Technician, Admin]),
    (ACME_WIKI, &[AcmeRequester, AcmeManager, Technician, Admin]),
    // A draft is for those who may edit it.
    (ACME_DRAFT, &[AcmeManager, Technician, Admin]),
    // Who Acme is: its name, its people's names and addresses.
    (
        "Acme Dental",
        &[AcmeRequester, AcmeManager, Technician, Admin],
    ),
    (
        "acme.example",
        &[AcmeRequester, AcmeManager, Technician, Admin],
    ),
    (
        "Rob Requester",
        &[AcmeRequester, AcmeManager, Technician, Admin],
    ),
];

/// What each organization's data is seeded with.
struct Seed {
    name: &'static str,
    subject: &'static str,
    note: &'static str,
    time_note: &'static str,
    internal_file: &'static str,
    /// The demo article for this org alone.
    article: &'static str,
    /// A requester of the org who is none of the callers.
    colleague: &'static str,
}

const ACME: Seed = Seed {
    name: "Acme Dental",
    subject: "Printer zqxacmesubject jams",
    note: "Router password zqxinternalnote is in the vault",
    time_note: "Rewired zqxtimenote",
    internal_file: "zqxinternalfile.txt",
    article: "acme-xray-imaging-share",
    colleague: "raj@acme.example",
};

const BIRCH: Seed = Seed {
    name: "Birch Accounting",
    subject: "Laptop slow",
    note: "Needs more memory",
    time_note: "Ordered memory",
    internal_file: "quote.txt",
    article: "birch-month-end-backup",
    colleague: "bree@birch.example",
};

struct OrgData {
    id: i64,
    /// Filed by the org's requester caller.
    ticket: i64,
    /// Filed by the same requester and marked resolved.
    resolved: i64,
    attachment: i64,
    internal_attachment: i64,
    article: &'static str,
    article_file: i64,
    /// A revision of `article` whose text shows `article_file`: restoring it keeps the file
    /// readable by clients.
    linked_revision: i64,
    category: i64,
    colleague: i64,
    colleagues_token: i64,
    /// A requester of the org invited and not yet accepted.
    invited: i64,
    /// Tom's.
    time_entry: i64,
}

struct World {
    app: TestApp,
    clients: Vec<(Who, Client)>,
    names: Vec<(Who, String)>,
    acme: OrgData,
    birch: OrgData,
    canned: i64,
    serial: AtomicUsize,
}

fn file_form(name: &str, internal: bool) -> reqwest::multipart::Form {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"matrix file".to_vec()).file_name(name.to_string()),
    );
    if internal {
        form.text("internal", "true")
    } else {
        form
    }
}

/// Status and body text; a stream that answered is not read to its (never coming) end.
async fn status_and_text(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let streaming = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if streaming {
        return (status, String::new());
    }
    (status, res.text().await.expect("a body"))
}

impl World {
    async fn new() -> World {
        let app = spawn().await;
        let mut clients = Vec::new();
        let mut names = Vec::new();
        for who in SIGNED_IN_ROLES {
            let client = app.signed_in(who.email()).await;
            let (_, me) = app.get(&client, "/api/v1/me").await;
            names.push((who, me["name"].as_str().expect("a name").to_string()));
            clients.push((who, client));
        }
        let mut world = World {
            app,
            clients,
            names,
            acme: placeholder_data(),
            birch: placeholder_data(),
            canned: 0,
            serial: AtomicUsize::new(0),
        };
        world.acme = world.seed(&ACME, AcmeRequester).await;
        world.birch = world.seed(&BIRCH, BirchRequester).await;
        let canned = world
            .ok(Technician, Method::GET, "/api/v1/canned-replies", None)
            .await;
        world.canned = canned[0]["id"].as_i64().expect("a canned reply");
        let acme = world.acme.id;
        for article in [
            json!({ "slug": INTERNAL_ARTICLE, "title": format!("Runbook {INTERNAL_WIKI}"),
                    "body": format!("Reset the VPN with {INTERNAL_WIKI}."), "space": "Runbooks",
                    "visibility": "internal", "published": true }),
            json!({ "slug": ACME_ARTICLE, "title": format!("Acme {ACME_WIKI}"),
                    "body": format!("The front desk uses {ACME_WIKI}."), "space": "How-to",
                    "visibility": "org", "org_id": acme, "published": true }),
            json!({ "slug": "acme-zqxacmedraft", "title": format!("Draft {ACME_DRAFT}"),
                    "body": format!("Not ready: {ACME_DRAFT}."), "space": "How-to",
                    "visibility": "org", "org_id": acme, "published": false }),
        ] {
            world
                .ok(Admin, Method::POST, "/api/v1/articles", Some(article))
                .await;
        }
        world
    }

    fn client(&self, who: Who) -> Client {
        self.clients
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| self.app.client())
    }

    fn data(&self, org: Org) -> &OrgData {
        match org {
            Org::Acme => &self.acme,
            Org::Birch => &self.birch,
        }
    }

    /// A JSON call that must succeed, for setting things up.
    async fn ok(&self, who: Who, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.client(who).request(method.clone(), self.app.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let res = request.send().await.expect("an answer");
        let (status, text) = status_and_text(res).await;
        assert!(
            status.is_success(),
            "{method} {path} as {who:?}: {status} {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn seed(&self, seed: &Seed, requester: Who) -> OrgData {
        let file =
            |subject: &str| json!({ "subject": subject, "body": "Details", "priority": "normal" });
        let ticket = self
            .ok(
                requester,
                Method::POST,
                "/api/v1/tickets",
                Some(file(seed.subject)),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let resolved = self
            .ok(
                requester,
                Method::POST,
                "/api/v1/tickets",
                Some(file("Fixed itself")),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        self.ok(
            requester,
            Method::PATCH,
            &format!("/api/v1/tickets/{resolved}"),
            Some(json!({ "status": "resolved" })),
        )
        .await;
        let comments = format!("/api/v1/tickets/{ticket}/comments");
        self.ok(
            Technician,
            Method::POST,
            &comments,
            Some(json!({ "body": "Looking into it.", "internal": false })),
        )
        .await;
        self.ok(
            Technician,
            Method::POST,
            &comments,
            Some(json!({ "body": seed.note, "internal": true })),
        )
        .await;
        let attachments = format!("/api/v1/tickets/{ticket}/attachments");
        for (who, name, internal) in [
            (requester, "screenshot.txt", false),
            (Technician, seed.internal_file, true),
        ] {
            let res = self
                .client(who)
                .post(self.app.url(&attachments))
                .multipart(file_form(name, internal))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED, "{name}");
        }
        let detail = self
            .ok(
                Technician,
                Method::GET,
                &format!("/api/v1/tickets/{ticket}"),
                None,
            )
            .await;
        let attachment = |internal: bool| {
            detail["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["internal"] == internal)
                .and_then(|a| a["id"].as_i64())
                .expect("the attachment")
        };
        let time_entry = self
            .ok(
                Technician,
                Method::POST,
                &format!("/api/v1/tickets/{ticket}/time"),
                Some(json!({ "minutes": 15, "note": seed.time_note })),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let res = self
            .client(Admin)
            .post(
                self.app
                    .url(&format!("/api/v1/articles/{}/files", seed.article)),
            )
            .multipart(file_form("diagram.txt", false))
            .send()
            .await
            .unwrap();
        let (status, files) = read(res).await;
        assert_eq!(status, StatusCode::CREATED, "{files}");
        let linked_revision = self
            .app
            .append_to_article(
                &self.client(Admin),
                seed.article,
                files[0]["markdown"].as_str().unwrap(),
            )
            .await;
        let org = self.app.org_id(seed.name).await;
        let settings = self
            .ok(
                Admin,
                Method::GET,
                &format!("/api/v1/orgs/{org}/settings"),
                None,
            )
            .await;
        let category = settings["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] != "Other")
            .and_then(|c| c["id"].as_i64())
            .expect("a category besides Other");
        let colleague = self.app.signed_in(seed.colleague).await;
        let (_, token) = self
            .app
            .post(&colleague, "/api/v1/tokens", json!({ "name": "laptop" }))
            .await;
        OrgData {
            id: org,
            ticket,
            resolved,
            attachment: attachment(false),
            internal_attachment: attachment(true),
            article: seed.article,
            article_file: files[0]["id"].as_i64().unwrap(),
            linked_revision,
            category,
            colleague: self.app.user_id(seed.colleague).await,
            colleagues_token: token["token"]["id"].as_i64().expect("a token"),
            invited: self
                .ok(
                    Admin,
                    Method::POST,
                    "/api/v1/users",
                    Some(json!({ "org_id": org, "role": "requester",
                        "email": format!("invited@{}", seed.colleague.split('@').nth(1).unwrap_or("example.com")),
                        "name": "Ivy Invited" })),
                )
                .await["id"]
                .as_i64()
                .expect("an invited person"),
            time_entry,
        }
    }

    /// Fills a template's `{name}` placeholders for a call by `who` about `org`'s data.
    async fn fill(&self, template: &str, who: Who, org: Org) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let len = after
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(after.len());
            if len > 0 && after[len..].starts_with('}') {
                out.push_str(&self.value(&after[..len], who, org).await);
                rest = &after[len + 1..];
            } else {
                out.push('{');
                rest = after;
            }
        }
        out.push_str(rest);
        out
    }

    async fn value(&self, name: &str, who: Who, org: Org) -> String {
        let data = self.data(org);
        let id = |v: Value| v["id"].as_i64().expect("an id").to_string();
        match name {
            "org" => data.id.to_string(),
            "no_held" => "0".to_string(),
            "no_domain" => "nowhere.example".to_string(),
            "ticket" => data.ticket.to_string(),
            "resolved" => data.resolved.to_string(),
            "attachment" => data.attachment.to_string(),
            "internal_attachment" => data.internal_attachment.to_string(),
            "article" => data.article.to_string(),
            "internal_article" => INTERNAL_ARTICLE.to_string(),
            "article_file" => data.article_file.to_string(),
            "category" => data.category.to_string(),
            "colleague" => data.colleague.to_string(),
            "colleagues_token" => data.colleagues_token.to_string(),
            "invited" => data.invited.to_string(),
            // 64 hex digits, as a link's secret is, that no link has.
            "no_link" => "0".repeat(64),
            "time_entry" => data.time_entry.to_string(),
            "canned" => self.canned.to_string(),
            "first" => "1".to_string(),
            "linked" => data.linked_revision.to_string(),
            "n" => self.serial.fetch_add(1, Ordering::Relaxed).to_string(),
            "me" => who.email().to_string(),
            "my_name" => self
                .names
                .iter()
                .find(|(w, _)| *w == who)
                .map_or_else(|| "Nobody".to_string(), |(_, n)| n.clone()),
            "revision" => {
                let path = format!("/api/v1/articles/{}", data.article);
                self.ok(Admin, Method::GET, &path, None).await["revision"].to_string()
            }
            // Made for each call, as the call may delete it.
            "fresh_time_entry" => id(self
                .ok(
                    Technician,
                    Method::POST,
                    &format!("/api/v1/tickets/{}/time", data.ticket),
                    Some(json!({ "minutes": 1, "note": "to delete" })),
                )
                .await),
            "fresh_canned" => {
                let n = self.serial.fetch_add(1, Ordering::Relaxed);
                id(self
                    .ok(
                        Admin,
                        Method::POST,
                        "/api/v1/canned-replies",
                        Some(json!({ "title": format!("Doomed {n}"), "body": "B" })),
                    )
                    .await)
            }
            "my_token" => {
                let owner = if who == Anonymous { AcmeRequester } else { who };
                let created = self
                    .ok(
                        owner,
                        Method::POST,
                        "/api/v1/tokens",
                        Some(json!({ "name": "doomed" })),
                    )
                    .await;
                created["token"]["id"].to_string()
            }
            "my_view" => {
                let owner = if who.is_staff() { who } else { Technician };
                let n = self.serial.fetch_add(1, Ordering::Relaxed);
                id(self
                    .ok(
                        owner,
                        Method::POST,
                        "/api/v1/views",
                        Some(json!({ "name": format!("Doomed {n}"), "query": "status=new" })),
                    )
                    .await)
            }
            other => panic!("no placeholder {{{other}}}"),
        }
    }

    /// The client a call is made with: the role's, or a fresh session for calls that end it.
    async fn caller(&self, who: Who, throwaway: bool) -> Client {
        if throwaway && who != Anonymous {
            self.app.signed_in(who.email()).await
        } else {
            self.client(who)
        }
    }

    async fn rest(&self, route: &Route, who: Who, org: Org) -> (String, StatusCode, String) {
        let client = self.caller(who, route.throwaway).await;
        self.rest_with(&client, route, who, org).await
    }

    /// A row's call as `who` would make it, sent by `client`.
    async fn rest_with(
        &self,
        client: &Client,
        route: &Route,
        who: Who,
        org: Org,
    ) -> (String, StatusCode, String) {
        let path = self.fill(route.path, who, org).await;
        let method = Method::from_bytes(route.method.as_bytes()).unwrap();
        let mut request = client.request(method, self.app.url(&path));
        request = match &route.body {
            Body::Empty => request,
            Body::Json(template) => {
                let text = self.fill(template, who, org).await;
                let body: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|err| panic!("{text} is not JSON: {err}"));
                request.json(&body)
            }
            Body::File { internal } => request.multipart(file_form("matrix.txt", *internal)),
        };
        let (status, text) = status_and_text(request.send().await.expect("an answer")).await;
        (path, status, text)
    }

    async fn server_fn(&self, call: &Call, who: Who, org: Org) -> (StatusCode, String) {
        let client = self.caller(who, call.throwaway).await;
        self.server_fn_with(&client, call, who, org).await
    }

    /// A server function called as `who` would call it, sent by `client`.
    async fn server_fn_with(
        &self,
        client: &Client,
        call: &Call,
        who: Who,
        org: Org,
    ) -> (StatusCode, String) {
        let mut form = Vec::new();
        for (name, template) in call.args {
            form.push((name.to_string(), self.fill(template, who, org).await));
        }
        let res = client
            .post(self.app.url(call.path))
            .form(&form)
            .send()
            .await
            .expect("an answer");
        status_and_text(res).await
    }
}

fn placeholder_data() -> OrgData {
    OrgData {
        id: 0,
        ticket: 0,
        resolved: 0,
        attachment: 0,
        internal_attachment: 0,
        article: "",
        article_file: 0,
        linked_revision: 0,
        category: 0,
        colleague: 0,
        colleagues_token: 0,
        invited: 0,
        time_entry: 0,
    }
}

fn short(text: &str) -> String {
    text.chars().take(160).collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Every route and server function is in the matrix.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_calls_of_a_row_read_each_of_its_seven_outcomes() {
    let read: BTreeSet<&str> = CALLS
        .iter()
        .map(|&(who, org)| EVERYONE.outcome(who, org).0)
        .collect();

    assert_eq!(read.len(), 7, "{read:?}");
}

#[tokio::test]
async fn every_rest_route_in_the_openapi_document_has_a_row_and_every_row_a_route() {
    let app = spawn().await;

    let (status, doc) = app.get(&app.client(), "/api/openapi.json").await;

    assert_eq!(status, StatusCode::OK);
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert(route_key(method, path));
            }
        }
    }
    let covered: BTreeSet<String> = ROUTES.iter().map(|r| route_key(r.method, r.path)).collect();
    let missing: Vec<&String> = documented.difference(&covered).collect();
    let unknown: Vec<&String> = covered.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes without a matrix row: {missing:#?}"
    );
    assert!(
        unknown.is_empty(),
        "matrix rows for no documented route: {unknown:#?}"
    );
    assert!(documented.len() >= 65, "{documented:#?}");
}

#[tokio::test]
async fn every_registered_server_function_has_a_row_and_every_row_a_function() {
    // The server registers every `#[server]` function of the app at startup.
    let _app = spawn().await;

    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();

    let covered: BTreeSet<String> = SERVER_FNS.iter().map(|c| c.path.to_string()).collect();
    let missing: Vec<&String> = registered.difference(&covered).collect();
    let unknown: Vec<&String> = covered.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "server functions without a matrix row: {missing:#?}"
    );
    assert!(
        unknown.is_empty(),
        "rows for no registered function: {unknown:#?}"
    );
    assert!(registered.len() >= 54, "{registered:#?}");
}

// ---------------------------------------------------------------------------------------------
// 2. Each answers each role as the matrix says.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_rest_route_answers_each_role_as_the_matrix_says() {
    let world = World::new().await;
    let mut failures = Vec::new();

    for route in ROUTES {
        for (who, org) in CALLS {
            let (path, status, body) = world.rest(route, who, org).await;
            let (field, expected) = route.expect.outcome(who, org);
            if !expected.matches(status) {
                let caller = format!("{who:?} about {org:?} ({field})");
                failures.push(format!(
                    "{} {path} as {caller}: expected {expected:?}, got {status} {}",
                    route.method,
                    short(&body)
                ));
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} calls answered otherwise:\n{}",
        failures.len(),
        ROUTES.len() * CALLS.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_server_function_answers_each_role_as_the_matrix_says() {
    let world = World::new().await;
    let mut failures = Vec::new();

    for call in SERVER_FNS {
        for (who, org) in CALLS {
            let (status, body) = world.server_fn(call, who, org).await;
            let (field, expected) = call.expect.outcome(who, org);
            if !expected.matches(status) {
                let caller = format!("{who:?} about {org:?} ({field})");
                failures.push(format!(
                    "{} {:?} as {caller}: expected {expected:?}, got {status} {}",
                    call.path,
                    call.args,
                    short(&body)
                ));
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} calls answered otherwise:\n{}",
        failures.len(),
        SERVER_FNS.len() * CALLS.len(),
        failures.join("\n")
    );
}

/// The placeholders that name the requester's own tickets and files.
const TICKET_DATA: [&str; 3] = ["{ticket}", "{resolved}", "{attachment}"];

/// What a colleague a ticket is shared with must get from a call the requester makes of it:
/// the requester's outcome for a read (looking, and being seen on the page), a refusal where
/// the requester may act. Sharing means seeing only.
fn colleague_outcome(expect: &Expect, reads: bool) -> Out {
    match expect.requester_own {
        Out::Success if reads => OK,
        Out::Success => E403,
        other => other,
    }
}

#[tokio::test]
async fn with_sharing_on_a_colleague_reads_the_requesters_tickets_and_acts_on_none() {
    let world = World::new().await;
    world
        .ok(
            Admin,
            Method::PATCH,
            &format!("/api/v1/orgs/{}/settings", world.acme.id),
            Some(json!({ "share_tickets": true })),
        )
        .await;
    let raj = world.app.signed_in(ACME.colleague).await;
    let mut failures = Vec::new();
    let mut checked = 0;

    let names_ticket = |text: &str| TICKET_DATA.iter().any(|p| text.contains(p));
    for route in ROUTES
        .iter()
        .filter(|r| names_ticket(r.path) || matches!(r.body, Body::Json(b) if names_ticket(b)))
    {
        let reads = route.method == "GET" || route.path.ends_with("/presence");
        let expected = colleague_outcome(&route.expect, reads);
        let (path, status, body) = world.rest_with(&raj, route, AcmeRequester, Org::Acme).await;
        checked += 1;
        if !expected.matches(status) {
            failures.push(format!(
                "{} {path}: expected {expected:?}, got {status} {}",
                route.method,
                short(&body)
            ));
        }
    }
    for call in SERVER_FNS
        .iter()
        .filter(|c| c.args.iter().any(|(_, v)| names_ticket(v)))
    {
        let reads = call.path == path!(view::GetTicket);
        let expected = colleague_outcome(&call.expect, reads);
        let (status, body) = world
            .server_fn_with(&raj, call, AcmeRequester, Org::Acme)
            .await;
        checked += 1;
        if !expected.matches(status) {
            failures.push(format!(
                "{} {:?}: expected {expected:?}, got {status} {}",
                call.path,
                call.args,
                short(&body)
            ));
        }
    }

    assert!(checked > 10, "the ticket rows were found: {checked}");
    assert!(
        failures.is_empty(),
        "{} of {checked} calls answered otherwise:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// 2b. API tokens: a read-only one reads what its owner may and writes nothing; none manages
// credentials.
// ---------------------------------------------------------------------------------------------

/// A client sending a new token of `who`'s, of `scope`, as a script does.
async fn token_client(world: &World, who: Who, scope: &str) -> Client {
    let created = world
        .ok(
            who,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({ "name": format!("matrix {scope}"), "scope": scope })),
        )
        .await;
    let secret = created["secret"].as_str().expect("a secret");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {secret}").parse().expect("a header value"),
    );
    Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

#[tokio::test]
async fn a_read_only_token_reads_as_its_owner_and_every_write_and_server_function_is_403() {
    let world = World::new().await;
    let mut failures = Vec::new();

    for who in [AcmeManager, Admin] {
        let token = token_client(&world, who, "read_only").await;
        for org in [Org::Acme, Org::Birch] {
            for route in ROUTES {
                let (field, owner) = route.expect.outcome(who, org);
                let expected = if route.method == "GET" { owner } else { E403 };
                let (path, status, body) = world.rest_with(&token, route, who, org).await;
                if !expected.matches(status) {
                    failures.push(format!(
                        "{} {path} with {who:?}'s read-only token about {org:?} ({field}): \
                         expected {expected:?}, got {status} {}",
                        route.method,
                        short(&body)
                    ));
                }
            }
            for call in SERVER_FNS {
                let (status, body) = world.server_fn_with(&token, call, who, org).await;
                if status != StatusCode::FORBIDDEN {
                    failures.push(format!(
                        "{} with {who:?}'s read-only token: expected 403, got {status} {}",
                        call.path,
                        short(&body)
                    ));
                }
            }
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn no_token_creates_tokens_or_changes_the_password_even_read_write() {
    let world = World::new().await;
    let token = token_client(&world, Technician, "read_write").await;
    let credentials: [(&str, &str, Value); 2] = [
        ("POST", "/api/v1/tokens", json!({ "name": "successor" })),
        (
            "POST",
            "/api/v1/me/password",
            json!({ "current": DEMO, "new": "a much better password" }),
        ),
    ];
    let mut failures = Vec::new();

    for (method, path, body) in credentials {
        let res = token
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                world.app.url(path),
            )
            .json(&body)
            .send()
            .await
            .expect("an answer");
        let (status, text) = status_and_text(res).await;
        if status != StatusCode::FORBIDDEN {
            failures.push(format!("{method} {path}: {status} {}", short(&text)));
        }
    }
    for call in SERVER_FNS.iter().filter(|c| {
        [
            path!(profile::CreateToken),
            path!(profile::TakeCreatedToken),
            path!(profile::ChangePassword),
        ]
        .contains(&c.path)
    }) {
        let (status, text) = world
            .server_fn_with(&token, call, Technician, Org::Acme)
            .await;
        if status != StatusCode::FORBIDDEN {
            failures.push(format!("{}: {status} {}", call.path, short(&text)));
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// 3. The live stream.
// ---------------------------------------------------------------------------------------------

/// Files a request as `who` and returns its number.
async fn file_ticket(world: &World, who: Who, subject: &str) -> i64 {
    world
        .ok(
            who,
            Method::POST,
            "/api/v1/tickets",
            Some(json!({ "subject": subject, "body": "B", "priority": "low" })),
        )
        .await["id"]
        .as_i64()
        .unwrap()
}

/// The events a stream delivers up to and including the creation of ticket `last`.
async fn events_until(stream: &mut Stream, last: i64) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let event = stream.next().await;
        let done = event["kind"] == "ticket.created" && event["ticket_id"] == last;
        events.push(event);
        if done {
            return events;
        }
    }
}

/// What a subscriber must never have received, given the Acme tickets and who they are.
fn stream_violations(who: Who, events: &[Value], acme_tickets: &[i64]) -> Vec<String> {
    let mut found = Vec::new();
    for event in events {
        let text = event.to_string();
        let kind = event["kind"].as_str().unwrap_or_default();
        let acme_ticket = event["ticket_id"]
            .as_i64()
            .is_some_and(|id| acme_tickets.contains(&id));
        if !who.is_staff() && ["ticket.note", "ticket.time_logged"].contains(&kind) {
            found.push(format!("{who:?} received a staff-only {kind}: {text}"));
        }
        if who.home() == Some(Org::Birch) && acme_ticket {
            found.push(format!("{who:?} received an Acme ticket's event: {text}"));
        }
        if !who.is_staff() && text.contains("\"note\"") {
            found.push(format!("{who:?} learned of a note being typed: {text}"));
        }
        for (marker, readers) in MARKERS {
            if text.contains(marker) && !readers.contains(&who) {
                found.push(format!("{who:?} received {marker}: {text}"));
            }
        }
    }
    found
}

#[tokio::test]
async fn the_live_stream_gives_each_subscriber_only_what_it_may_read() {
    let world = World::new().await;
    let rita = world.app.signed_in("rita@acme.example").await;
    let mut streams = Vec::new();
    for who in SIGNED_IN_ROLES {
        streams.push((
            who,
            Stream::open(&world.app, &world.client(who), None).await,
        ));
    }
    let mut ritas = Stream::open(&world.app, &rita, None).await;
    let acme = world.acme.ticket;
    let birch = world.birch.ticket;

    // Everything that happens to a ticket, on both organizations' tickets.
    let mut acme_tickets = vec![acme];
    for (org, ticket) in [(Org::Acme, acme), (Org::Birch, birch)] {
        let base = format!("/api/v1/tickets/{ticket}");
        // Tia, not Tom: the seed's public answer already put the ticket on Tom, and handing
        // it on is what announces an assignment.
        let tia_id = world.app.user_id("tia@provider.example").await;
        for (path, body) in [
            (
                "/comments",
                json!({ "body": "Public answer", "internal": false }),
            ),
            (
                "/comments",
                json!({ "body": INTERNAL_NOTE, "internal": true }),
            ),
            ("/time", json!({ "minutes": 3, "note": TIME_NOTE })),
            ("/presence", json!({ "typing": "note" })),
        ] {
            world
                .ok(
                    Technician,
                    Method::POST,
                    &format!("{base}{path}"),
                    Some(body),
                )
                .await;
        }
        world
            .ok(
                Technician,
                Method::PATCH,
                &base,
                Some(json!({ "assignee_id": tia_id })),
            )
            .await;
        let res = world
            .client(Technician)
            .post(world.app.url(&format!("{base}/attachments")))
            .multipart(file_form(&format!("{INTERNAL_FILE}.txt"), true))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        if org == Org::Acme {
            // A new Acme ticket while everyone listens, and articles of every audience.
            acme_tickets.push(file_ticket(&world, AcmeRequester, ACME_SUBJECT).await);
            for (slug, visibility) in [("live-internal", "internal"), ("live-acme", "org")] {
                let title = if visibility == "internal" {
                    INTERNAL_WIKI
                } else {
                    ACME_WIKI
                };
                world
                    .ok(
                        Admin,
                        Method::POST,
                        "/api/v1/articles",
                        Some(json!({ "slug": slug, "title": title, "body": title,
                                     "visibility": visibility, "org_id": world.acme.id,
                                     "published": true })),
                    )
                    .await;
            }
        }
    }
    // Each subscriber reads until a request it may see, filed last.
    let mut sentinels = Vec::new();
    for who in [AcmeRequester, AcmeManager, BirchRequester, BirchManager] {
        sentinels.push((who, file_ticket(&world, who, "Sentinel").await));
    }
    let last = sentinels.last().unwrap().1;
    acme_tickets.extend(sentinels[..2].iter().map(|(_, id)| *id));

    let mut violations = Vec::new();
    let mut received = Vec::new();
    for (who, stream) in &mut streams {
        let until = sentinels
            .iter()
            .find(|(w, _)| w == who)
            .map_or(last, |(_, id)| *id);
        let events = events_until(stream, until).await;
        violations.extend(stream_violations(*who, &events, &acme_tickets));
        received.push((*who, events));
    }
    let (_, rita_ticket) = world
        .app
        .post(
            &rita,
            "/api/v1/tickets",
            json!({ "subject": "Rita's sentinel", "body": "B", "priority": "low" }),
        )
        .await;
    let rita_sentinel = rita_ticket["id"].as_i64().unwrap();
    let ritas_events = events_until(&mut ritas, rita_sentinel).await;

    assert!(violations.is_empty(), "{}", violations.join("\n"));
    let kinds_of = |who: Who, ticket: i64| -> Vec<String> {
        received
            .iter()
            .find(|(w, _)| *w == who)
            .unwrap()
            .1
            .iter()
            .filter(|e| e["ticket_id"] == ticket)
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    };
    // Those who may read a ticket do hear of it: the filter is not simply closed.
    for who in [AcmeRequester, AcmeManager] {
        let kinds = kinds_of(who, acme);
        assert!(
            kinds.contains(&"ticket.replied".to_string()),
            "{who:?}: {kinds:?}"
        );
        assert!(
            kinds.contains(&"ticket.assigned".to_string()),
            "{who:?}: {kinds:?}"
        );
        assert!(
            !kinds.contains(&"ticket.attached".to_string()),
            "{who:?}: {kinds:?}"
        );
    }
    for who in [Technician, Admin] {
        for ticket in [acme, birch] {
            let kinds = kinds_of(who, ticket);
            for kind in [
                "ticket.note",
                "ticket.time_logged",
                "ticket.attached",
                "presence",
            ] {
                assert!(
                    kinds.contains(&kind.to_string()),
                    "{who:?} {ticket}: {kinds:?}"
                );
            }
        }
    }
    let articles = |who: Who| -> Vec<String> {
        received
            .iter()
            .find(|(w, _)| *w == who)
            .unwrap()
            .1
            .iter()
            .filter(|e| e["kind"] == "article.saved")
            .map(|e| e["data"]["slug"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(articles(AcmeRequester), ["live-acme"]);
    assert_eq!(articles(BirchManager), Vec::<String>::new());
    assert_eq!(articles(Technician), ["live-internal", "live-acme"]);
    // Rob's colleague, with sharing off, hears nothing of Rob's tickets.
    let ritas_tickets: Vec<i64> = ritas_events
        .iter()
        .filter_map(|e| e["ticket_id"].as_i64())
        .collect();
    assert_eq!(ritas_tickets, [rita_sentinel], "{ritas_events:?}");
}

// ---------------------------------------------------------------------------------------------
// 4. Markers never reach a caller who may not read them.
// ---------------------------------------------------------------------------------------------

/// Read routes the rows do not name: searches for each marker, every organization at once, the
/// marker articles.
fn extra_reads() -> Vec<String> {
    let mut paths: Vec<String> = [
        "/api/v1/tickets?status=",
        "/api/v1/reports/workload",
        "/api/v1/reports/workload.csv",
        "/api/v1/time-entries",
        "/api/v1/time-entries.csv",
        "/api/v1/articles/{internal_article}/revisions",
    ]
    .iter()
    .map(|p| p.to_string())
    .chain([
        format!("/api/v1/articles/{ACME_ARTICLE}"),
        format!("/api/v1/articles/{ACME_ARTICLE}/revisions/1"),
        "/api/v1/articles/acme-zqxacmedraft".to_string(),
    ])
    .collect();
    for (marker, _) in MARKERS {
        paths.push(format!("/api/v1/tickets?q={marker}"));
    }
    paths
}

/// Searches that must find nothing for a caller who may not read the marker: the ticket list,
/// wiki search and suggestions, as the REST API and the server functions answer them.
fn searches(marker: &str) -> Vec<(String, &'static str)> {
    vec![
        (format!("/api/v1/tickets?q={marker}"), "/tickets"),
        (format!("/api/v1/articles/search?q={marker}"), ""),
        (format!("/api/v1/articles/suggest?q={marker}"), ""),
    ]
}

/// Pages as a browser asks for them: the server renders their data into the HTML.
const PAGES: &[&str] = &[
    "/",
    "/tickets",
    "/tickets/{ticket}",
    "/wiki",
    "/wiki/{article}",
    "/wiki/{internal_article}",
    "/wiki/acme-zqxacmewiki",
    "/wiki/acme-zqxacmedraft",
    "/wiki/{article}/revisions",
    "/reports",
    "/reports?org={org}",
    "/access",
    "/access?org={org}",
    "/canned-replies",
    "/settings",
    "/people",
    "/profile",
    "/admin",
    "/admin/orgs/{org}",
    "/admin/mail",
];

/// Server functions that read, called as the app calls them.
const READING_FNS: &[(&str, Args)] = &[
    (path!(view::GetTicket), &[("id", "{ticket}")]),
    (path!(list::ListTickets), &[]),
    (
        path!(list::ListTickets),
        &[("params[q]", "zqxinternalnote")],
    ),
    (path!(queue::LoadQueue), &[]),
    (path!(pages::ListArticles), &[]),
    (path!(pages::SearchArticles), &[("q", "zqxinternalwiki")]),
    (path!(pages::SearchArticles), &[("q", "zqxacmewiki")]),
    (
        path!(help::SuggestArticles),
        &[("q", "zqxinternalwiki zqxacmewiki")],
    ),
    (path!(pages::GetArticle), &[("slug", "{internal_article}")]),
    (path!(pages::GetArticle), &[("slug", "acme-zqxacmewiki")]),
    (path!(dashboard::LoadDashboard), &[]),
    (path!(dashboard::LoadDashboard), &[("params[org]", "{org}")]),
    (path!(admin::ListUsers), &[]),
    (path!(access::LoadAccessLog), &[]),
    (path!(access::LoadAccessLog), &[("org", "{org}")]),
    (path!(mail::LoadOutbox), &[]),
    (path!(mail::LoadTicketMail), &[("id", "{ticket}")]),
    (path!(home::LoadHome), &[]),
];

fn leaks(who: Who, source: &str, body: &str) -> Vec<String> {
    MARKERS
        .iter()
        .filter(|(marker, readers)| body.contains(marker) && !readers.contains(&who))
        .map(|(marker, _)| format!("{who:?} read {marker} in {source}: {}", short(body)))
        .collect()
}

#[tokio::test]
async fn markers_never_reach_a_caller_who_may_not_read_them() {
    let world = World::new().await;
    let mut found = Vec::new();
    let mut scanned = 0;

    for who in SIGNED_IN_ROLES {
        for org in [Org::Acme, Org::Birch] {
            // Every GET route of the matrix, filled with either org's data.
            for route in ROUTES.iter().filter(|r| r.method == "GET") {
                if route.path == "/api/v1/events" {
                    continue;
                }
                let (path, _, body) = world.rest(route, who, org).await;
                found.extend(leaks(who, &path, &body));
                scanned += 1;
            }
            for template in PAGES {
                let path = world.fill(template, who, org).await;
                let res = world
                    .client(who)
                    .get(world.app.url(&path))
                    .header("accept", "text/html")
                    .send()
                    .await
                    .unwrap();
                let (_, body) = status_and_text(res).await;
                found.extend(leaks(who, &format!("page {path}"), &body));
                scanned += 1;
            }
            // The reply form's "Insert" without JavaScript: the ticket page rendered from a
            // post (`POST /tickets/{id}`), which shows no more than the page itself.
            let path = world.fill("/tickets/{ticket}", who, org).await;
            let res = world
                .client(who)
                .post(world.app.url(&path))
                .header("accept", "text/html")
                .header("referer", world.app.url(&path))
                .form(&[("canned", "1"), ("body", "Matrix insert")])
                .send()
                .await
                .unwrap();
            let (_, body) = status_and_text(res).await;
            found.extend(leaks(who, &format!("insert into page {path}"), &body));
            scanned += 1;
            for (fn_path, args) in READING_FNS {
                let call = Call {
                    path: fn_path,
                    args,
                    expect: SIGNED_IN,
                    throwaway: false,
                };
                let (_, body) = world.server_fn(&call, who, org).await;
                found.extend(leaks(who, &format!("{fn_path} {args:?}"), &body));
                scanned += 1;
            }
        }
        for template in extra_reads() {
            let path = world.fill(&template, who, Org::Acme).await;
            let (_, body) = status_and_text(
                world
                    .client(who)
                    .get(world.app.url(&path))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            found.extend(leaks(who, &path, &body));
            scanned += 1;
        }
        // A search by a marker one may not read finds nothing at all, not even a ticket or
        // article one may read for other reasons. (Only the made-up words: a search for
        // "Rob Requester" rightly suggests an article about filing a request.)
        for (marker, readers) in MARKERS {
            if readers.contains(&who) || !marker.starts_with("zqx") {
                continue;
            }
            for (path, _) in searches(marker) {
                let (status, body) = world.app.get(&world.client(who), &path).await;
                let hits = body["tickets"].as_array().or(body.as_array());
                if status.is_success() && hits.is_none_or(|h| !h.is_empty()) {
                    found.push(format!("{who:?} found something by {path}: {body}"));
                }
                scanned += 1;
            }
        }
        // The stream, replayed from the start: everything it ever told this caller.
        let mut stream = Stream::open(&world.app, &world.client(who), Some(0)).await;
        let filer = if who.is_staff() { AcmeRequester } else { who };
        let sentinel = file_ticket(&world, filer, "Sentinel").await;
        let events = events_until(&mut stream, sentinel).await;
        found.extend(stream_violations(
            who,
            &events,
            &[world.acme.ticket, world.acme.resolved],
        ));
        scanned += 1;
    }

    assert!(scanned > 500, "{scanned}");
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[tokio::test]
async fn the_markers_are_there_for_those_who_may_read_them() {
    // The leak test above proves absence; this proves each marker is where it should be, so
    // a marker that never got seeded cannot pass for one that never leaked.
    let world = World::new().await;
    let acme = world.acme.ticket;
    let reads = [
        (Technician, format!("/api/v1/tickets/{acme}"), INTERNAL_NOTE),
        (Technician, format!("/api/v1/tickets/{acme}"), INTERNAL_FILE),
        (
            Technician,
            format!("/api/v1/tickets/{acme}/time"),
            TIME_NOTE,
        ),
        (
            AcmeManager,
            "/api/v1/time-entries.csv".to_string(),
            TIME_NOTE,
        ),
        (
            AcmeRequester,
            format!("/api/v1/tickets/{acme}"),
            ACME_SUBJECT,
        ),
        (
            AcmeRequester,
            format!("/api/v1/articles/{ACME_ARTICLE}"),
            ACME_WIKI,
        ),
        (
            AcmeManager,
            "/api/v1/articles/acme-zqxacmedraft".to_string(),
            ACME_DRAFT,
        ),
        (
            Admin,
            format!("/api/v1/articles/search?q={INTERNAL_WIKI}"),
            INTERNAL_WIKI,
        ),
    ];
    for (who, path, marker) in reads {
        let res = world
            .client(who)
            .get(world.app.url(&path))
            .send()
            .await
            .unwrap();
        let (status, body) = status_and_text(res).await;
        assert!(
            status.is_success() && body.contains(marker),
            "{who:?} {path}: {body}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Mail (issue #21): who a ticket's events mail, by named expectation. The planner decides each
// recipient with the live stream's read rule; these rows say what that must come to.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn mail_reaches_exactly_whom_the_matrix_names() {
    use super::notifications::{drain, file, reply};
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let rita = app.signed_in(ACME.colleague).await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    for colleague in [&rita, &bea] {
        let (status, _) = app
            .send(
                colleague,
                Method::PUT,
                "/api/v1/me/notifications",
                json!({ "colleagues_tickets": true }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let ticket = file(&app, &rob, "Matrix mail", "urgent").await;
    reply(&app, &tom, ticket, "PUBLIC-MAIL-MARKER", false).await;
    reply(&app, &tom, ticket, "NOTE-MAIL-MARKER", true).await;
    let (status, _) = app
        .post(
            &tom,
            &format!("/api/v1/tickets/{ticket}/time"),
            json!({ "minutes": 5, "note": "TIME-MAIL-MARKER" }),
        )
        .await;
    assert!(status.is_success());
    let rows = drain(&app).await;
    let about: Vec<_> = rows
        .iter()
        .filter(|r| r.ticket_id == Some(ticket))
        .collect();
    let client = |to: &str| !to.ends_with("@provider.example");
    let has = |to: &str, kind: &str| about.iter().any(|r| r.to_address == to && r.kind == kind);
    let says = |r: &&super::notifications::Row, marker: &str| {
        r.body_text.contains(marker) || r.body_html.contains(marker) || r.subject.contains(marker)
    };

    let rows: [(&str, bool); 9] = [
        (
            "a public reply mails the requester",
            has(ACME_REQUESTER, "public_reply"),
        ),
        (
            "a public reply never mails its author",
            !about
                .iter()
                .any(|r| r.to_address == TECH && r.kind == "public_reply"),
        ),
        (
            "an internal note mails no client person",
            !about
                .iter()
                .any(|r| client(&r.to_address) && says(r, "NOTE-MAIL-MARKER")),
        ),
        (
            "an internal note mails nobody at all",
            !about.iter().any(|r| says(r, "NOTE-MAIL-MARKER")),
        ),
        (
            "a time entry mails nobody",
            !about.iter().any(|r| says(r, "TIME-MAIL-MARKER")),
        ),
        (
            "a colleague without sharing gets nothing",
            !about.iter().any(|r| r.to_address == ACME.colleague),
        ),
        (
            "another organization's people get nothing",
            !about
                .iter()
                .any(|r| r.to_address.ends_with("@birch.example")),
        ),
        (
            "a manager is not mailed each of the organization's tickets",
            !about.iter().any(|r| r.to_address == ACME_MANAGER),
        ),
        ("an urgent ticket mails the staff", has(TECH, "new_ticket")),
    ];

    let failed: Vec<&str> = rows.iter().filter(|(_, ok)| !ok).map(|(n, _)| *n).collect();
    assert!(failed.is_empty(), "{failed:#?}\n{about:#?}");
}
