//! The wiki: articles written once and found again. Shared types, their validation, who may
//! read and edit what, and the backend contract the server implements.

pub mod edit;
pub mod help;
pub mod pages;

use crate::accounts::{Actor, OrgId, Role};
use crate::error::{AppError, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub type ArticleId = i64;

/// The spaces offered when an article is written; any other name makes a new space.
pub const DEFAULT_SPACES: [&str; 3] = ["How-to", "Runbooks", "Policies"];

/// Who may read an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Provider staff only: runbooks, credentials procedures.
    Internal,
    /// The people of one client organization (`org_id`).
    Org,
    /// Every requester of every client organization.
    AllClients,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [
        Visibility::Internal,
        Visibility::Org,
        Visibility::AllClients,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Internal => "internal",
            Visibility::Org => "org",
            Visibility::AllClients => "all_clients",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Internal => "Internal (provider staff)",
            Visibility::Org => "One client organization",
            Visibility::AllClients => "All clients",
        }
    }

    pub fn parse(raw: &str) -> Result<Visibility, String> {
        Visibility::ALL
            .into_iter()
            .find(|v| v.as_str() == raw.trim())
            .ok_or_else(|| "Choose internal, one organization, or all clients.".into())
    }
}

/// An article's audience: the visibility with the organization it names, checked together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Internal,
    Org(OrgId),
    AllClients,
}

impl Audience {
    pub fn parse(visibility: &str, org_id: Option<OrgId>) -> Result<Audience, String> {
        match (Visibility::parse(visibility)?, org_id) {
            (Visibility::Internal, _) => Ok(Audience::Internal),
            (Visibility::AllClients, _) => Ok(Audience::AllClients),
            (Visibility::Org, Some(org)) => Ok(Audience::Org(org)),
            (Visibility::Org, None) => Err("Choose the organization that may read it.".into()),
        }
    }

    pub fn from_parts(visibility: Visibility, org_id: Option<OrgId>) -> Option<Audience> {
        match (visibility, org_id) {
            (Visibility::Internal, _) => Some(Audience::Internal),
            (Visibility::AllClients, _) => Some(Audience::AllClients),
            (Visibility::Org, Some(org)) => Some(Audience::Org(org)),
            (Visibility::Org, None) => None,
        }
    }

    pub fn visibility(self) -> Visibility {
        match self {
            Audience::Internal => Visibility::Internal,
            Audience::Org(_) => Visibility::Org,
            Audience::AllClients => Visibility::AllClients,
        }
    }

    pub fn org_id(self) -> Option<OrgId> {
        match self {
            Audience::Org(org) => Some(org),
            _ => None,
        }
    }
}

/// Whether `actor` may read a published article for `audience`. Drafts are for editors only.
pub fn may_read(actor: &Actor, audience: Audience, published: bool) -> bool {
    if actor.is_provider_staff() {
        return true;
    }
    if !published {
        return may_edit(actor, audience);
    }
    match audience {
        Audience::Internal => false,
        Audience::Org(org) => org == actor.org_id,
        Audience::AllClients => true,
    }
}

/// Whether `actor` may edit (or create) an article for `audience`: provider staff anywhere,
/// a manager only their own organization's articles.
pub fn may_edit(actor: &Actor, audience: Audience) -> bool {
    match actor.role {
        Role::Technician | Role::Admin => true,
        Role::Manager => audience == Audience::Org(actor.org_id),
        Role::Requester => false,
    }
}

