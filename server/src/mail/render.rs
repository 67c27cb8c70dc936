//! Notification messages as people read them: a subject with the ticket's `[#id]`, a plain
//! text part and an HTML part (every piece of user text escaped, or rendered from Markdown
//! and sanitised), the portal's link to the ticket, and the footer (how to answer by mail,
//! how to stop this kind).

use crate::db::mail_preferences::{DigestCounts, MailTicket};
use app::mail::preferences::Kind;

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    /// Sanitised: user text in it is escaped or passed through ammonia.
    pub html: String,
}

/// A public reply as mail shows it: who wrote it, its Markdown, and that rendered safe.
#[derive(Debug, Clone)]
pub struct Reply {
    pub author: String,
    pub markdown: String,
    pub html: String,
}

/// What a message about a ticket says beyond the ticket itself.
#[derive(Debug, Clone)]
pub enum Details {
    Received,
    /// A new ticket for staff: its text, rendered safe.
    NewTicket {
        markdown: String,
        html: String,
    },
    Reply(Reply),
    Status {
        status: String,
    },
    Closed,
    Assigned,
    /// `target`: `first_response` or `resolution`.
    SlaWarning {
        target: String,
        due: Option<String>,
    },
    SlaMissed {
        target: String,
    },
}

/// Who a message is for and the links it carries.
pub struct Frame<'a> {
    /// The portal's address, without a trailing slash.
    pub base_url: &'a str,
    pub recipient_name: &'a str,
    /// The client's people may answer by mail; staff are pointed to the portal.
    pub reply_by_mail: bool,
    pub unsubscribe_url: Option<&'a str>,
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The portal's page of ticket `id`.
pub fn ticket_url(base_url: &str, id: i64) -> String {
    format!("{}/tickets/{id}", base_url.trim_end_matches('/'))
}

fn target_label(target: &str) -> &'static str {
    match target {
        "first_response" => "first response",
        _ => "resolution",
    }
}

fn status_line(status: &str) -> (&'static str, &'static str) {
    match status {
        "pending" => (
            "waits on you",
            "We need something from you before we can go on. Reply to this email, or on the \
             portal, to answer.",
        ),
        "resolved" => (
            "was resolved",
            "We think this is solved. If it is not, reply to this email to reopen it.",
        ),
        "open" => ("is open again", "We are working on it."),
        _ => ("changed", ""),
    }
}

/// A message of `kind` about `ticket`.
pub fn ticket_message(
    kind: Kind,
    ticket: &MailTicket,
    details: &Details,
    frame: &Frame,
) -> Rendered {
    let url = ticket_url(frame.base_url, ticket.id);
    let tag = format!("[#{}]", ticket.id);
    // (subject's lead, first paragraph as text, extra text part, extra HTML part)
    let (lead, intro, body_text, body_html): (String, String, String, String) = match details {
        Details::Received => (
            "Request received".into(),
            format!(
                "We received your request #{} \"{}\" and will get back to you.",
                ticket.id, ticket.subject
            ),
            String::new(),
            String::new(),
        ),
        Details::NewTicket { markdown, html } => (
            format!("New {} ticket", ticket.priority),
            format!(
                "{} of {} filed ticket #{} \"{}\" ({} priority).",
                ticket.requester_name, ticket.org_name, ticket.id, ticket.subject, ticket.priority
            ),
            markdown.clone(),
            html.clone(),
        ),
        Details::Reply(reply) => (
            if kind == Kind::RequesterReplied {
                "Requester replied".into()
            } else {
                "New reply".into()
            },
            format!(
                "{} replied on #{} \"{}\":",
                reply.author, ticket.id, ticket.subject
            ),
            reply.markdown.clone(),
            reply.html.clone(),
        ),
        Details::Status { status } => {
            let (what, next) = status_line(status);
            (
                format!("Your request {what}"),
                format!(
                    "Your request #{} \"{}\" {what}. {next}",
                    ticket.id, ticket.subject
                ),
                String::new(),
                String::new(),
            )
        }
        Details::Closed => (
            "Request closed".into(),
            format!(
                "Your request #{} \"{}\" was closed. To ask about it again, file a new request.",
                ticket.id, ticket.subject
            ),
            String::new(),
            String::new(),
        ),
        Details::Assigned => (
            "Assigned to you".into(),
            format!(
                "Ticket #{} \"{}\" of {} ({} priority) was assigned to you.",
                ticket.id, ticket.subject, ticket.org_name, ticket.priority
            ),
            String::new(),
            String::new(),
        ),
        Details::SlaWarning { target, due } => (
            format!("The {} target is about to be missed", target_label(target)),
            format!(
                "The {} target of ticket #{} \"{}\" ({}) is due{}.",
                target_label(target),
                ticket.id,
                ticket.subject,
                ticket.org_name,
                due.as_deref()
                    .map(|d| format!(" at {d}"))
                    .unwrap_or_else(|| " soon".into())
            ),
            String::new(),
            String::new(),
        ),
        Details::SlaMissed { target } => (
            format!("The {} target was missed", target_label(target)),
            format!(
                "The {} target of ticket #{} \"{}\" ({}) was missed.",
                target_label(target),
                ticket.id,
                ticket.subject,
                ticket.org_name
            ),
            String::new(),
            String::new(),
        ),
    };
    let subject = format!("{tag} {lead}: {}", one_line(&ticket.subject));
    let footer = footer(frame);
    let mut text = format!("Hello {},\n\n{intro}\n\n", frame.recipient_name);
    if !body_text.is_empty() {
        for line in body_text.lines() {
            text.push_str("> ");
            text.push_str(line);
            text.push('\n');
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "View it on the portal: {url}\n\n-- \n{}",
        footer.0
    ));
    let mut html = format!(
        "<!doctype html><html><body><p>Hello {},</p><p>{}</p>",
        escape(frame.recipient_name),
        escape(&intro)
    );
    if !body_html.is_empty() {
        html.push_str(
            "<blockquote style=\"margin:0 0 1em;padding-left:1em;border-left:3px solid #ccc\">",
        );
        html.push_str(&body_html);
        html.push_str("</blockquote>");
    }
    html.push_str(&format!(
        "<p><a href=\"{}\">View ticket #{} on the portal</a></p><hr><p style=\"color:#666;font-size:smaller\">{}</p></body></html>",
        escape(&url),
        ticket.id,
        footer.1
    ));
    Rendered {
        subject,
        text,
        html,
    }
}

