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

/// The most words for which a search first requires every one. Past that, what was typed is a
/// description (a new request's subject and text, which the suggestions and the articles tied
/// to a filed ticket match), not a search: an article holding all of five or more of its words
/// is rare, and ranks near the top of those holding any of them anyway, so requiring them all
/// first only cost every filed ticket one more walk of the index, which found nothing.
pub const EVERY_WORD_UP_TO: usize = 4;

/// The FTS5 queries for what a person typed, the one matching behind the header search, the
/// wiki's search page and the suggestions on a new request: first every word required
/// ([`MatchQuery::all`]); when that finds nothing, any word ([`MatchQuery::any`]), ranking
/// articles with more of them first, so "wifi keeps dropping" still finds the article that
/// says "keeps dropping" even if it never says "wifi".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchQuery {
    /// `None` past [`EVERY_WORD_UP_TO`] words: then any word is matched at once.
    pub all: Option<String>,
    /// `None` when the query has one word only (then it is the same as `all`).
    pub any: Option<String>,
}

impl MatchQuery {
    /// The expressions tried in turn until one finds something.
    pub fn passes(&self) -> impl Iterator<Item = &String> {
        self.all.iter().chain(&self.any)
    }
}

/// The matching for what a person typed, built from its words only: each word is quoted as an
/// FTS5 string, so nothing typed is read as query syntax. `None` when no word is left
/// (punctuation, single letters or filler words only).
///
/// - Porter stemming leaves "printer" and "printing" apart ("printer" vs "print"), so a word
///   with a common English ending also matches its root as a prefix: "printer" finds "print"*,
///   which holds "printing", "prints" and "printers".
/// - The last word may still be being typed: it matches as a prefix too ("offl" → "offline").
/// - Hyphen and spacing variants are one word: "Wi-Fi", "wi fi" and "wifi" find an article that
///   writes "Wi-Fi" or "wifi". The index keeps hyphenated words joined up in a column of their
///   own ("Wi-Fi" also as "wifi"), so "wifi" is one lookup; "wi-fi" and "wi fi" also look for
///   "wifi". (An article that writes "wi fi" apart is found by "wi fi" and "Wi-Fi", not by
///   "wifi": finding it would take a lookup of every way to split each word, which made every
///   search, and every filed ticket, several times slower.)
pub fn match_query(q: &str) -> Option<MatchQuery> {
    let q: String = q.chars().take(MAX_QUERY_CHARS).collect();
    let groups: Vec<Group> = distinct(word_groups(&q))
        .into_iter()
        .take(MAX_QUERY_WORDS)
        .collect();
    let last = groups.len().checked_sub(1)?;
    let groups: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, group)| group.expression(i == last))
        .collect();
    let all = (groups.len() <= EVERY_WORD_UP_TO).then(|| groups.join(" AND "));
    let any = (groups.len() > 1).then(|| groups.join(" OR "));
    Some(MatchQuery { all, any })
}

/// One thing a person typed: a word, a hyphenated compound ("wi-fi"), or a short word said
/// with the next one ("wi fi", "e mail", "x ray").
#[derive(Debug, PartialEq, Eq)]
enum Group {
    Word(String),
    Hyphenated(Vec<String>),
    Spaced(String, String),
}