/// A URL-safe name that never changes once the article exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub const MAX_CHARS: usize = 80;
    /// Addresses the wiki's own pages and API use.
    pub const RESERVED: [&'static str; 3] = ["new", "search", "suggest"];

    pub fn parse(raw: &str) -> Result<Slug, String> {
        let slug = raw.trim();
        if slug.is_empty() {
            return Err("Give the article an address, e.g. printer-offline.".into());
        }
        if slug.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "An address has at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        let valid = slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if !valid {
            return Err("Use lowercase letters, digits and dashes, e.g. printer-offline.".into());
        }
        if Self::RESERVED.contains(&slug) {
            return Err(format!("“{slug}” is reserved; choose another address."));
        }
        Ok(Slug(slug.to_string()))
    }

    /// The slug a title suggests: lowercase ASCII words joined by dashes.
    pub fn from_title(title: &str) -> Option<Slug> {
        let mut slug = String::new();
        for c in title.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= Self::MAX_CHARS {
                break;
            }
        }
        let slug = slug.trim_matches('-');
        Slug::parse(slug).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An article's title: one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Title, String> {
        let title = raw.trim();
        if title.is_empty() {
            return Err("Give the article a title.".into());
        }
        if title.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "A title has at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        if title.chars().any(char::is_control) {
            return Err("A title is one line of text.".into());
        }
        Ok(Title(title.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An article's markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleBody(String);

impl ArticleBody {
    /// 200 KB of text is a long runbook; anything larger belongs in an attachment.
    pub const MAX_CHARS: usize = 200_000;

    pub fn parse(raw: &str) -> Result<ArticleBody, String> {
        let body = raw.trim();
        if body.is_empty() {
            return Err("Write the article: what to do, step by step.".into());
        }
        if body.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "An article has at most {} characters; attach long logs as files.",
                Self::MAX_CHARS
            ));
        }
        Ok(ArticleBody(body.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A space name: one short line.
pub fn parse_space(raw: &str) -> Result<String, String> {
    let space = raw.trim();
    if space.is_empty() {
        return Ok(DEFAULT_SPACES[0].to_string());
    }
    if space.chars().count() > 60 || space.chars().any(char::is_control) {
        return Err("A space name is one line of at most 60 characters.".into());
    }
    Ok(space.to_string())
}

/// Tags: lowercase, trimmed, without duplicates, at most 10 of at most 32 characters.
pub fn parse_tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tags.contains(&tag) {
            continue;
        }
        if tag.chars().count() > 32 || tag.chars().any(char::is_control) {
            return Err("A tag has at most 32 characters.".into());
        }
        tags.push(tag);
    }
    if tags.len() > 10 {
        return Err("Use at most 10 tags.".into());
    }
    Ok(tags)
}

/// A new article, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    pub slug: Slug,
    pub title: Title,
    pub body: ArticleBody,
    pub space: String,
    pub tags: Vec<String>,
    pub audience: Audience,
    /// A draft is visible to its editors only until published.
    pub published: bool,
}

/// An article as received from a form or the API, every value unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ArticleInput {
    /// Left empty, made from the title.
    #[serde(default)]
    pub slug: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Left empty, How-to.
    #[serde(default)]
    pub space: String,
    /// internal, org (with `org_id`) or all_clients.
    pub visibility: String,
    #[serde(default)]
    pub org_id: Option<OrgId>,
    /// Defaults to true; false saves a draft.
    #[serde(default)]
    pub published: Option<bool>,
}

impl ArticleInput {
    /// Checks every field at once, reporting each problem under its field's name.
    pub fn parse(&self) -> Result<NewArticle, AppError> {
        let mut v = Validator::new();
        let title = v.check("title", Title::parse(&self.title));
        let slug = if self.slug.trim().is_empty() {
            match &title {
                Some(title) => v.check(
                    "slug",
                    Slug::from_title(title.as_str())
                        .ok_or_else(|| "Give the article an address, e.g. printer-offline.".into()),
                ),
                None => None,
            }
        } else {
            v.check("slug", Slug::parse(&self.slug))
        };
        let body = v.check("body", ArticleBody::parse(&self.body));
        let space = v.check("space", parse_space(&self.space));
        let tags = v.check("tags", parse_tags(self.tags.iter().map(String::as_str)));
        let audience = v.check("visibility", Audience::parse(&self.visibility, self.org_id));
        let published = self.published.unwrap_or(true);
        v.finish(|| {
            Some(NewArticle {
                slug: slug?,
                title: title?,
                body: body?,
                space: space?,
                tags: tags?,
                audience: audience?,
                published,
            })
        })
    }
}