/// The footer as text and as HTML.
fn footer(frame: &Frame) -> (String, String) {
    let mut text = String::new();
    let mut html = String::new();
    if frame.reply_by_mail {
        text.push_str("Reply to this email to add to the request.\n");
        html.push_str("Reply to this email to add to the request.<br>");
    } else {
        text.push_str("Answer on the portal; this message was sent automatically.\n");
        html.push_str("Answer on the portal; this message was sent automatically.<br>");
    }
    if let Some(unsubscribe) = frame.unsubscribe_url {
        text.push_str(&format!("Stop these emails: {unsubscribe}\n"));
        html.push_str(&format!(
            "<a href=\"{}\">Stop these emails</a>",
            escape(unsubscribe)
        ));
    }
    (text, html)
}

/// A subject on one line: mail headers end at a line break.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A manager's digest of their organization's tickets over `period` (e.g. "yesterday").
pub fn digest(
    org_name: &str,
    period: &str,
    counts: &DigestCounts,
    base_url: &str,
    frame: &Frame,
) -> Rendered {
    let url = format!("{}/tickets", base_url.trim_end_matches('/'));
    let rows = [
        ("Opened", counts.opened),
        ("Resolved", counts.resolved),
        ("Still open", counts.still_open),
        ("Waiting on your people", counts.waiting),
    ];
    let subject = format!("{}'s tickets {period}", one_line(org_name));
    let mut text = format!(
        "Hello {},\n\nYour organization's tickets {period}:\n\n",
        frame.recipient_name
    );
    let mut html = format!(
        "<!doctype html><html><body><p>Hello {},</p><p>{}'s tickets {}:</p><table>",
        escape(frame.recipient_name),
        escape(org_name),
        escape(period)
    );
    for (label, n) in rows {
        text.push_str(&format!("  {label}: {n}\n"));
        html.push_str(&format!(
            "<tr><th align=\"left\">{label}</th><td>{n}</td></tr>"
        ));
    }
    let footer = footer(&Frame {
        reply_by_mail: false,
        ..*frame
    });
    text.push_str(&format!(
        "\nSee them on the portal: {url}\n\n-- \n{}",
        footer.0
    ));
    html.push_str(&format!(
        "</table><p><a href=\"{}\">See them on the portal</a></p><hr><p style=\"color:#666;font-size:smaller\">{}</p></body></html>",
        escape(&url),
        footer.1
    ));
    Rendered {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> MailTicket {
        MailTicket {
            id: 42,
            subject: "Printer <b>on fire</b>\nnow".into(),
            status: "open".into(),
            priority: "urgent".into(),
            org_id: 2,
            org_name: "Acme".into(),
            requester_id: 10,
            requester_name: "Rob".into(),
            assignee_id: None,
            body: "text".into(),
        }
    }

    fn frame() -> Frame<'static> {
        Frame {
            base_url: "https://help.example.com/",
            recipient_name: "Rob <script>",
            reply_by_mail: true,
            unsubscribe_url: Some("https://help.example.com/mail/unsubscribe?t=ab"),
        }
    }

    #[test]
    fn a_message_has_the_tag_the_link_the_footer_and_escapes_what_people_wrote() {
        let reply = Reply {
            author: "Tom".into(),
            markdown: "Try *this*".into(),
            html: crate::markdown::render("Try *this*<script>alert(1)</script>"),
        };
        let m = ticket_message(
            Kind::PublicReply,
            &ticket(),
            &Details::Reply(reply),
            &frame(),
        );

        assert!(
            m.subject
                .starts_with("[#42] New reply: Printer <b>on fire</b> now")
        );
        assert!(!m.subject.contains('\n'));
        assert!(m.text.contains("https://help.example.com/tickets/42"));
        assert!(m.text.contains("> Try *this*"));
        assert!(
            m.text
                .contains("Reply to this email to add to the request.")
        );
        assert!(m.html.contains("<em>this</em>"));
        assert!(!m.html.contains("<script"), "{}", m.html);
        assert!(!m.html.contains("<b>on fire"), "{}", m.html);
        assert!(m.html.contains("mail/unsubscribe?t=ab"));
    }

    #[test]
    fn resolved_tells_the_requester_a_reply_reopens() {
        let m = ticket_message(
            Kind::StatusChanged,
            &ticket(),
            &Details::Status {
                status: "resolved".into(),
            },
            &frame(),
        );
        assert!(
            m.text.contains("reply to this email to reopen"),
            "{}",
            m.text
        );
    }
}
