//! The wiki's rules: who reads and edits which article, revisions and conflicts, search and
//! suggestions, files, ties to tickets, and turning a ticket's fix into an article. Pages,
//! server functions and the REST API all go through here.

use crate::db::Db;
use crate::db::wiki::{self as sql, ArticleScope, HitRow, RevisionText, match_query, snippet_html};
use crate::tickets::files;
use app::accounts::{Actor, Role};
use app::error::AppError;
use app::tickets::{TicketId, can_read, ssr::Upload};
use app::wiki::ssr::{ArticleFile, Wiki};
use app::wiki::{
    Article, ArticleBody, ArticleId, ArticleList, ArticleQuery, Audience, Capture, DiffLine,
    LineChange, LinkKind, NewArticle, Revision, RevisionDiff, RevisionSummary, SearchHit, Slug,
    TicketArticle, Title, may_edit,
};
use serde_json::json;
use std::sync::Arc;

/// The most articles the front page lists; search finds the rest.
const LIST_LIMIT: i64 = 200;
/// The most tags the front page offers.
const TAG_LIMIT: i64 = 50;
/// The most hits one search returns.
const MAX_HITS: usize = 50;
/// The most articles tied to a ticket at once.
const MAX_LINKS: usize = 20;
/// What a requester is called in an article captured from their ticket.
const SCRUBBED: &str = "the employee";

pub struct WikiService {
    db: Db,
    /// Where file bytes are kept (beside ticket attachments, by content hash).
    data_dir: std::path::PathBuf,
    /// The largest file one may attach.
    max_file_bytes: usize,
    /// The most the files of one organization may take together.
    upload_quota: crate::tickets::files::UploadQuota,
    /// Where committed changes are announced.
    bus: Arc<crate::live::Bus>,
}

impl WikiService {
    pub fn new(
        db: Db,
        data_dir: std::path::PathBuf,
        max_file_bytes: usize,
        bus: Arc<crate::live::Bus>,
    ) -> Self {
        Self {
            db,
            data_dir,
            max_file_bytes,
            upload_quota: crate::tickets::files::UploadQuota::DEFAULT,
            bus,
        }
    }

    /// Holds each organization's files to `quota` (5 GiB unless set).
    pub fn with_upload_quota(mut self, quota: crate::tickets::files::UploadQuota) -> Self {
        self.upload_quota = quota;
        self
    }

    /// What `actor` may read, as SQL sees it; `with_drafts` false leaves every draft out.
    fn scope(actor: &Actor, with_drafts: bool) -> ArticleScope {
        match actor.role {
            Role::Technician | Role::Admin => ArticleScope::All {
                drafts: with_drafts,
            },
            Role::Manager => ArticleScope::Client {
                org: actor.org_id,
                drafts: with_drafts,
            },
            Role::Requester => ArticleScope::Client {
                org: actor.org_id,
                drafts: false,
            },
        }
    }

    /// The article if `actor` may read it; `NotFound` otherwise, so its existence stays hidden.
    async fn readable(&self, actor: &Actor, slug: &str) -> Result<Article, AppError> {
        let mut article = self.db.article(Self::scope(actor, true), slug).await?;
        article.html = crate::markdown::render_off_thread(article.body.clone()).await?;
        article.can_edit = article.audience().is_some_and(|a| may_edit(actor, a));
        Ok(article)
    }