/// An edit: the new content and the revision it was based on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ArticleEditInput {
    #[serde(flatten)]
    pub article: ArticleInput,
    /// The revision number the edit started from; another save since then is a conflict.
    pub base_revision: i64,
}

/// An article as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    /// Markdown as written.
    pub body: String,
    /// Rendered and sanitized HTML.
    pub html: String,
    pub space: String,
    pub tags: Vec<String>,
    pub visibility: Visibility,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub published: bool,
    /// The current revision's number; an edit sends it back as `base_revision`.
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    /// Tickets resolved with this article.
    pub helped_tickets: i64,
    /// Requests that were never filed because this article answered them.
    pub deflections: i64,
    /// Whether the caller may edit it.
    pub can_edit: bool,
}

impl Article {
    pub fn audience(&self) -> Option<Audience> {
        Audience::from_parts(self.visibility, self.org_id)
    }
}

/// An article as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ArticleSummary {
    pub slug: String,
    pub title: String,
    pub space: String,
    pub tags: Vec<String>,
    pub visibility: Visibility,
    pub org_name: Option<String>,
    pub published: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The first words, as plain text.
    pub excerpt: String,
}

/// A name with how many readable articles carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NameCount {
    pub name: String,
    pub count: i64,
}

/// Which articles a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleQuery {
    pub space: Option<String>,
    pub tag: Option<String>,
}

/// The wiki's front page: the articles the caller may read, newest first, with the spaces
/// and tags among them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ArticleList {
    pub articles: Vec<ArticleSummary>,
    pub spaces: Vec<NameCount>,
    pub tags: Vec<NameCount>,
}

/// One search result or suggestion, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub slug: String,
    pub title: String,
    /// Words around the match as HTML: text escaped, matched words in `<mark>`.
    pub snippet: String,
}

/// One saved version of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevisionSummary {
    pub number: i64,
    pub title: String,
    pub author_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A revision with its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Revision {
    pub number: i64,
    pub title: String,
    pub body: String,
    pub html: String,
    pub author_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Same,
    Added,
    Removed,
}

/// One line of a diff between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
}

/// What changed from one revision to another, line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevisionDiff {
    pub from: RevisionSummary,
    pub to: RevisionSummary,
    pub lines: Vec<DiffLine>,
}

/// "What fixed it?", asked when a ticket is resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CaptureInput {
    pub symptom: String,
    #[serde(default)]
    pub cause: String,
    pub fix: String,
    /// Left empty, a new draft article; otherwise the slug of the article to append to.
    #[serde(default)]
    pub append_to: String,
}

/// A checked capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub symptom: String,
    pub cause: Option<String>,
    pub fix: String,
    pub append_to: Option<Slug>,
}

impl CaptureInput {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(&self) -> Result<Capture, AppError> {
        fn part(raw: &str, required: Option<&str>) -> Result<Option<String>, String> {
            let text = raw.trim();
            if text.is_empty() {
                return match required {
                    Some(message) => Err(message.into()),
                    None => Ok(None),
                };
            }
            if text.chars().count() > CaptureInput::MAX_CHARS {
                return Err(format!(
                    "Keep it under {} characters.",
                    CaptureInput::MAX_CHARS
                ));
            }
            Ok(Some(text.to_string()))
        }
        let mut v = Validator::new();
        let symptom = v.check(
            "symptom",
            part(&self.symptom, Some("What did the person see?")),
        );
        let cause = v.check("cause", part(&self.cause, None));
        let fix = v.check("fix", part(&self.fix, Some("What fixed it, step by step?")));
        let append_to = if self.append_to.trim().is_empty() {
            Some(None)
        } else {
            v.check("append_to", Slug::parse(&self.append_to).map(Some))
        };
        v.finish(|| {
            Some(Capture {
                symptom: symptom??,
                cause: cause?,
                fix: fix??,
                append_to: append_to?,
            })
        })
    }
}

