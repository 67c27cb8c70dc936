//! SQL for the wiki: articles and their revisions, tags, files, links to tickets, deflections,
//! and full-text search. Every read takes the caller's scope, so what they may not read never
//! leaves the database.

use super::Db;
use super::batch::{Batch, RowRef};
use app::accounts::{OrgId, UserId};
use app::error::AppError;
use app::tickets::TicketId;
use app::wiki::{
    Article, ArticleId, ArticleQuery, ArticleSummary, Audience, LinkKind, NameCount, NewArticle,
    RevisionSummary, TicketArticle, Visibility,
};
use sqlx::{FromRow, QueryBuilder, Sqlite, Transaction};
use time::OffsetDateTime;

/// Which articles a caller may read, decided by the rules before any SQL runs; the same
/// rule as `app::wiki::may_read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleScope {
    /// Provider staff: every article, drafts too when `drafts`.
    All { drafts: bool },
    /// The people of a client organization: published articles for all clients or for `org`,
    /// and with `drafts` (its managers, who edit them) `org`'s drafts as well.
    Client { org: OrgId, drafts: bool },
}

impl ArticleScope {
    /// Appends ` and (…)` restricting the article aliased `a`.
    fn push(self, qb: &mut QueryBuilder<'_, Sqlite>) {
        self.push_on(qb, "a");
    }

    /// Appends ` and (…)` restricting `alias`, a row with the audience columns `visibility`,
    /// `org_id` and `published`: an article, or a revision as it was saved.
    fn push_on(self, qb: &mut QueryBuilder<'_, Sqlite>, alias: &str) {
        match self {
            ArticleScope::All { drafts: true } => {}
            ArticleScope::All { drafts: false } => {
                qb.push(format!(" and {alias}.published = 1"));
            }
            ArticleScope::Client { org, drafts } => {
                qb.push(format!(
                    " and (({alias}.published = 1 and ({alias}.visibility = 'all_clients' \
                     or ({alias}.visibility = 'org' and {alias}.org_id = "
                ))
                .push_bind(org)
                .push(")))");
                if drafts {
                    qb.push(format!(
                        " or ({alias}.visibility = 'org' and {alias}.org_id = "
                    ))
                    .push_bind(org)
                    .push(")");
                }
                qb.push(")");
            }
        }
    }
}

/// The longest query searched, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most words searched; the rest are ignored. Each word is one more walk of the index.
pub const MAX_QUERY_WORDS: usize = 8;
/// How long one search may run before SQLite stops it. Searches of a help portal's articles
/// take milliseconds; this stops only a query shaped to scan the whole index many times over.
pub const SEARCH_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

/// A search SQLite stopped at [`SEARCH_TIME_LIMIT`] is the query's shape, said next to the
/// search field; anything else is ours.
fn search_error(err: sqlx::Error) -> AppError {
    if super::is_interrupted(&err) {
        tracing::warn!("a search ran out of time");
        return AppError::invalid(
            "q",
            "This search takes too long. Use fewer, longer or more specific words.",
        );
    }
    AppError::from(err)
}

/// Words that say nothing about a problem: requiring them would make a search of a question
/// ("how do I reset my password") find nothing, and in suggestions they would match anything.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "at", "be", "but", "by", "can", "do", "does", "for", "from", "has",
    "have", "how", "i", "in", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our",
    "so", "that", "the", "there", "this", "to", "was", "we", "what", "when", "why", "with", "you",
];

/// How the words of a query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    /// Search: every word required (filler words left out unless there is nothing else).
    All,
    /// Suggestions while typing: any word may match (ranking puts articles with more of them
    /// first), the last one as a prefix, filler words left out.
    Any,
}