    /// The article if `actor` may edit it: `NotFound` when they may not even read it,
    /// `Forbidden` when they may read but not edit.
    async fn editable(&self, actor: &Actor, slug: &str) -> Result<Article, AppError> {
        let article = self.readable(actor, slug).await?;
        if article.can_edit {
            Ok(article)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Checks that `actor` may write an article for `audience`, and that its organization is a
    /// client organization.
    async fn check_audience(&self, actor: &Actor, audience: Audience) -> Result<(), AppError> {
        if !may_edit(actor, audience) {
            return Err(AppError::Forbidden);
        }
        if let Audience::Org(org) = audience
            && !self.db.is_client_org(org).await?
        {
            return Err(AppError::invalid(
                "org_id",
                "Choose one of the client organizations.",
            ));
        }
        Ok(())
    }

    /// Publishes an event committed with a change, then reads the article back for `actor`.
    async fn saved(&self, actor: &Actor, slug: &str, event: i64) -> Result<Article, AppError> {
        self.bus.publish(event).await;
        self.readable(actor, slug).await
    }

    /// Revision `number` of `article` if `actor` could read it as it was saved; `NotFound`
    /// otherwise, whatever the article's audience is now, so an article cleaned up and then
    /// shared never shows what it said before.
    async fn readable_revision(
        &self,
        actor: &Actor,
        article: ArticleId,
        number: i64,
    ) -> Result<sql::RevisionRow, AppError> {
        self.db
            .revision(Self::scope(actor, true), article, number)
            .await
    }

    /// An address for a new article at `slug`, which an article `actor` may not read holds
    /// already: the same address with a random tail no article has. Saying the address is
    /// taken would tell them a hidden article exists there; a free one would read just like
    /// it, and they are told the address they got.
    async fn address_beside_hidden(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        slug: &Slug,
    ) -> Result<Slug, AppError> {
        const TAIL: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
        let base: String = slug.as_str().chars().take(Slug::MAX_CHARS - 7).collect();
        let base = base.trim_end_matches('-');
        loop {
            let tail: String = {
                use rand::Rng;
                let mut rng = rand::thread_rng();
                (0..6)
                    .map(|_| char::from(TAIL[rng.gen_range(0..TAIL.len())]))
                    .collect()
            };
            let candidate = format!("{base}-{tail}");
            if !sql::slug_taken(tx, &candidate).await? {
                return Slug::parse(&candidate).map_err(|m| {
                    tracing::error!(candidate, message = m, "a made-up slug does not parse");
                    AppError::Internal
                });
            }
        }
    }

    /// The articles suggested to `actor` for `text`, best first, as ids to tie a new ticket
    /// to; the same articles [`Wiki::suggest`] shows while the request is typed.
    pub async fn suggested_ids(
        &self,
        actor: &Actor,
        text: &str,
        limit: usize,
    ) -> Result<Vec<ArticleId>, AppError> {
        let hits = self
            .matching(Self::scope(actor, false), text, limit, false)
            .await?;
        Ok(hits.into_iter().map(|hit| hit.id).collect())
    }

    /// The one matching behind the search, the suggestions and the articles tied to a new
    /// ticket: the best `limit` articles within `scope` for what was typed (see
    /// [`match_query`]), with their snippets when asked.
    async fn matching(
        &self,
        scope: ArticleScope,
        q: &str,
        limit: usize,
        with_snippets: bool,
    ) -> Result<Vec<HitRow>, AppError> {
        let Some(query) = match_query(q) else {
            return Ok(Vec::new());
        };
        let limit = limit.clamp(1, MAX_HITS) as i64;
        self.db
            .search_articles(scope, &query, limit, with_snippets)
            .await
    }

    /// Ranked hits for `q` within `scope`, snippets made safe.
    async fn hits(
        &self,
        scope: ArticleScope,
        q: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>, AppError> {
        Ok(self
            .matching(scope, q, limit, true)
            .await?
            .into_iter()
            .map(|hit| SearchHit {
                slug: hit.slug,
                title: hit.title,
                snippet: snippet_html(&hit.snippet),
            })
            .collect())
    }
}

/// The audience an article has now, which a revision saved of it is for.
fn current_audience(article: &Article) -> Result<Audience, AppError> {
    article.audience().ok_or_else(|| {
        tracing::error!(article = article.id, "an article without a valid audience");
        AppError::Internal
    })
}

/// An uploaded file as an article shows it: an image inline, anything else as a link.
/// Whether `body` links the article file `id` (as the markdown an upload hands back does).
fn links_file(body: &str, id: i64) -> bool {
    let url = format!("/api/v1/article-files/{id}");
    body.match_indices(&url).any(|(at, _)| {
        !body[at + url.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

fn article_file(id: i64, file_name: String, content_type: String) -> ArticleFile {
    let url = format!("/api/v1/article-files/{id}");
    let label: String = file_name
        .chars()
        .flat_map(|c| match c {
            '[' | ']' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let markdown = if app::tickets::served_content_type(&file_name).1 {
        format!("![{label}]({url})")
    } else {
        format!("[{label}]({url})")
    };
    ArticleFile {
        id,
        file_name,
        content_type,
        url,
        markdown,
    }
}

/// `text` with every whole-word occurrence of each of `names` (any case) replaced by
/// "the employee".
pub fn scrub(text: &str, names: &[&str]) -> String {
    let mut out: Vec<char> = text.chars().collect();
    for name in names {
        let needle: Vec<char> = name.trim().chars().collect();
        if needle.is_empty() {
            continue;
        }
        let same = |a: char, b: char| a.to_lowercase().eq(b.to_lowercase());
        let mut result = Vec::with_capacity(out.len());
        let mut i = 0;
        while i < out.len() {
            let fits = i + needle.len() <= out.len()
                && out[i..i + needle.len()]
                    .iter()
                    .zip(&needle)
                    .all(|(a, b)| same(*a, *b));
            let starts_word = i == 0 || !out[i - 1].is_alphanumeric();
            let ends_word = out
                .get(i + needle.len())
                .is_none_or(|c| !c.is_alphanumeric());
            if fits && starts_word && ends_word {
                result.extend(SCRUBBED.chars());
                i += needle.len();
            } else {
                result.push(out[i]);
                i += 1;
            }
        }
        out = result;
    }
    out.into_iter().collect()
}

/// A line-by-line diff, computed off the async runtime: two long bodies may take a while.
async fn diff_lines(from: String, to: String) -> Result<Vec<DiffLine>, AppError> {
    crate::blocking::run(move || {
        let diff = similar::TextDiff::configure()
            .timeout(std::time::Duration::from_secs(1))
            .diff_lines(&from, &to);
        diff.iter_all_changes()
            .map(|change| DiffLine {
                change: match change.tag() {
                    similar::ChangeTag::Equal => LineChange::Same,
                    similar::ChangeTag::Insert => LineChange::Added,
                    similar::ChangeTag::Delete => LineChange::Removed,
                },
                text: change.value().trim_end_matches(['\n', '\r']).to_string(),
            })
            .collect()
    })
    .await
}

#[async_trait::async_trait]
impl Wiki for WikiService {
    #[tracing::instrument(skip_all)]
    async fn list(&self, actor: &Actor, query: ArticleQuery) -> Result<ArticleList, AppError> {
        let scope = Self::scope(actor, true);
        let query = ArticleQuery {
            space: query
                .space
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            tag: query
                .tag
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty()),
        };
        Ok(ArticleList {
            articles: self.db.article_summaries(scope, &query, LIST_LIMIT).await?,
            spaces: self.db.article_spaces(scope).await?,
            tags: self.db.article_tags(scope, TAG_LIMIT).await?,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn get(&self, actor: &Actor, slug: &str) -> Result<Article, AppError> {
        self.readable(actor, slug).await
    }

    #[tracing::instrument(skip_all)]
    async fn create(&self, actor: &Actor, mut article: NewArticle) -> Result<Article, AppError> {
        self.check_audience(actor, article.audience).await?;
        let at = crate::db::now();
        let mut tx = self.db.begin().await?;
        if sql::slug_taken(&mut tx, article.slug.as_str()).await? {
            // Only an article the caller can see is said to hold the address.
            if self.readable(actor, article.slug.as_str()).await.is_ok() {
                return Err(AppError::invalid(
                    "slug",
                    "That address is taken; choose another.",
                ));
            }
            article.slug = self.address_beside_hidden(&mut tx, &article.slug).await?;
        }
        let id = sql::insert_article(&mut tx, actor.user_id, &article, &at).await?;
        let event = crate::db::live::record_article(
            &mut tx,
            "article.saved",
            id,
            Some(actor.user_id),
            &json!({ "slug": article.slug.as_str(), "revision": 1 }),
            &at,
        )
        .await?;
        tx.commit().await?;
        self.saved(actor, article.slug.as_str(), event).await
    }

    #[tracing::instrument(skip_all)]
    async fn update(
        &self,
        actor: &Actor,
        slug: &str,
        article: NewArticle,
        base_revision: i64,
    ) -> Result<Article, AppError> {
        let current = self.editable(actor, slug).await?;
        self.check_audience(actor, article.audience).await?;
        let at = crate::db::now();
        let mut tx = self.db.begin().await?;
        let text = RevisionText {
            title: article.title.as_str(),
            body: article.body.as_str(),
            audience: article.audience,
            published: article.published,
        };
        let Some(revision) = sql::save_revision(
            &mut tx,
            current.id,
            base_revision,
            &text,
            actor.user_id,
            &at,
        )
        .await?
        else {
            return Err(AppError::conflict(
                "Someone saved this article since you started editing. Copy your changes, \
                 reload the article and edit it again.",
            ));
        };
        sql::set_article_details(
            &mut tx,
            current.id,
            &article.space,
            article.audience,
            article.published,
        )
        .await?;
        sql::set_tags(&mut tx, current.id, &article.tags).await?;
        let event = crate::db::live::record_article(
            &mut tx,
            "article.saved",
            current.id,
            Some(actor.user_id),
            &json!({ "slug": slug, "revision": revision }),
            &at,
        )
        .await?;
        tx.commit().await?;
        self.saved(actor, slug, event).await
    }

    #[tracing::instrument(skip_all)]
    async fn revisions(&self, actor: &Actor, slug: &str) -> Result<Vec<RevisionSummary>, AppError> {
        let article = self.readable(actor, slug).await?;
        self.db
            .revisions(Self::scope(actor, true), article.id)
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn revision(&self, actor: &Actor, slug: &str, number: i64) -> Result<Revision, AppError> {
        let article = self.readable(actor, slug).await?;
        let row = self.readable_revision(actor, article.id, number).await?;
        Ok(Revision {
            html: crate::markdown::render_off_thread(row.body.clone()).await?,
            number: row.number,
            title: row.title,
            body: row.body,
            author_name: row.author_name,
            created_at: row.created_at,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn diff(
        &self,
        actor: &Actor,
        slug: &str,
        from: i64,
        to: i64,
    ) -> Result<RevisionDiff, AppError> {
        let article = self.readable(actor, slug).await?;
        // Both ends must be revisions the caller could read when saved; the diff between
        // them then shows nothing of any revision in between.
        let from = self.readable_revision(actor, article.id, from).await?;
        let to = self.readable_revision(actor, article.id, to).await?;
        let (from_summary, to_summary) = (from.summary(), to.summary());
        Ok(RevisionDiff {
            lines: diff_lines(from.body, to.body).await?,
            from: from_summary,
            to: to_summary,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn restore(&self, actor: &Actor, slug: &str, number: i64) -> Result<Article, AppError> {
        let current = self.editable(actor, slug).await?;
        let old = self.readable_revision(actor, current.id, number).await?;
        let at = crate::db::now();
        let mut tx = self.db.begin().await?;
        let text = RevisionText {
            title: &old.title,
            body: &old.body,
            audience: current_audience(&current)?,
            published: current.published,
        };
        let Some(revision) = sql::save_revision(
            &mut tx,
            current.id,
            current.revision,
            &text,
            actor.user_id,
            &at,
        )
        .await?
        else {
            return Err(AppError::conflict(
                "Someone saved this article just now; look at its history again.",
            ));
        };
        let event = crate::db::live::record_article(
            &mut tx,
            "article.saved",
            current.id,
            Some(actor.user_id),
            &json!({ "slug": slug, "revision": revision, "restored": number }),
            &at,
        )
        .await?;
        tx.commit().await?;
        self.saved(actor, slug, event).await
    }

    #[tracing::instrument(skip_all)]
    async fn search(
        &self,
        actor: &Actor,
        q: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>, AppError> {
        self.hits(Self::scope(actor, true), q, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn suggest(
        &self,
        actor: &Actor,
        q: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>, AppError> {
        self.hits(Self::scope(actor, false), q, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn deflect(&self, actor: &Actor, slug: &str) -> Result<(), AppError> {
        let article = self.readable(actor, slug).await?;
        self.db
            .insert_deflection(article.id, actor.user_id, actor.org_id)
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn link(
        &self,
        actor: &Actor,
        ticket: TicketId,
        slugs: &[String],
        kind: LinkKind,
    ) -> Result<(), AppError> {
        let record = self.db.ticket(ticket).await?;
        let s = &record.summary;
        if !can_read(actor, s.org_id, s.requester_id, record.org_shares) {
            return Err(AppError::NotFound);
        }
        if kind == LinkKind::ResolvedWith && !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        if slugs.len() > MAX_LINKS {
            return Err(AppError::invalid(
                "slugs",
                format!("Link at most {MAX_LINKS} articles at once."),
            ));
        }
        let mut ids = Vec::with_capacity(slugs.len());
        for slug in slugs {
            ids.push(self.readable(actor, slug).await?.id);
        }
        self.db.link_articles(ticket, &ids, kind).await
    }

    #[tracing::instrument(skip_all)]
    async fn linked(
        &self,
        actor: &Actor,
        ticket: TicketId,
    ) -> Result<Vec<TicketArticle>, AppError> {
        if !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        self.db.ticket(ticket).await?;
        self.db.linked_articles(ticket).await
    }

    #[tracing::instrument(skip_all)]
    async fn capture(
        &self,
        actor: &Actor,
        ticket: TicketId,
        capture: Capture,
    ) -> Result<Article, AppError> {
        if !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        let record = self.db.ticket(ticket).await?;
        let requester = self.db.account(record.summary.requester_id).await?.user;
        // Email first: the name may be part of it.
        let mut names = vec![requester.email.as_str(), requester.name.as_str()];
        names.extend(
            requester
                .name
                .split_whitespace()
                .filter(|part| part.chars().count() >= 3),
        );
        let markdown = scrub(&capture.to_markdown(), &names);
        let at = crate::db::now();
        let mut tx = self.db.begin().await?;
        let (id, slug, revision) = match &capture.append_to {
            Some(slug) => {
                let article = self
                    .db
                    .article(Self::scope(actor, true), slug.as_str())
                    .await
                    .map_err(|err| match err {
                        AppError::NotFound => {
                            AppError::invalid("append_to", "No article has that address.")
                        }
                        other => other,
                    })?;
                let body = ArticleBody::parse(&format!("{}\n\n{markdown}", article.body)).map_err(
                    |_| {
                        AppError::invalid(
                            "append_to",
                            "That article is too long to add to; start a new one.",
                        )
                    },
                )?;
                let text = RevisionText {
                    title: &article.title,
                    body: body.as_str(),
                    audience: current_audience(&article)?,
                    published: article.published,
                };
                let Some(revision) = sql::save_revision(
                    &mut tx,
                    article.id,
                    article.revision,
                    &text,
                    actor.user_id,
                    &at,
                )
                .await?
                else {
                    return Err(AppError::conflict(
                        "Someone saved that article just now; try again.",
                    ));
                };
                (article.id, article.slug, revision)
            }
            None => {
                let subject = scrub(&record.summary.subject, &names);
                let subject: String = subject.chars().take(Title::MAX_CHARS).collect();
                let title = Title::parse(&subject).map_err(|m| AppError::invalid("symptom", m))?;
                let base = Slug::from_title(title.as_str())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| format!("ticket-{ticket}"));
                let slug = sql::free_slug(&mut tx, &base).await?;
                let new = NewArticle {
                    slug: Slug::parse(&slug).map_err(|m| {
                        tracing::error!(slug, message = m, "a made-up slug does not parse");
                        AppError::Internal
                    })?,
                    title,
                    body: ArticleBody::parse(&markdown).map_err(|m| AppError::invalid("fix", m))?,
                    space: app::wiki::DEFAULT_SPACES[0].to_string(),
                    tags: Vec::new(),
                    audience: Audience::Internal,
                    published: false,
                };
                let id = sql::insert_article(&mut tx, actor.user_id, &new, &at).await?;
                (id, slug, 1)
            }
        };
        sql::link(&mut tx, ticket, id, LinkKind::ResolvedWith).await?;
        let event = crate::db::live::record_article(
            &mut tx,
            "article.saved",
            id,
            Some(actor.user_id),
            &json!({ "slug": slug, "revision": revision, "ticket_id": ticket }),
            &at,
        )
        .await?;
        tx.commit().await?;
        self.saved(actor, &slug, event).await
    }

    async fn preview(&self, body: &str) -> Result<String, AppError> {
        let body = ArticleBody::parse(body).map_err(|m| AppError::invalid("body", m))?;
        crate::markdown::render_off_thread(body.as_str().to_string()).await
    }

    #[tracing::instrument(skip_all)]
    async fn attach(
        &self,
        actor: &Actor,
        slug: &str,
        files: Vec<Upload>,
    ) -> Result<Vec<ArticleFile>, AppError> {
        let article = self.editable(actor, slug).await?;
        if files.is_empty() {
            return Err(AppError::invalid("file", "Choose a file to attach."));
        }
        // A file of an article for every client counts for the provider, whose staff write it.
        let org = article.org_id.unwrap_or(actor.org_id);
        self.upload_quota.check(&self.db, org, &files).await?;
        let mut attached = Vec::new();
        let stored =
            crate::tickets::files::check_and_store(&self.data_dir, self.max_file_bytes, files)
                .await?;
        for crate::tickets::files::StoredFile { name, size, sha256 } in stored {
            let content_type = app::tickets::served_content_type(&name).0.to_string();
            let id = self
                .db
                .insert_article_file(
                    article.id,
                    actor.user_id,
                    &name,
                    &content_type,
                    size,
                    &sha256,
                )
                .await?;
            attached.push(article_file(id, name, content_type));
        }
        Ok(attached)
    }

    #[tracing::instrument(skip_all)]
    async fn file(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(ArticleFile, std::path::PathBuf), AppError> {
        let row = self.db.article_file(Self::scope(actor, true), id).await?;
        // A file uploaded while the article was internal stays with it when the article is
        // shared, though the shared text may no longer show it (a screenshot of a password,
        // say). Its editors get every file; other readers only what the current text links.
        let audience =
            Audience::parse(&row.visibility, row.org_id).map_err(|_| AppError::Internal)?;
        if !may_edit(actor, audience) && !links_file(&row.body, row.id) {
            return Err(AppError::NotFound);
        }
        let path = files::path_for(&self.data_dir, &row.sha256);
        Ok((article_file(row.id, row.file_name, row.content_type), path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::wiki::{ArticleInput, may_read};

    #[test]
    fn a_requesters_name_and_email_become_the_employee() {
        let text = "Rob Requester (rob@acme.example) said ROB's printer failed; robust fix.";
        let names = ["rob@acme.example", "Rob Requester", "Rob", "Requester"];
        assert_eq!(
            scrub(text, &names),
            "the employee (the employee) said the employee's printer failed; robust fix."
        );
    }

    #[test]
    fn a_file_becomes_an_image_or_a_link() {
        let image = article_file(7, "shot [1].png".into(), "image/png".into());
        let pdf = article_file(8, "guide.pdf".into(), "application/pdf".into());
        assert_eq!(
            image.markdown,
            "![shot \\[1\\].png](/api/v1/article-files/7)"
        );
        assert_eq!(pdf.markdown, "[guide.pdf](/api/v1/article-files/8)");
    }

    fn actor(role: Role, org: i64, user: i64) -> Actor {
        Actor {
            user_id: user,
            name: "A".into(),
            email: "a@example.com".into(),
            role,
            org_id: org,
            org_name: "Org".into(),
        }
    }

    /// The SQL scope and `may_read` agree for every audience, draft or not, and every role.
    #[tokio::test]
    async fn the_sql_scope_is_the_read_rule() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("wiki.db")).await.expect("a db");
        let acme: i64 = sqlx::query_scalar(
            "insert into org (name, name_key, kind) values ('Acme', 'acme', 'client') returning id",
        )
        .fetch_one(db.pool())
        .await
        .expect("an org");
        let birch: i64 = sqlx::query_scalar(
            "insert into org (name, name_key, kind) values ('Birch', 'birch', 'client') \
             returning id",
        )
        .fetch_one(db.pool())
        .await
        .expect("an org");
        let author: i64 = sqlx::query_scalar(
            "insert into account (org_id, role, email, name, password_hash) \
             values (1, 'technician', 't@p.example', 'T', 'x') returning id",
        )
        .fetch_one(db.pool())
        .await
        .expect("an account");
        let audiences = [
            Audience::Internal,
            Audience::AllClients,
            Audience::Org(acme),
            Audience::Org(birch),
        ];
        let mut articles = Vec::new();
        let mut tx = db.begin().await.expect("a transaction");
        for (i, audience) in audiences.iter().enumerate() {
            for published in [true, false] {
                let input = ArticleInput {
                    slug: format!("a{i}-{published}"),
                    title: "Title".into(),
                    body: "Body".into(),
                    visibility: audience.visibility().as_str().into(),
                    org_id: audience.org_id(),
                    published: Some(published),
                    ..ArticleInput::default()
                };
                let new = input.parse().expect("valid");
                sql::insert_article(&mut tx, author, &new, &crate::db::now())
                    .await
                    .expect("inserted");
                articles.push((new.slug, *audience, published));
            }
        }
        tx.commit().await.expect("committed");

        for who in [
            actor(Role::Technician, 1, author),
            actor(Role::Manager, acme, 50),
            actor(Role::Requester, acme, 51),
            actor(Role::Manager, birch, 52),
        ] {
            for (slug, audience, published) in &articles {
                let found = db
                    .article(WikiService::scope(&who, true), slug.as_str())
                    .await
                    .is_ok();
                assert_eq!(
                    found,
                    may_read(&who, *audience, *published),
                    "{:?} reading {}",
                    who.role,
                    slug.as_str()
                );
            }
        }
    }
}