impl Capture {
    /// The markdown section a capture adds to an article.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("## Symptom\n\n{}\n\n", self.symptom);
        if let Some(cause) = &self.cause {
            out.push_str(&format!("## Cause\n\n{cause}\n\n"));
        }
        out.push_str(&format!("## Fix\n\n{}\n", self.fix));
        out
    }
}

/// How an article is tied to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Suggested to the requester while they wrote the request.
    Suggested,
    /// The ticket was resolved with it.
    ResolvedWith,
}

/// An article linked to a ticket, as the technician sees it on the ticket page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TicketArticle {
    pub slug: String,
    pub title: String,
    pub kind: LinkKind,
}

/// An image or file uploaded for an article, and the markdown that shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ArticleFile {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub url: String,
    pub markdown: String,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::tickets::TicketId;
    use crate::tickets::ssr::Upload;

    pub use super::ArticleFile;

    #[async_trait::async_trait]
    pub trait Wiki: Send + Sync {
        /// The articles the caller may read, newest first, with spaces and tags.
        async fn list(&self, actor: &Actor, query: ArticleQuery) -> Result<ArticleList, AppError>;
        /// An article the caller may read; `NotFound` otherwise, never `Forbidden`.
        async fn get(&self, actor: &Actor, slug: &str) -> Result<Article, AppError>;
        /// Creates an article with its first revision. A slug an article the caller can read
        /// holds is `Invalid` on `slug`; one held by an article hidden from them gets a random
        /// tail instead, so nothing tells them it exists (the answer's slug is the address).
        async fn create(&self, actor: &Actor, article: NewArticle) -> Result<Article, AppError>;
        /// Saves a new revision; `Conflict` when `base_revision` is no longer the latest.
        async fn update(
            &self,
            actor: &Actor,
            slug: &str,
            article: NewArticle,
            base_revision: i64,
        ) -> Result<Article, AppError>;
        async fn revisions(
            &self,
            actor: &Actor,
            slug: &str,
        ) -> Result<Vec<RevisionSummary>, AppError>;
        async fn revision(
            &self,
            actor: &Actor,
            slug: &str,
            number: i64,
        ) -> Result<Revision, AppError>;
        async fn diff(
            &self,
            actor: &Actor,
            slug: &str,
            from: i64,
            to: i64,
        ) -> Result<RevisionDiff, AppError>;
        /// Saves an old revision's title and body as the newest revision.
        async fn restore(
            &self,
            actor: &Actor,
            slug: &str,
            number: i64,
        ) -> Result<Article, AppError>;
        /// Ranked full-text search over what the caller may read.
        async fn search(
            &self,
            actor: &Actor,
            q: &str,
            limit: usize,
        ) -> Result<Vec<SearchHit>, AppError>;
        /// The best few published articles for words still being typed (prefix matching).
        async fn suggest(
            &self,
            actor: &Actor,
            q: &str,
            limit: usize,
        ) -> Result<Vec<SearchHit>, AppError>;
        /// Records that the article answered the caller's question and no ticket was filed.
        async fn deflect(&self, actor: &Actor, slug: &str) -> Result<(), AppError>;
        /// Ties articles the caller may read to a ticket the caller may see.
        async fn link(
            &self,
            actor: &Actor,
            ticket: TicketId,
            slugs: &[String],
            kind: LinkKind,
        ) -> Result<(), AppError>;
        /// Articles tied to a ticket (provider staff).
        async fn linked(
            &self,
            actor: &Actor,
            ticket: TicketId,
        ) -> Result<Vec<TicketArticle>, AppError>;
        /// Turns "what fixed it" into a draft article, or appends it to an existing one, and
        /// links the article to the ticket as resolved with it (provider staff).
        async fn capture(
            &self,
            actor: &Actor,
            ticket: TicketId,
            capture: Capture,
        ) -> Result<Article, AppError>;
        /// Markdown as an article would show it, for the editor's preview.
        async fn preview(&self, body: &str) -> Result<String, AppError>;
        /// Stores images or files for an article the caller may edit.
        async fn attach(
            &self,
            actor: &Actor,
            slug: &str,
            files: Vec<Upload>,
        ) -> Result<Vec<ArticleFile>, AppError>;
        /// A file of an article the caller may read, and where its bytes are.
        async fn file(
            &self,
            actor: &Actor,
            id: i64,
        ) -> Result<(ArticleFile, std::path::PathBuf), AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ArticleInput {
        ArticleInput {
            slug: String::new(),
            title: "Printer offline on the 2nd floor".into(),
            body: "Turn it off and on.".into(),
            tags: vec!["Printing".into(), " printing ".into(), "hp".into()],
            space: String::new(),
            visibility: "all_clients".into(),
            org_id: None,
            published: None,
        }
    }

    #[test]
    fn a_slug_is_made_from_the_title_when_left_empty() {
        let article = input().parse().expect("valid");
        assert_eq!(article.slug.as_str(), "printer-offline-on-the-2nd-floor");
        assert_eq!(article.space, "How-to");
        assert_eq!(article.tags, vec!["printing".to_string(), "hp".to_string()]);
        assert!(article.published);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = ArticleInput {
            slug: "Not A Slug".into(),
            title: " ".into(),
            body: String::new(),
            visibility: "org".into(),
            ..input()
        };
        let Err(AppError::Invalid { fields }) = bad.parse() else {
            panic!("expected field errors");
        };
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["body", "slug", "title", "visibility"]);
    }

    #[test]
    fn a_body_over_the_limit_is_refused() {
        let big = ArticleInput {
            body: "x".repeat(ArticleBody::MAX_CHARS + 1),
            ..input()
        };
        assert!(
            matches!(big.parse(), Err(AppError::Invalid { fields }) if fields.contains_key("body"))
        );
    }

    #[test]
    fn slugs_are_lowercase_words_and_dashes() {
        assert!(Slug::parse("vpn-setup-2").is_ok());
        for bad in [
            "-vpn",
            "vpn-",
            "VPN",
            "vpn setup",
            "../etc",
            "vpn/setup",
            "",
            "new",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Slug::from_title("¿Qué? !!!"), Slug::parse("qu").ok());
        assert_eq!(Slug::from_title("!!!"), None);
    }

    #[test]
    fn who_reads_and_edits_what() {
        use crate::accounts::Role::*;
        let tech = Actor::for_test(Technician, 1, 1);
        let manager = Actor::for_test(Manager, 2, 2);
        let requester = Actor::for_test(Requester, 2, 3);
        let stranger = Actor::for_test(Requester, 3, 4);
        for audience in [Audience::Internal, Audience::Org(2), Audience::AllClients] {
            assert!(may_read(&tech, audience, true));
            assert!(may_read(&tech, audience, false));
            assert!(may_edit(&tech, audience));
        }
        assert!(!may_read(&requester, Audience::Internal, true));
        assert!(may_read(&requester, Audience::Org(2), true));
        assert!(!may_read(&requester, Audience::Org(2), false));
        assert!(!may_read(&stranger, Audience::Org(2), true));
        assert!(may_read(&stranger, Audience::AllClients, true));
        assert!(may_edit(&manager, Audience::Org(2)));
        assert!(may_read(&manager, Audience::Org(2), false));
        assert!(!may_edit(&manager, Audience::Org(3)));
        assert!(!may_edit(&manager, Audience::AllClients));
        assert!(!may_edit(&requester, Audience::Org(2)));
    }

    #[test]
    fn a_capture_needs_symptom_and_fix_and_becomes_sections() {
        let Err(AppError::Invalid { fields }) = CaptureInput::default().parse() else {
            panic!("expected field errors");
        };
        assert!(fields.contains_key("symptom") && fields.contains_key("fix"));
        let capture = CaptureInput {
            symptom: "Printer shows offline".into(),
            cause: String::new(),
            fix: "Re-add the printer by IP".into(),
            append_to: String::new(),
        }
        .parse()
        .expect("valid");
        assert_eq!(
            capture.to_markdown(),
            "## Symptom\n\nPrinter shows offline\n\n## Fix\n\nRe-add the printer by IP\n"
        );
    }
}