/// The words of `q` as groups, filler words left out.
fn word_groups(q: &str) -> Vec<Group> {
    // Each chunk between spaces and punctuation other than hyphens, split at its hyphens.
    let chunks: Vec<Vec<String>> = q
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .map(|chunk| {
            chunk
                .split('-')
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<String>>()
        })
        .filter(|parts| !parts.is_empty())
        .collect();
    let filler = |w: &str| STOP_WORDS.contains(&w);
    let mut groups = Vec::new();
    let mut i = 0;
    while i < chunks.len() {
        let parts = &chunks[i];
        i += 1;
        if parts.len() > 1 {
            groups.push(Group::Hyphenated(parts.clone()));
            continue;
        }
        let word = parts[0].clone();
        if filler(&word) {
            continue;
        }
        let letters = |w: &str| w.chars().all(char::is_alphabetic);
        let short = word.chars().count() <= 2 && letters(&word);
        let next = chunks.get(i).filter(|next| {
            next.len() == 1
                && next[0].chars().count() >= 2
                && letters(&next[0])
                && !filler(&next[0])
        });
        match next {
            Some(next) if short => {
                groups.push(Group::Spaced(word, next[0].clone()));
                i += 1;
            }
            // A single letter alone says nothing, and "a"* would walk the whole index.
            _ if word.chars().count() < 2 => {}
            _ => groups.push(Group::Word(word)),
        }
    }
    groups
}

impl Group {
    /// The FTS5 expression matching this group in any of its forms; the `last` word, which may
    /// still be being typed, also as a prefix ("offl" → "offline").
    fn expression(&self, last: bool) -> String {
        let alternatives = match self {
            Group::Word(word) => {
                let mut alternatives = vec![if last {
                    format!("\"{word}\"*")
                } else {
                    format!("\"{word}\"")
                }];
                if let Some(root) = root(word) {
                    alternatives.push(format!("\"{root}\"*"));
                }
                alternatives
            }
            Group::Hyphenated(parts) => {
                vec![
                    format!("\"{}\"", parts.join(" ")),
                    format!("\"{}\"", parts.concat()),
                ]
            }
            Group::Spaced(first, second) => vec![
                format!("(\"{first}\" AND \"{second}\")"),
                format!("\"{first}{second}\""),
            ],
        };
        if alternatives.len() == 1 {
            alternatives.concat()
        } else {
            format!("({})", alternatives.join(" OR "))
        }
    }
}