/// The FTS5 query for what a person typed, built from its words only: each word is quoted as
/// an FTS5 string, so nothing typed is read as query syntax. `None` when no word is left
/// (punctuation only, or only filler words for suggestions).
///
/// Porter stemming leaves "printer" and "printing" apart ("printer" vs "print"), so a word
/// with a common English ending also matches its root as a prefix: "printer" finds "print"*,
/// which holds "printing", "prints" and "printers".
pub fn match_expression(q: &str, mode: MatchMode) -> Option<String> {
    let q: String = q.chars().take(MAX_QUERY_CHARS).collect();
    let all: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let meaningful: Vec<String> = all
        .iter()
        .filter(|w| w.chars().count() > 1 && !STOP_WORDS.contains(&w.as_str()))
        .cloned()
        .collect();
    // A word said twice (a subject repeated in the description) is searched once, where it
    // was said last: each term is one more index lookup, and the last word stays the one
    // still being typed.
    let distinct = |words: Vec<String>| -> Vec<String> {
        words
            .iter()
            .enumerate()
            .filter(|(i, w)| !words[i + 1..].contains(w))
            .map(|(_, w)| w.clone())
            .collect()
    };
    // A search of filler words alone still searches them; a suggestion offers nothing. A
    // single letter is never searched: it says nothing, and "a"* would walk the whole index.
    let words: Vec<String> = distinct(match mode {
        MatchMode::All if meaningful.is_empty() => {
            all.into_iter().filter(|w| w.chars().count() > 1).collect()
        }
        _ => meaningful,
    })
    .into_iter()
    .take(MAX_QUERY_WORDS)
    .collect();
    let last = words.len().checked_sub(1)?;
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let prefix = mode == MatchMode::Any && i == last;
            match (root(word), prefix) {
                (Some(root), _) => format!("(\"{word}\" OR \"{root}\"*)"),
                (None, true) => format!("\"{word}\"*"),
                (None, false) => format!("\"{word}\""),
            }
        })
        .collect();
    Some(terms.join(match mode {
        MatchMode::All => " AND ",
        MatchMode::Any => " OR ",
    }))
}

/// The root of an English word with a common ending the stemmer keeps, if at least four
/// letters are left: "printer" → "print", "updates" → "updat".
fn root(word: &str) -> Option<&str> {
    if !word.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    ["ers", "ing", "er", "ed", "es"]
        .iter()
        .find_map(|ending| word.strip_suffix(ending))
        .filter(|root| root.len() >= 4)
}

/// Where matches begin and end in a raw snippet: control characters no title holds.
const MARK_START: char = '\u{2}';
const MARK_END: char = '\u{3}';

