//! "What fixed it?" asked while resolving: the articles a fix may be added to, the check that
//! a new draft would not repeat an article that exists, and the part of the staff form that
//! asks.

use crate::components::FieldError;
use crate::error::AppError;
use crate::wiki::{LinkKind, TicketArticle};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Why an article is offered for the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FixReason {
    /// Suggested to the requester while they wrote the request.
    Suggested,
    /// Already tied to the ticket as what resolved it.
    ResolvedWith,
    /// Its title is near the ticket's subject, which a new draft would be called.
    SimilarTitle,
}

impl FixReason {
    fn label(self) -> &'static str {
        match self {
            FixReason::Suggested => "suggested to the requester",
            FixReason::ResolvedWith => "resolved with",
            FixReason::SimilarTitle => "similar title",
        }
    }
}

/// An article the fix may be added to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixArticle {
    pub slug: String,
    pub title: String,
    pub reason: FixReason,
}

/// What the resolve form offers: the ticket's articles, then those with a near title.
pub fn choices(linked: &[TicketArticle], near: Vec<FixArticle>) -> Vec<FixArticle> {
    let mut out: Vec<FixArticle> = Vec::new();
    for a in linked {
        if !out.iter().any(|o| o.slug == a.slug) {
            out.push(FixArticle {
                slug: a.slug.clone(),
                title: a.title.clone(),
                reason: match a.kind {
                    LinkKind::Suggested => FixReason::Suggested,
                    LinkKind::ResolvedWith => FixReason::ResolvedWith,
                },
            });
        }
    }
    for a in near {
        if !out.iter().any(|o| o.slug == a.slug) {
            out.push(a);
        }
    }
    out
}

/// Words that say nothing about the problem.
const FILLER: [&str; 16] = [
    "the", "and", "for", "with", "not", "can", "cannot", "cant", "does", "doesnt", "dont", "has",
    "how", "won", "wont", "again",
];

