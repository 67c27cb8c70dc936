//! Canned replies: answers the provider's staff write once and insert into any ticket, with
//! placeholders filled in from the ticket.

use super::TicketId;
use crate::error::{AppError, Validator};
use serde::{Deserialize, Serialize};

pub mod page;

/// The placeholders a canned reply may use, with what each stands for.
pub const PLACEHOLDERS: [(&str, &str); 6] = [
    ("requester_first_name", "the requester's first name"),
    ("requester_name", "the requester's full name"),
    ("ticket_number", "the ticket's number"),
    ("ticket_subject", "the ticket's subject"),
    ("technician_first_name", "your first name"),
    ("org_name", "the requester's organization"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CannedReply {
    pub id: i64,
    pub title: String,
    /// Markdown with `{{placeholders}}`.
    pub body: String,
    pub updated_by: String,
}

/// A canned reply as written, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedDraft {
    pub title: String,
    pub body: String,
}

impl CannedDraft {
    pub fn parse(title: &str, body: &str) -> Result<CannedDraft, AppError> {
        let mut v = Validator::new();
        let title = v.check("title", {
            let t = title.trim();
            if t.is_empty() {
                Err("Give the reply a title to find it by.".to_string())
            } else if t.chars().count() > 100 {
                Err("A title has at most 100 characters.".to_string())
            } else if t.chars().any(char::is_control) {
                Err("A title is one line of text.".to_string())
            } else {
                Ok(t.to_string())
            }
        });
        let body = v.check(
            "body",
            super::Body::parse(body, "Write the reply.").map(|b| b.as_str().to_string()),
        );
        v.finish(|| {
            Some(CannedDraft {
                title: title?,
                body: body?,
            })
        })
    }
}

/// What the placeholders stand for on one ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceholderValues {
    pub requester_name: String,
    pub ticket_number: TicketId,
    pub ticket_subject: String,
    pub technician_name: String,
    pub org_name: String,
}

/// The first word of a name: "Rob" of "Rob Requester".
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// Fills `{{placeholder}}`s in (spaces inside the braces allowed); unknown ones stay as
/// written, so a typo shows in the preview instead of vanishing.
pub fn expand(template: &str, values: &PlaceholderValues) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        let value = match name {
            "requester_first_name" => Some(first_name(&values.requester_name).to_string()),
            "requester_name" => Some(values.requester_name.clone()),
            "ticket_number" => Some(values.ticket_number.to_string()),
            "ticket_subject" => Some(values.ticket_subject.clone()),
            "technician_first_name" => Some(first_name(&values.technician_name).to_string()),
            "org_name" => Some(values.org_name.clone()),
            _ => None,
        };
        match value {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Puts a canned reply into what is already written, at byte offset `at` (the cursor; the end
/// of the text without JavaScript), keeping every word typed. A blank line separates it from
/// text it would otherwise run into. Returns the new text and the offset just after the
/// inserted reply, where the cursor goes.
pub fn insert_at(text: &str, at: usize, reply: &str) -> (String, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let (before, after) = text.split_at(at);
    let lead = if before.is_empty() || before.ends_with('\n') {
        ""
    } else if before.ends_with(char::is_whitespace) {
        "\n"
    } else {
        "\n\n"
    };
    let trail = if after.is_empty() || after.starts_with(char::is_whitespace) {
        ""
    } else {
        "\n\n"
    };
    let mut out = String::with_capacity(text.len() + reply.len() + 4);
    out.push_str(before);
    out.push_str(lead);
    out.push_str(reply);
    let cursor = out.len();
    out.push_str(trail);
    out.push_str(after);
    (out, cursor)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::accounts::Actor;

    /// Canned replies are the provider's: only its staff list, write or use them.
    #[async_trait::async_trait]
    pub trait CannedReplies: Send + Sync {
        async fn list_canned(&self, actor: &Actor) -> Result<Vec<CannedReply>, AppError>;
        async fn get_canned(&self, actor: &Actor, id: i64) -> Result<CannedReply, AppError>;
        async fn create_canned(
            &self,
            actor: &Actor,
            draft: CannedDraft,
        ) -> Result<CannedReply, AppError>;
        async fn update_canned(
            &self,
            actor: &Actor,
            id: i64,
            draft: CannedDraft,
        ) -> Result<CannedReply, AppError>;
        async fn delete_canned(&self, actor: &Actor, id: i64) -> Result<(), AppError>;
        /// The reply with its placeholders filled in for `ticket`.
        async fn expand_canned(
            &self,
            actor: &Actor,
            id: i64,
            ticket: TicketId,
        ) -> Result<String, AppError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> PlaceholderValues {
        PlaceholderValues {
            requester_name: "Rob Requester".into(),
            ticket_number: 1042,
            ticket_subject: "Printer offline".into(),
            technician_name: "Tom Technician".into(),
            org_name: "Acme Dental".into(),
        }
    }

    #[test]
    fn placeholders_are_filled_in_from_the_ticket() {
        let text = expand(
            "Hi {{requester_first_name}}, about #{{ ticket_number }} ({{ticket_subject}}): \
             done. {{technician_first_name}}, {{org_name}} desk",
            &values(),
        );
        assert_eq!(
            text,
            "Hi Rob, about #1042 (Printer offline): done. Tom, Acme Dental desk"
        );
    }

    #[test]
    fn unknown_and_unclosed_placeholders_stay_as_written() {
        assert_eq!(expand("{{nope}} and {{", &values()), "{{nope}} and {{");
        assert_eq!(expand("no braces", &values()), "no braces");
    }

    #[test]
    fn a_canned_reply_goes_in_at_the_cursor_and_keeps_what_was_typed() {
        assert_eq!(insert_at("", 0, "Steps"), ("Steps".into(), 5));
        assert_eq!(
            insert_at("Hi Rob,", 7, "Steps"),
            ("Hi Rob,\n\nSteps".into(), 14)
        );
        assert_eq!(
            insert_at("Hi Rob,\n", 8, "Steps"),
            ("Hi Rob,\nSteps".into(), 13)
        );
        let (text, cursor) = insert_at("Hi Rob,\n\nThanks", 9, "Steps");
        assert_eq!(text, "Hi Rob,\n\nSteps\n\nThanks");
        assert_eq!(&text[..cursor], "Hi Rob,\n\nSteps");
        // Past the end, or inside a character, the cursor is moved to a boundary.
        assert_eq!(insert_at("é", 1, "x").0, "x\n\né");
        assert_eq!(insert_at("ab", 99, "x").0, "ab\n\nx");
    }

    #[test]
    fn a_draft_needs_a_one_line_title_and_a_body() {
        let err = CannedDraft::parse(" ", "").unwrap_err();
        assert!(err.field("title").is_some());
        assert!(err.field("body").is_some());
        assert!(CannedDraft::parse("a\nb", "x").is_err());
        assert_eq!(
            CannedDraft::parse(" Reset ", " Steps ").unwrap(),
            CannedDraft {
                title: "Reset".into(),
                body: "Steps".into()
            }
        );
    }
}