/// Each group once, where it was said last: a subject repeated in the description is one
/// lookup, and the last word stays the one still being typed.
fn distinct(groups: Vec<Group>) -> Vec<Group> {
    let mut kept: Vec<Group> = Vec::with_capacity(groups.len());
    for group in groups.into_iter().rev() {
        if !kept.contains(&group) {
            kept.push(group);
        }
    }
    kept.reverse();
    kept
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

/// A snippet as HTML: its markdown read as the plain text it shows, escaped, then the matches
/// marked, every `<mark>` closed.
pub fn snippet_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    let mut open = false;
    for c in plain_text(raw).chars() {
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

/// A stretch of markdown (possibly cut mid-sentence, with match markers in it) as the words a
/// reader sees: no `**`, `_`, backticks, headings' `#`, quote and list markers, table pipes or
/// link targets; lines joined with single spaces.
fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        let mut line = line.trim_start();
        // Block markers at the start of a line: headings, quotes, bullets, task boxes.
        loop {
            let trimmed = line
                .trim_start_matches('#')
                .trim_start_matches('>')
                .trim_start();
            let trimmed = ["- ", "* ", "+ ", "[ ] ", "[x] ", "[X] "]
                .iter()
                .find_map(|marker| trimmed.strip_prefix(marker))
                .unwrap_or(trimmed)
                .trim_start();
            if trimmed.len() == line.len() {
                break;
            }
            line = trimmed;
        }
        // A table's rule line says nothing.
        if !line.is_empty() && line.chars().all(|c| matches!(c, '-' | '|' | ':' | ' ')) {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        let mut text = String::with_capacity(line.len());
        while i < chars.len() {
            let c = chars[i];
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            let word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
            match c {
                '*' | '`' | '~' => {}
                // Underscores inside a word (snake_case) are text; around one, emphasis.
                '_' if !(word_char(before) && word_char(after)) => {}
                '!' if after == Some('[') => {}
                '[' => {}
                // "](target)": the link's text is kept, its target left out.
                ']' if after == Some('(') => {
                    i += 2;
                    while i < chars.len() && chars[i] != ')' {
                        i += 1;
                    }
                }
                ']' => {}
                '|' => text.push(' '),
                // An escaped character is itself: "\\*" is a star.
                '\\' if after.is_some() => {
                    text.extend(after);
                    i += 1;
                }
                c => text.push(c),
            }
            i += 1;
        }
        let text = text.trim();
        if !text.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(text);
        }
    }
    // Runs of spaces left where markup was are one.
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if !(c == ' ' && collapsed.ends_with(' ')) {
            collapsed.push(c);
        }
    }
    collapsed
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
    pub id: ArticleId,
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

    /// The readable articles matching `query` (from [`match_query`]), best first: every
    /// word required, or when that finds nothing, any word. A match in the title weighs ten
    /// times one in the body, a tag five times (the joined-up words of both, see [`match_query`],
    /// count as the body). SQLite makes the snippets after sorting, for
    /// the returned hits only, and only `with_snippets`.
    #[tracing::instrument(skip_all)]
    pub async fn search_articles(
        &self,
        scope: ArticleScope,
        query: &MatchQuery,
        limit: i64,
        with_snippets: bool,
    ) -> Result<Vec<HitRow>, AppError> {
        let mut connection = self.bounded(SEARCH_TIME_LIMIT).await?;
        let mut hits = Vec::new();
        for expression in query.passes() {
            let mut qb = QueryBuilder::<Sqlite>::new("select a.id, a.slug, a.title, ");
            qb.push(if with_snippets {
                "snippet(article_search, 1, char(2), char(3), '…', 16) as snippet "
            } else {
                "'' as snippet "
            })
            .push(
                "from article_search join article a on a.id = article_search.rowid \
                 where article_search match ",
            )
            .push_bind(expression.clone());
            scope.push(&mut qb);
            qb.push(" order by bm25(article_search, 10.0, 1.0, 5.0, 1.0), a.id limit ")
                .push_bind(limit);
            hits = qb
                .build_query_as()
                .fetch_all(&mut *connection)
                .await
                .map_err(search_error)?;
            if !hits.is_empty() {
                break;
            }
        }
        Ok(hits)
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
        let at = super::now();
        let mut batch = Batch::default();
        push_deflection(&mut batch, article, user, org, &at);
        let mut conn = self.writer.acquire().await?;
        batch.execute(&mut conn).await
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

/// Records that `article` answered `user`'s question, at `at`.
pub fn push_deflection<'q>(
    batch: &mut Batch<'q>,
    article: ArticleId,
    user: UserId,
    org: OrgId,
    at: &'q str,
) {
    batch
        .push(
            "insert into deflection (article_id, user_id, org_id, created_at) values (?, ?, ?, ?)",
        )
        .bind(article)
        .bind(user)
        .bind(org)
        .bind(at);
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

    fn all(q: &str) -> Option<String> {
        match_query(q).and_then(|query| query.all)
    }

    fn any(q: &str) -> Option<String> {
        match_query(q).and_then(|query| query.any)
    }

    #[test]
    fn every_word_is_required_first_each_quoted_as_a_string() {
        assert_eq!(
            all("\"vpn\" OR NEAR(pc) c* col:x").as_deref(),
            Some("\"vpn\" AND \"near\" AND \"pc\" AND ((\"c\" AND \"col\") OR \"ccol\")")
        );
        assert_eq!(
            all("How do I reset my VPN?").as_deref(),
            Some("\"reset\" AND \"vpn\"*")
        );
        assert_eq!(
            all("Plotter, offline").as_deref(),
            all("plotter offline").as_deref()
        );
        let plotter = all("Plotter offline").expect("words");
        assert!(
            plotter == "(\"plotter\" OR \"plott\"*) AND \"offline\"*",
            "{plotter}"
        );
    }

    #[test]
    fn when_every_word_finds_nothing_any_word_may() {
        let query = match_query("My VPN is offl").expect("words");
        assert_eq!(query.all.as_deref(), Some("\"vpn\" AND \"offl\"*"));
        assert_eq!(query.any.as_deref(), Some("\"vpn\" OR \"offl\"*"));
        assert_eq!(match_query("vpn").map(|q| q.any), Some(None));
    }

    #[test]
    fn a_description_of_more_than_four_words_matches_any_word_at_once() {
        let four = match_query("Outlook asks password again").expect("words");
        assert_eq!(
            four.passes().collect::<Vec<_>>(),
            [
                "\"outlook\" AND \"asks\" AND \"password\" AND \"again\"*",
                "\"outlook\" OR \"asks\" OR \"password\" OR \"again\"*"
            ]
        );
        // A new request's subject and text, as filing a ticket matches it: one walk of the index.
        let filed =
            match_query("Printer offline It says offline since this morning; restarted it twice.")
                .expect("words");
        assert_eq!(filed.all, None);
        assert_eq!(filed.passes().count(), 1);
        assert_eq!(
            filed.any.as_deref(),
            Some(
                "(\"printer\" OR \"print\"*) OR \"says\" OR \"offline\" OR \"since\" OR \
                 (\"morning\" OR \"morn\"*) OR (\"restarted\" OR \"restart\"*) OR \"twice\"*"
            )
        );
    }

    #[test]
    fn hyphen_and_spacing_variants_are_one_word() {
        assert_eq!(
            all("Wi-Fi VPN").as_deref(),
            Some("(\"wi fi\" OR \"wifi\") AND \"vpn\"*")
        );
        assert_eq!(
            all("wi fi VPN").as_deref(),
            Some("((\"wi\" AND \"fi\") OR \"wifi\") AND \"vpn\"*")
        );
        assert_eq!(
            all("wifi VPN").as_deref(),
            Some("\"wifi\" AND \"vpn\"*"),
            "one lookup: the index keeps \"Wi-Fi\" joined up as \"wifi\" too"
        );
        assert_eq!(
            all("e mail").as_deref(),
            Some("((\"e\" AND \"mail\") OR \"email\")")
        );
        assert_eq!(all("x-ray").as_deref(), Some("(\"x ray\" OR \"xray\")"));
    }

    #[test]
    fn punctuation_filler_and_single_letters_search_nothing() {
        assert_eq!(match_query("!!! ?? -- \"\""), None);
        assert_eq!(match_query("a b c"), None);
        assert_eq!(match_query("x y z"), None);
        assert_eq!(match_query(""), None);
        assert_eq!(match_query("the my a"), None);
    }

    #[test]
    fn a_huge_query_is_cut_to_eight_words_of_the_first_200_characters() {
        let q: String = (0..2_000).map(|i| format!("w{i} ")).collect();
        let expression = any(&q).expect("words");
        assert_eq!(expression.matches(" OR ").count() + 1, 8);
        assert!(expression.starts_with("\"w0\" OR \"w1\""));
        let long = "x".repeat(10_000);
        let expression = all(&long).expect("a word");
        assert_eq!(expression.len(), MAX_QUERY_CHARS + 3);
    }

    #[test]
    fn a_repeated_word_is_searched_once_where_it_was_said_last() {
        assert_eq!(
            all("VPN says. The vpn says vpn").as_deref(),
            Some("\"says\" AND \"vpn\"*")
        );
        assert_eq!(all("VPN vpn VPN").as_deref(), Some("\"vpn\"*"));
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
    fn a_snippet_reads_as_plain_text_not_markdown() {
        assert_eq!(
            snippet_html("says the printer is **\u{2}offline\u{3}**, printing"),
            "says the printer is <mark>offline</mark>, printing"
        );
        assert_eq!(
            snippet_html(
                "## Try this\n\n1. Open *Settings* and `lpstat`\n- [x] see [the guide](https://x.example/a_b) \\*now"
            ),
            "Try this 1. Open Settings and lpstat see the guide *now"
        );
        assert_eq!(
            snippet_html("a | b\n---|---\nmy_file _note_"),
            "a b my_file note"
        );
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