/// A title's telling words: lower case, a hyphen or dot inside a word dropped ("Wi-Fi" is
/// "wifi"), words of one or two letters and filler left out.
fn words(title: &str) -> Vec<String> {
    let joined: String = title
        .chars()
        .filter(|c| !matches!(c, '-' | '.' | '\'' | '’'))
        .flat_map(char::to_lowercase)
        .collect();
    let mut out: Vec<String> = joined
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2 && !FILLER.contains(w))
        .map(|w| w.trim_end_matches('s').to_string())
        .filter(|w| !w.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether an article called `title` is likely the same problem as a new draft called
/// `subject`: the telling words of the shorter are all in the longer, or half of all their
/// words are shared.
pub fn near_titles(subject: &str, title: &str) -> bool {
    let (a, b) = (words(subject), words(title));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let shared = a.iter().filter(|w| b.contains(w)).count();
    let union = a.len() + b.len() - shared;
    shared == a.len().min(b.len()) || shared * 2 >= union
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::Actor;
    use crate::backend::Backend;
    use crate::tickets::TicketId;
    use crate::wiki::{Capture, CaptureInput};

    /// How many search hits are weighed for a near title.
    const CANDIDATES: usize = 10;

    /// Articles the caller may read whose titles are near `subject`, found through the wiki's
    /// own search (all words, drafts included for staff) and suggestions (any word).
    pub async fn near_articles(
        backend: &Backend,
        actor: &Actor,
        subject: &str,
    ) -> Result<Vec<FixArticle>, AppError> {
        let mut hits = backend.wiki.search(actor, subject, CANDIDATES).await?;
        hits.extend(backend.wiki.suggest(actor, subject, CANDIDATES).await?);
        let mut out: Vec<FixArticle> = Vec::new();
        for hit in hits {
            if near_titles(subject, &hit.title) && !out.iter().any(|o| o.slug == hit.slug) {
                out.push(FixArticle {
                    slug: hit.slug,
                    title: hit.title,
                    reason: FixReason::SimilarTitle,
                });
            }
        }
        Ok(out)
    }

    /// The fix sent with a resolve, checked before anything is saved: `None` when no fix was
    /// written. `article` is the slug to add it to, or `new`/nothing for a new draft, which is
    /// refused while an article with a near title exists unless `anyway`.
    pub async fn prepare(
        backend: &Backend,
        actor: &Actor,
        ticket: TicketId,
        fix: Option<String>,
        article: Option<String>,
        anyway: bool,
    ) -> Result<Option<Capture>, AppError> {
        let Some(fix) = fix.filter(|f| !f.trim().is_empty()) else {
            return Ok(None);
        };
        // The wiki is the provider's; a client's people never write to it from here.
        if !actor.is_provider_staff() {
            return Err(AppError::Forbidden);
        }
        // Read through the tickets' own rule (without an access log entry: the page's open
        // wrote one).
        let subject = backend.tickets.get(actor, ticket).await?.summary.subject;
        let append_to = match article.as_deref().map(str::trim) {
            None | Some("") | Some("new") => String::new(),
            Some(slug) => slug.to_string(),
        };
        let capture = CaptureInput {
            symptom: subject.clone(),
            cause: String::new(),
            fix,
            append_to,
        }
        .parse()
        .map_err(|err| match err {
            // The form calls the article's field `fix_article`.
            AppError::Invalid { mut fields } => {
                if let Some(messages) = fields.remove("append_to") {
                    fields.insert("fix_article".to_string(), messages);
                }
                AppError::Invalid { fields }
            }
            other => other,
        })?;
        if capture.append_to.is_none() && !anyway {
            let near = near_articles(backend, actor, &subject).await?;
            if let Some(first) = near.first() {
                return Err(AppError::invalid(
                    "fix_article",
                    format!(
                        "“{}” may already cover this: add the fix to it, or tick “Draft a new \
                         article anyway”.",
                        first.title
                    ),
                ));
            }
        }
        Ok(Some(capture))
    }
}

/// The resolve form's "What fixed it?": shown (by CSS, so also without JavaScript) while
/// Resolved is the chosen status.
#[component]
pub fn WhatFixedIt(
    choices: Vec<FixArticle>,
    /// What is typed, kept by the page across re-renders.
    text: RwSignal<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let near = choices
        .iter()
        .find(|c| c.reason == FixReason::SimilarTitle)
        .cloned();
    // A near title is the likelier home for the fix than a new draft.
    let preferred = near.as_ref().map(|n| n.slug.clone());
    let new_checked = preferred.is_none();
    view! {
        <fieldset class="what-fixed-it" aria-describedby="resolve-fix-hint">
            <legend>"What fixed it? (optional)"</legend>
            <p id="resolve-fix-hint" class="muted">
                "Saved to the wiki when the ticket is resolved, so the next one is quicker."
            </p>
            <div class="field">
                <label for="resolve-fix">"What fixed it?"</label>
                <textarea
                    id="resolve-fix"
                    name="fix"
                    rows="3"
                    aria-describedby="resolve-fix-error"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                ></textarea>
                <FieldError id="resolve-fix-error" field="fix" error=error />
            </div>
            <fieldset class="fix-article" aria-describedby="resolve-article-error">
                <legend>"Save it to"</legend>
                {choices
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let id = format!("fix-article-{i}");
                        let checked = preferred.as_deref() == Some(c.slug.as_str());
                        view! {
                            <div class="check">
                                <input
                                    id=id.clone()
                                    type="radio"
                                    name="fix_article"
                                    value=c.slug.clone()
                                    checked=checked
                                />
                                <label for=id>
                                    {format!("Add to “{}”", c.title)}
                                    <span class="muted">{format!(" · {}", c.reason.label())}</span>
                                </label>
                            </div>
                        }
                    })
                    .collect_view()}
                <div class="check">
                    <input
                        id="fix-article-new"
                        type="radio"
                        name="fix_article"
                        value="new"
                        checked=new_checked
                    />
                    <label for="fix-article-new">"A new draft article"</label>
                </div>
                <FieldError id="resolve-article-error" field="fix_article" error=error />
            </fieldset>
            {near
                .map(|near| {
                    view! {
                        <p class="warning" id="resolve-near">
                            {format!(
                                "“{}” has a similar title: add the fix to it rather than drafting a new article.",
                                near.title,
                            )}
                        </p>
                        <div class="check">
                            <input
                                id="fix-new-anyway"
                                type="checkbox"
                                name="fix_new_anyway"
                                value="on"
                            />
                            <label for="fix-new-anyway">"Draft a new article anyway"</label>
                        </div>
                    }
                })}
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_with_the_same_telling_words_are_near() {
        assert!(near_titles("Printer offline", "Printer shows offline"));
        assert!(near_titles("Wi-Fi keeps dropping", "wifi keeps dropping"));
        assert!(near_titles("VPN won't connect", "VPN does not connect"));
        assert!(!near_titles("Teams has no sound", "Audio fix"));
        assert!(!near_titles(
            "Printer offline",
            "Outlook asks for a password"
        ));
        assert!(!near_titles("", "Printer offline"));
    }

    #[test]
    fn the_tickets_articles_come_first_and_once() {
        let linked = vec![TicketArticle {
            slug: "printer-offline".into(),
            title: "Printer offline".into(),
            kind: LinkKind::Suggested,
        }];
        let near = vec![
            FixArticle {
                slug: "printer-offline".into(),
                title: "Printer offline".into(),
                reason: FixReason::SimilarTitle,
            },
            FixArticle {
                slug: "printer-jams".into(),
                title: "Printer jams".into(),
                reason: FixReason::SimilarTitle,
            },
        ];
        let all = choices(&linked, near);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].reason, FixReason::Suggested);
        assert_eq!(all[1].slug, "printer-jams");
    }
}