/// A snippet as HTML: its text escaped first, then the matches marked, every `<mark>` closed.
pub fn snippet_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    let mut open = false;
    for c in raw.chars() {
        match c {
            MARK_START if !open => {
                out.push_str("<mark>");
                open = true;
            }
            MARK_END if open => {
                out.push_str("</mark>");
                open = false;
            }
            MARK_START | MARK_END => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

fn corrupt(column: &str, value: &str) -> AppError {
    tracing::error!(column, value, "unexpected value in the database");
    AppError::Internal
}

/// Tags as one text column: joined by the unit separator, which no tag holds.
const TAGS: &str = "(select group_concat(t.tag, char(31) order by t.position) \
     from article_tag t where t.article_id = a.id) as tags";

fn split_tags(tags: Option<String>) -> Vec<String> {
    tags.map(|t| t.split('\u{1f}').map(str::to_string).collect())
        .unwrap_or_default()
}

fn visibility(raw: &str) -> Result<Visibility, AppError> {
    Visibility::parse(raw).map_err(|_| corrupt("article.visibility", raw))
}

#[derive(FromRow)]
struct ArticleRow {
    id: i64,
    slug: String,
    title: String,
    body: String,
    space: String,
    visibility: String,
    org_id: Option<i64>,
    org_name: Option<String>,
    published: bool,
    revision: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    updated_by: String,
    helped_tickets: i64,
    deflections: i64,
    tags: Option<String>,
}

impl TryFrom<ArticleRow> for Article {
    type Error = AppError;

    fn try_from(row: ArticleRow) -> Result<Article, AppError> {
        Ok(Article {
            id: row.id,
            // Rendered by the caller off the request runtime; see `markdown::render_off_thread`.
            html: String::new(),
            slug: row.slug,
            title: row.title,
            body: row.body,
            space: row.space,
            tags: split_tags(row.tags),
            visibility: visibility(&row.visibility)?,
            org_id: row.org_id,
            org_name: row.org_name,
            published: row.published,
            revision: row.revision,
            created_at: row.created_at,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
            helped_tickets: row.helped_tickets,
            deflections: row.deflections,
            can_edit: false,
        })
    }
}

#[derive(FromRow)]
struct SummaryRow {
    slug: String,
    title: String,
    space: String,
    visibility: String,
    org_name: Option<String>,
    published: bool,
    updated_at: OffsetDateTime,
    /// The start of the body, enough for an excerpt.
    head: String,
    tags: Option<String>,
}

/// A revision as stored.
#[derive(FromRow)]
pub struct RevisionRow {
    pub number: i64,
    pub title: String,
    pub body: String,
    pub author_name: String,
    pub created_at: OffsetDateTime,
}

impl RevisionRow {
    pub fn summary(&self) -> RevisionSummary {
        RevisionSummary {
            number: self.number,
            title: self.title.clone(),
            author_name: self.author_name.clone(),
            created_at: self.created_at,
        }
    }
}

/// A search hit as stored: the snippet still carries its raw match markers.
#[derive(FromRow)]
pub struct HitRow {
    pub slug: String,
    pub title: String,
    pub snippet: String,
}

/// A file of an article, and where its bytes are found.
#[derive(FromRow)]
pub struct FileRow {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    /// The article's current text, visibility and organization: who may download the file
    /// depends on them.
    pub body: String,
    pub visibility: String,
    pub org_id: Option<i64>,
}

fn link_kind(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Suggested => "suggested",
        LinkKind::ResolvedWith => "resolved_with",
    }
}

impl Db {
    /// The article at `slug`, if `scope` may read it; `NotFound` otherwise.
    #[tracing::instrument(skip_all)]
    pub async fn article(&self, scope: ArticleScope, slug: &str) -> Result<Article, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(format!(
            "select a.id, a.slug, a.title, a.body, a.space, a.visibility, a.org_id, \
             o.name as org_name, a.published, a.revision, a.created_at, a.updated_at, \
             u.name as updated_by, \
             (select count(*) from article_link l where l.article_id = a.id \
              and l.kind = 'resolved_with') as helped_tickets, \
             (select count(*) from deflection d where d.article_id = a.id) as deflections, \
             {TAGS} \
             from article a left join org o on o.id = a.org_id \
             join account u on u.id = a.updated_by where a.slug = "
        ));
        qb.push_bind(slug);
        scope.push(&mut qb);
        let row: ArticleRow = qb.build_query_as().fetch_one(&self.pool).await?;
        row.try_into()
    }

    /// Readable articles, newest first, at most `limit`.
    #[tracing::instrument(skip_all)]
    pub async fn article_summaries(
        &self,
        scope: ArticleScope,
        query: &ArticleQuery,
        limit: i64,
    ) -> Result<Vec<ArticleSummary>, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(format!(
            "select a.slug, a.title, a.space, a.visibility, o.name as org_name, a.published, \
             a.updated_at, substr(a.body, 1, 2000) as head, {TAGS} \
             from article a left join org o on o.id = a.org_id where 1 = 1"
        ));
        scope.push(&mut qb);
        if let Some(space) = &query.space {
            qb.push(" and a.space = ").push_bind(space.clone());
        }
        if let Some(tag) = &query.tag {
            qb.push(
                " and exists (select 1 from article_tag t where t.article_id = a.id and t.tag = ",
            )
            .push_bind(tag.clone())
            .push(")");
        }
        qb.push(" order by a.updated_at desc, a.id desc limit ")
            .push_bind(limit);
        let rows: Vec<SummaryRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|row| {
                Ok(ArticleSummary {
                    excerpt: crate::markdown::excerpt(&row.head, 200),
                    slug: row.slug,
                    title: row.title,
                    space: row.space,
                    tags: split_tags(row.tags),
                    visibility: visibility(&row.visibility)?,
                    org_name: row.org_name,
                    published: row.published,
                    updated_at: row.updated_at,
                })
            })
            .collect()
    }

    /// The spaces of the readable articles, with how many each holds, by name.
    #[tracing::instrument(skip_all)]
    pub async fn article_spaces(&self, scope: ArticleScope) -> Result<Vec<NameCount>, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select a.space as name, count(*) as count from article a where 1 = 1",
        );
        scope.push(&mut qb);
        qb.push(" group by a.space order by a.space");
        let rows: Vec<(String, i64)> = qb.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(name, count)| NameCount { name, count })
            .collect())
    }

    /// The most used tags of the readable articles, with how many carry each.
    #[tracing::instrument(skip_all)]
    pub async fn article_tags(
        &self,
        scope: ArticleScope,
        limit: i64,
    ) -> Result<Vec<NameCount>, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select t.tag as name, count(*) as count from article_tag t \
             join article a on a.id = t.article_id where 1 = 1",
        );
        scope.push(&mut qb);
        qb.push(" group by t.tag order by count(*) desc, t.tag limit ")
            .push_bind(limit);
        let rows: Vec<(String, i64)> = qb.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|(name, count)| NameCount { name, count })
            .collect())
    }

    /// The readable articles matching `expression` (an FTS5 query from `match_expression`),
    /// best first: a match in the title weighs ten times one in the body, a tag five times.
    /// SQLite makes the snippets after sorting, for the returned hits only.
    #[tracing::instrument(skip_all)]
    pub async fn search_articles(
        &self,
        scope: ArticleScope,
        expression: &str,
        limit: i64,
    ) -> Result<Vec<HitRow>, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select a.slug, a.title, \
             snippet(article_search, 1, char(2), char(3), '…', 16) as snippet \
             from article_search join article a on a.id = article_search.rowid \
             where article_search match ",
        );
        qb.push_bind(expression.to_string());
        scope.push(&mut qb);
        qb.push(" order by bm25(article_search, 10.0, 1.0, 5.0), a.id limit ")
            .push_bind(limit);
        let mut connection = self.bounded(SEARCH_TIME_LIMIT).await?;
        qb.build_query_as()
            .fetch_all(&mut *connection)
            .await
            .map_err(search_error)
    }

    /// The ids of the best `limit` readable articles matching `expression`, like
    /// [`Db::search_articles`] without the snippets.
    #[tracing::instrument(skip_all)]
    pub async fn matching_article_ids(
        &self,
        scope: ArticleScope,
        expression: &str,
        limit: i64,
    ) -> Result<Vec<ArticleId>, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select a.id from article_search join article a on a.id = article_search.rowid \
             where article_search match ",
        );
        qb.push_bind(expression.to_string());
        scope.push(&mut qb);
        qb.push(" order by bm25(article_search, 10.0, 1.0, 5.0), a.id limit ")
            .push_bind(limit);
        let mut connection = self.bounded(SEARCH_TIME_LIMIT).await?;
        qb.build_query_scalar()
            .fetch_all(&mut *connection)
            .await
            .map_err(search_error)
    }

    /// The revisions of an article that `scope` may read as each was saved, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn revisions(
        &self,
        scope: ArticleScope,
        article: ArticleId,
    ) -> Result<Vec<RevisionSummary>, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select r.number, r.title, '' as body, u.name as author_name, r.created_at \
             from article_revision r join account u on u.id = r.author_id \
             where r.article_id = ",
        );
        qb.push_bind(article);
        scope.push_on(&mut qb, "r");
        qb.push(" order by r.number desc");
        let rows: Vec<RevisionRow> = qb.build_query_as().fetch_all(&self.pool).await?;
        Ok(rows.iter().map(RevisionRow::summary).collect())
    }

    /// Revision `number` of an article, if `scope` may read it as it was saved; `NotFound`
    /// otherwise.
    #[tracing::instrument(skip_all)]
    pub async fn revision(
        &self,
        scope: ArticleScope,
        article: ArticleId,
        number: i64,
    ) -> Result<RevisionRow, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select r.number, r.title, r.body, u.name as author_name, r.created_at \
             from article_revision r join account u on u.id = r.author_id \
             where r.article_id = ",
        );
        qb.push_bind(article)
            .push(" and r.number = ")
            .push_bind(number);
        scope.push_on(&mut qb, "r");
        qb.build_query_as()
            .fetch_one(&self.pool)
            .await
            .map_err(AppError::from)
    }

    #[tracing::instrument(skip_all)]
    pub async fn insert_deflection(
        &self,
        article: ArticleId,
        user: UserId,
        org: OrgId,
    ) -> Result<(), AppError> {
        sqlx::query(
            "insert into deflection (article_id, user_id, org_id, created_at) values (?, ?, ?, ?)",
        )
        .bind(article)
        .bind(user)
        .bind(org)
        .bind(super::now())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Ties articles to a ticket; a tie that exists already is kept as it is.
    #[tracing::instrument(skip_all)]
    pub async fn link_articles(
        &self,
        ticket: TicketId,
        articles: &[ArticleId],
        kind: LinkKind,
    ) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        for article in articles {
            link(&mut tx, ticket, *article, kind).await?;
        }
        tx.commit().await.map_err(AppError::from)
    }

    /// The articles tied to a ticket: resolved with first, then suggested, oldest tie first.
    #[tracing::instrument(skip_all)]
    pub async fn linked_articles(&self, ticket: TicketId) -> Result<Vec<TicketArticle>, AppError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "select a.slug, a.title, l.kind from article_link l \
             join article a on a.id = l.article_id where l.ticket_id = ? \
             order by l.kind = 'suggested', l.id",
        )
        .bind(ticket)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(slug, title, kind)| {
                let kind = match kind.as_str() {
                    "suggested" => LinkKind::Suggested,
                    "resolved_with" => LinkKind::ResolvedWith,
                    other => return Err(corrupt("article_link.kind", other)),
                };
                Ok(TicketArticle { slug, title, kind })
            })
            .collect()
    }

    /// Whether `org` is a client organization, which an article may be shared with.
    #[tracing::instrument(skip_all)]
    pub async fn is_client_org(&self, org: OrgId) -> Result<bool, AppError> {
        let found: Option<i64> =
            sqlx::query_scalar("select id from org where id = ? and kind = 'client'")
                .bind(org)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    #[tracing::instrument(skip_all)]
    pub async fn insert_article_file(
        &self,
        article: ArticleId,
        uploader: UserId,
        file_name: &str,
        content_type: &str,
        size: i64,
        sha256: &str,
    ) -> Result<i64, AppError> {
        let at = super::now();
        sqlx::query_scalar(
            "insert into article_file (article_id, uploader_id, file_name, content_type, size, \
             sha256, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?) returning id",
        )
        .bind(article)
        .bind(uploader)
        .bind(file_name)
        .bind(content_type)
        .bind(size)
        .bind(sha256)
        .bind(&at)
        .bind(&at)
        .fetch_one(&self.writer)
        .await
        .map_err(AppError::from)
    }

    /// A file of an article `scope` may read; `NotFound` otherwise.
    #[tracing::instrument(skip_all)]
    pub async fn article_file(&self, scope: ArticleScope, id: i64) -> Result<FileRow, AppError> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select f.id, f.file_name, f.content_type, f.sha256, a.body, a.visibility, a.org_id \
             from article_file f join article a on a.id = f.article_id where f.id = ",
        );
        qb.push_bind(id);
        scope.push(&mut qb);
        qb.build_query_as()
            .fetch_one(&self.pool)
            .await
            .map_err(AppError::from)
    }
}

/// Whether an article has `slug`, seen from inside the writing transaction.
#[tracing::instrument(skip_all)]
pub async fn slug_taken(
    tx: &mut Transaction<'static, Sqlite>,
    slug: &str,
) -> Result<bool, AppError> {
    let found: Option<i64> = sqlx::query_scalar("select id from article where slug = ?")
        .bind(slug)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(found.is_some())
}

/// `base`, or the first of `base-2`, `base-3`, … no article has yet.
#[tracing::instrument(skip_all)]
pub async fn free_slug(
    tx: &mut Transaction<'static, Sqlite>,
    base: &str,
) -> Result<String, AppError> {
    // Room for a suffix within the longest address.
    let base: String = base.chars().take(app::wiki::Slug::MAX_CHARS - 6).collect();
    let base = base.trim_end_matches('-');
    let taken: Vec<String> =
        sqlx::query_scalar("select slug from article where slug = ?1 or slug like ?1 || '-%'")
            .bind(base)
            .fetch_all(&mut **tx)
            .await?;
    if !taken.iter().any(|s| s == base) {
        return Ok(base.to_string());
    }
    let mut n = 2;
    loop {
        let candidate = format!("{base}-{n}");
        if !taken.contains(&candidate) {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// Inserts an article with its first revision and its tags; returns its id.
#[tracing::instrument(skip_all)]
pub async fn insert_article(
    tx: &mut Transaction<'static, Sqlite>,
    author: UserId,
    article: &NewArticle,
    at: &str,
) -> Result<ArticleId, AppError> {
    let id: ArticleId = sqlx::query_scalar(
        "insert into article (slug, title, body, space, visibility, org_id, published, revision, \
         created_by, updated_by, created_at, updated_at) \
         values (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8, ?9, ?9) returning id",
    )
    .bind(article.slug.as_str())
    .bind(article.title.as_str())
    .bind(article.body.as_str())
    .bind(&article.space)
    .bind(article.audience.visibility().as_str())
    .bind(article.audience.org_id())
    .bind(article.published)
    .bind(author)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    let text = RevisionText {
        title: article.title.as_str(),
        body: article.body.as_str(),
        audience: article.audience,
        published: article.published,
    };
    insert_revision(tx, id, 1, &text, author, at).await?;
    set_tags(tx, id, &article.tags).await?;
    Ok(id)
}

/// What a revision holds: its text, and the audience it is saved for, which alone decides
/// who may read it later.
pub struct RevisionText<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub audience: Audience,
    pub published: bool,
}

/// Saves `text` as the article's next revision, if its current one is still `base`. Returns
/// the new revision's number, or `None` when someone saved since.
#[tracing::instrument(skip_all)]
pub async fn save_revision(
    tx: &mut Transaction<'static, Sqlite>,
    article: ArticleId,
    base: i64,
    text: &RevisionText<'_>,
    author: UserId,
    at: &str,
) -> Result<Option<i64>, AppError> {
    let number: Option<i64> = sqlx::query_scalar(
        "update article set title = ?1, body = ?2, revision = revision + 1, updated_by = ?3, \
         updated_at = ?4 where id = ?5 and revision = ?6 returning revision",
    )
    .bind(text.title)
    .bind(text.body)
    .bind(author)
    .bind(at)
    .bind(article)
    .bind(base)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(number) = number {
        insert_revision(tx, article, number, text, author, at).await?;
    }
    Ok(number)
}

#[tracing::instrument(skip_all)]
async fn insert_revision(
    tx: &mut Transaction<'static, Sqlite>,
    article: ArticleId,
    number: i64,
    text: &RevisionText<'_>,
    author: UserId,
    at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into article_revision (article_id, number, title, body, visibility, org_id, \
         published, author_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(article)
    .bind(number)
    .bind(text.title)
    .bind(text.body)
    .bind(text.audience.visibility().as_str())
    .bind(text.audience.org_id())
    .bind(text.published)
    .bind(author)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets what an edit may change besides title and body: space, audience, published.
#[tracing::instrument(skip_all)]
pub async fn set_article_details(
    tx: &mut Transaction<'static, Sqlite>,
    article: ArticleId,
    space: &str,
    audience: Audience,
    published: bool,
) -> Result<(), AppError> {
    sqlx::query(
        "update article set space = ?, visibility = ?, org_id = ?, published = ? where id = ?",
    )
    .bind(space)
    .bind(audience.visibility().as_str())
    .bind(audience.org_id())
    .bind(published)
    .bind(article)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces the article's tags, in the order given.
#[tracing::instrument(skip_all)]
pub async fn set_tags(
    tx: &mut Transaction<'static, Sqlite>,
    article: ArticleId,
    tags: &[String],
) -> Result<(), AppError> {
    sqlx::query("delete from article_tag where article_id = ?")
        .bind(article)
        .execute(&mut **tx)
        .await?;
    for (position, tag) in tags.iter().enumerate() {
        sqlx::query("insert into article_tag (article_id, tag, position) values (?, ?, ?)")
            .bind(article)
            .bind(tag)
            .bind(position as i64)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Ties an article to a ticket, unless the same tie exists.
#[tracing::instrument(skip_all)]
pub async fn link(
    tx: &mut Transaction<'static, Sqlite>,
    ticket: TicketId,
    article: ArticleId,
    kind: LinkKind,
) -> Result<(), AppError> {
    let at = super::now();
    let mut batch = Batch::default();
    insert_links(&mut batch, RowRef::Id(ticket), &[article], kind, &at);
    batch.execute(tx).await
}

/// Ties `articles` to `ticket` in one statement, whatever their number, so a batch of many
/// tickets' ties is the same text and prepared once; a tie that exists is kept as it is.
/// (`where true` tells SQLite's parser the `on conflict` is the upsert's, not a join's.)
pub fn insert_links<'q>(
    batch: &mut Batch<'q>,
    ticket: RowRef,
    articles: &[ArticleId],
    kind: LinkKind,
    at: &'q str,
) {
    batch
        .push_about(
            ticket,
            "insert into article_link (ticket_id, article_id, kind, created_at) \
             select about.id, a.value, ?, ? from about, json_each(?) a where true \
             on conflict (ticket_id, article_id, kind) do nothing",
        )
        .bind(link_kind(kind))
        .bind(at)
        .bind(serde_json::Value::from(articles.to_vec()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_requires_every_word_quoted_as_a_string() {
        assert_eq!(
            match_expression("Plotter OFFLINE!", MatchMode::All).as_deref(),
            Some("(\"plotter\" OR \"plott\"*) AND \"offline\"")
        );
        assert_eq!(
            match_expression("\"vpn\" OR NEAR(wifi) c* col:x", MatchMode::All).as_deref(),
            Some("\"vpn\" AND \"near\" AND \"wifi\" AND \"col\"")
        );
        assert_eq!(
            match_expression("How do I reset my password?", MatchMode::All).as_deref(),
            Some("\"reset\" AND \"password\"")
        );
        assert_eq!(
            match_expression("the", MatchMode::All).as_deref(),
            Some("\"the\"")
        );
    }

    #[test]
    fn punctuation_alone_searches_nothing() {
        assert_eq!(match_expression("!!! ?? -- \"\"", MatchMode::All), None);
        assert_eq!(match_expression("a b c", MatchMode::All), None);
        assert_eq!(match_expression("x y z", MatchMode::Any), None);
        assert_eq!(match_expression("", MatchMode::Any), None);
        assert_eq!(match_expression("the my a", MatchMode::Any), None);
    }

    #[test]
    fn a_huge_query_is_cut_to_eight_words_of_the_first_200_characters() {
        let q: String = (0..2_000).map(|i| format!("w{i} ")).collect();
        let expression = match_expression(&q, MatchMode::All).expect("words");
        assert_eq!(expression.matches(" AND ").count() + 1, 8);
        assert!(expression.starts_with("\"w0\" AND \"w1\""));
        let long = "x".repeat(10_000);
        let expression = match_expression(&long, MatchMode::All).expect("a word");
        assert_eq!(expression.len(), MAX_QUERY_CHARS + 2);
    }

    #[test]
    fn a_suggestion_matches_any_word_and_the_last_as_a_prefix() {
        assert_eq!(
            match_expression("My printer is offl", MatchMode::Any).as_deref(),
            Some("(\"printer\" OR \"print\"*) OR \"offl\"*")
        );
    }

    #[test]
    fn a_repeated_word_is_searched_once_where_it_was_said_last() {
        assert_eq!(
            match_expression("Printer offline. The printer says offline", MatchMode::Any)
                .as_deref(),
            Some("(\"printer\" OR \"print\"*) OR \"says\" OR \"offline\"*")
        );
        assert_eq!(
            match_expression("VPN vpn VPN", MatchMode::All).as_deref(),
            Some("\"vpn\"")
        );
    }

    #[tokio::test]
    async fn a_search_out_of_time_is_a_message_on_the_query_not_a_server_error() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = Db::open(&dir.path().join("t.db")).await.expect("database");
        let mut connection = db
            .bounded(std::time::Duration::ZERO)
            .await
            .expect("a connection");

        let err = sqlx::query_scalar::<_, i64>(
            "with recursive n(i) as (select 1 union all select i + 1 from n \
             where i < 100000000) select count(*) from n",
        )
        .fetch_one(&mut *connection)
        .await
        .map_err(search_error)
        .expect_err("stopped");

        assert!(
            err.field("q").is_some_and(|m| m.contains("takes too long")),
            "{err:?}"
        );
    }

    #[test]
    fn common_endings_also_match_the_root() {
        assert_eq!(root("printing"), Some("print"));
        assert_eq!(root("printers"), Some("print"));
        assert_eq!(root("user"), None);
        assert_eq!(root("größer"), None);
    }

    #[test]
    fn a_snippet_is_escaped_before_matches_are_marked() {
        assert_eq!(
            snippet_html("<script>\u{2}alert\u{3}(1)</script> & \u{2}more"),
            "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; &amp; <mark>more</mark>"
        );
        assert_eq!(snippet_html("\u{3}a\u{2}\u{2}b"), "a<mark>b</mark>");
    }
}
