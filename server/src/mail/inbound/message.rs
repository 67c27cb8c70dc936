//! A raw message read from a mailbox, turned into what filing needs: the sender, the
//! recipients, the ids it refers to, the signals of automatic mail, the body as plain text
//! with quoted history and signature trimmed, and its attachments as they came (archives are
//! never unpacked).

use mail_parser::{MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

/// A message as filing sees it.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    /// What makes it unique: its Message-ID (lowercased, in angle brackets) or a hash of
    /// the raw message when it has none.
    pub dedupe_key: String,
    /// Without angle brackets.
    pub message_id: Option<String>,
    /// The sender's address, lowercased.
    pub from: Option<String>,
    pub from_name: String,
    /// Every address it was sent to: To, Cc, Delivered-To, X-Original-To.
    pub recipients: Vec<String>,
    pub subject: String,
    /// `In-Reply-To` and `References`, without angle brackets, oldest first.
    pub refs: Vec<String>,
    pub signals: Signals,
    /// The body as plain text, quoted history and signature trimmed.
    pub body: String,
    pub attachments: Vec<Attachment>,
    /// What an admin should know about how it was read (script removed, ...).
    pub notes: Vec<String>,
}

/// A file that came with a message, stored as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The headers that tell automatic mail from a person's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    pub auto_submitted: Option<String>,
    pub precedence: Option<String>,
    /// `X-Autoreply`, `X-Autorespond` or `X-Auto-Response` present.
    pub autoreply_header: bool,
    /// `List-Id` or `List-Unsubscribe` present.
    pub list: bool,
    /// `Return-Path: <>`: a bounce or another message that must not be answered.
    pub null_return_path: bool,
    /// `multipart/report`: a delivery or read report.
    pub report: bool,
}

/// Why a message could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub reason: String,
    /// What could be told of it, for the entry.
    pub from: String,
    pub subject: String,
}

/// The key a raw message without a Message-ID is remembered by.
pub fn hash_key(raw: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(raw)))
}

/// The key of a message with `message_id`, or of `raw` without one.
pub fn dedupe_key(message_id: Option<&str>, raw: &[u8]) -> String {
    match message_id.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => format!("<{}>", strip_brackets(id).to_lowercase()),
        None => hash_key(raw),
    }
}

fn strip_brackets(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

/// Reads `raw`. Fails only when there is nothing to file from: no parseable message or no
/// sender address.
pub fn parse(raw: &[u8]) -> Result<Incoming, Unreadable> {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Err(Unreadable {
            reason: "The message cannot be parsed as mail.".into(),
            from: String::new(),
            subject: String::new(),
        });
    };
    let subject = one_line(message.subject().unwrap_or_default());
    let from_addr = message.from().and_then(|a| a.first());
    let from = from_addr
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@') && !a.chars().any(char::is_whitespace));
    let from_name = one_line(from_addr.and_then(|a| a.name()).unwrap_or_default());
    let Some(from) = from else {
        return Err(Unreadable {
            reason: "The message has no sender address (its From header is missing or broken)."
                .into(),
            from: from_name,
            subject,
        });
    };
    let message_id = message
        .message_id()
        .map(|id| strip_brackets(id).to_string())
        .filter(|id| !id.is_empty());

    let mut recipients = Vec::new();
    for list in [message.to(), message.cc()].into_iter().flatten() {
        for addr in list.iter() {
            if let Some(a) = addr.address() {
                recipients.push(a.trim().to_lowercase());
            }
        }
    }
    let mut signals = Signals::default();
    let mut refs = Vec::new();
    for (name, value) in message.headers_raw() {
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "delivered-to" | "x-original-to" | "envelope-to" => {
                recipients.push(strip_brackets(value).to_lowercase())
            }
            "auto-submitted" => signals.auto_submitted = Some(header_word(value)),
            "precedence" => signals.precedence = Some(header_word(value)),
            "x-autoreply" | "x-autorespond" | "x-auto-response" => signals.autoreply_header = true,
            "list-id" | "list-unsubscribe" => signals.list = true,
            "return-path" => signals.null_return_path |= strip_brackets(value).trim().is_empty(),
            "in-reply-to" | "references" => refs.extend(message_ids_in(value)),
            _ => {}
        }
    }
    // References hold the thread's ids oldest first; In-Reply-To the one answered. Keep the
    // order of first appearance, without repeats.
    let mut seen = std::collections::HashSet::new();
    refs.retain(|id| seen.insert(id.clone()));
    signals.report = message.root_part().is_content_type("multipart", "report");

    let mut notes = Vec::new();
    let text = match message.body_text(0) {
        Some(text) => {
            if (message.text_body_count() == 0 || is_html_only(&message))
                && message
                    .body_html(0)
                    .is_some_and(|html| contains_script(&html))
            {
                notes
                    .push("The HTML body contained script; it was kept as plain text only.".into());
            }
            text.into_owned()
        }
        None => String::new(),
    };
    let body = trim_reply(&text);

    let mut attachments = Vec::new();
    for (n, part) in message.attachments().enumerate() {
        let nested = part.is_message();
        let name = part
            .attachment_name()
            .map(one_line)
            .map(|n| n.replace(['/', '\\'], "_"))
            .filter(|n| !n.is_empty() && n != "." && n != "..")
            .unwrap_or_else(|| {
                if nested {
                    format!("forwarded-message-{}.eml", n + 1)
                } else {
                    format!("attachment-{}", n + 1)
                }
            });
        if nested {
            notes.push(format!(
                "A forwarded message was attached as \"{name}\"; it was kept as a file, not read."
            ));
        }
        attachments.push(Attachment {
            name: name.chars().take(200).collect(),
            bytes: part.contents().to_vec(),
        });
    }

    Ok(Incoming {
        dedupe_key: dedupe_key(message_id.as_deref(), raw),
        message_id,
        from: Some(from),
        from_name,
        recipients,
        subject,
        refs,
        signals,
        body,
        attachments,
        notes,
    })
}

/// What can be told of a message from its headers alone (a message too big to fetch whole).
pub fn parse_headers(raw_headers: &[u8]) -> (Option<String>, String, String) {
    let Some(message) = MessageParser::default().parse_headers(raw_headers) else {
        return (None, String::new(), String::new());
    };
    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .unwrap_or_default();
    (
        message
            .message_id()
            .map(|id| strip_brackets(id).to_string())
            .filter(|id| !id.is_empty()),
        from,
        one_line(message.subject().unwrap_or_default()),
    )
}

fn is_html_only(message: &mail_parser::Message<'_>) -> bool {
    message
        .text_part(0)
        .is_some_and(mail_parser::MessagePart::is_text_html)
}

fn contains_script(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    ["<script", "javascript:", "onerror=", "onload=", "onclick="]
        .iter()
        .any(|needle| lower.contains(needle))
}

/// The first word of a header's value, lowercased: `auto-replied; foo` → `auto-replied`.
fn header_word(value: &str) -> String {
    value
        .split([';', ' ', '\t', '\r', '\n'])
        .find(|w| !w.is_empty())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The `<id>`s in a header's value, without brackets.
fn message_ids_in(value: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start + 1..].find('>') else {
            break;
        };
        let id = rest[start + 1..start + 1 + len].trim();
        if !id.is_empty() {
            ids.push(id.to_string());
        }
        rest = &rest[start + 1 + len + 1..];
    }
    if ids.is_empty() {
        ids.extend(
            value
                .split_whitespace()
                .filter(|w| w.contains('@'))
                .map(str::to_string),
        );
    }
    ids
}

/// One line of text, without control characters.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The new text of a reply: quoted history (`> ` lines, `On … wrote:`, Outlook's
/// `From: … Sent:` block and `-----Original Message-----`) and the signature (after a `-- `
/// line) cut off. A message that is all quote keeps its text, so nothing becomes empty.
pub fn trim_reply(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed == "--" || *line == "-- " {
            break;
        }
        if is_history_start(&lines, i) {
            break;
        }
        if trimmed.starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    let trimmed = kept.join("\n").trim().to_string();
    if trimmed.is_empty() {
        text.trim().to_string()
    } else {
        collapse_blank_lines(&trimmed)
    }
}

fn collapse_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// Whether the quoted history of a reply starts at line `i`.
fn is_history_start(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    let lower = line.to_lowercase();
    if lower.starts_with("-----original message-----")
        || lower.starts_with("----- original message -----")
    {
        return true;
    }
    // "On Mon, 3 Jun 2024 at 10:00, Ann <ann@example.com> wrote:", which clients may wrap
    // over two lines; also German "Am … schrieb …:".
    let attribution = |l: &str| {
        let l = l.trim().to_lowercase();
        (l.starts_with("on ") && l.ends_with("wrote:"))
            || (l.starts_with("am ") && l.contains("schrieb") && l.ends_with(':'))
    };
    if attribution(line) {
        return true;
    }
    if lower.starts_with("on ")
        && let Some(next) = lines.get(i + 1)
        && attribution(&format!("{line} {}", next.trim()))
    {
        return true;
    }
    // Outlook: "From: …" followed within a few lines by "Sent: …" (or "Date:"), often after a
    // line of underscores.
    if lower.starts_with("from:") {
        return lines.iter().skip(i + 1).take(4).any(|l| {
            let l = l.trim().to_lowercase();
            l.starts_with("sent:") || l.starts_with("date:")
        });
    }
    if line.len() >= 10 && line.chars().all(|c| c == '_') {
        return lines
            .get(i + 1)
            .is_some_and(|l| l.trim().to_lowercase().starts_with("from:"));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(headers: &str, body: &str) -> Vec<u8> {
        format!("{headers}\r\n\r\n{body}")
            .replace('\n', "\r\n")
            .replace("\r\r\n", "\r\n")
            .into_bytes()
    }

    #[test]
    fn a_plain_message_reads_its_sender_subject_ids_and_body() {
        let raw = mail(
            "From: Ann Example <Ann@Acme.Example>\nTo: help@desk.example\nCc: Bob <bob@acme.example>\n\
             Delivered-To: help+abc234@desk.example\nSubject: Printer\n broken\n\
             Message-ID: <X1@acme.example>\nIn-Reply-To: <r2@desk>\nReferences: <r1@desk> <r2@desk>",
            "It jams.\n\nAnn",
        );
        let m = parse(&raw).unwrap();
        assert_eq!(m.from.as_deref(), Some("ann@acme.example"));
        assert_eq!(m.from_name, "Ann Example");
        assert_eq!(m.subject, "Printer broken");
        assert_eq!(m.message_id.as_deref(), Some("X1@acme.example"));
        assert_eq!(m.dedupe_key, "<x1@acme.example>");
        assert_eq!(m.refs, vec!["r2@desk", "r1@desk"]);
        assert!(
            m.recipients
                .contains(&"help+abc234@desk.example".to_string())
        );
        assert!(m.recipients.contains(&"bob@acme.example".to_string()));
        assert_eq!(m.body, "It jams.\n\nAnn");
        assert_eq!(m.signals, Signals::default());
    }

    #[test]
    fn a_message_without_message_id_is_keyed_by_its_bytes() {
        let a = mail("From: a@x.example\nSubject: s", "one");
        let b = mail("From: a@x.example\nSubject: s", "two");
        let ka = parse(&a).unwrap().dedupe_key;
        assert!(ka.starts_with("sha256:"));
        assert_eq!(ka, parse(&a).unwrap().dedupe_key);
        assert_ne!(ka, parse(&b).unwrap().dedupe_key);
    }

    #[test]
    fn automatic_mail_shows_its_signals() {
        let raw = mail(
            "From: a@x.example\nAuto-Submitted: auto-replied; owner-email=x\nPrecedence: Bulk\n\
             X-Autoreply: yes\nList-Id: <l.x.example>\nReturn-Path: <>",
            "away",
        );
        let s = parse(&raw).unwrap().signals;
        assert_eq!(s.auto_submitted.as_deref(), Some("auto-replied"));
        assert_eq!(s.precedence.as_deref(), Some("bulk"));
        assert!(s.autoreply_header && s.list && s.null_return_path && !s.report);
    }

    #[test]
    fn a_delivery_report_is_told() {
        let raw = mail(
            "From: MAILER-DAEMON@x.example\nMIME-Version: 1.0\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"",
            "--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\n\
             Status: 5.0.0\n--b--",
        );
        assert!(parse(&raw).unwrap().signals.report);
    }

    #[test]
    fn an_html_body_with_script_becomes_text_without_the_script_and_a_note() {
        let raw = mail(
            "From: a@x.example\nSubject: hi\nMIME-Version: 1.0\nContent-Type: text/html",
            "<p>Hello <b>there</b></p><script>alert('x')</script><p>Bye</p>",
        );
        let m = parse(&raw).unwrap();
        assert!(m.body.contains("Hello there"), "{}", m.body);
        assert!(!m.body.contains("alert"), "{}", m.body);
        assert!(!m.body.contains('<'), "{}", m.body);
        assert_eq!(m.notes.len(), 1, "{:?}", m.notes);
    }

    #[test]
    fn no_sender_is_unreadable_and_says_why() {
        let err = parse(&mail("Subject: lost\nTo: help@x.example", "x")).unwrap_err();
        assert!(err.reason.contains("sender"), "{err:?}");
        assert_eq!(err.subject, "lost");
        assert!(parse(b"").is_err());
    }

    #[test]
    fn eight_bit_headers_and_broken_mime_still_read() {
        let mut raw = b"From: J\xc3\xbcrgen <j@x.example>\r\nSubject: Gr\xfc\xdfe \xff\r\n\
            Content-Type: multipart/mixed; boundary=\"never\"\r\n\r\nno parts here"
            .to_vec();
        raw.extend_from_slice(b"\r\n--never\r\nContent-Type: text/plain\r\n\r\nhalf");
        let m = parse(&raw).unwrap();
        assert_eq!(m.from.as_deref(), Some("j@x.example"));
        assert!(m.from_name.starts_with("J"));
        assert!(!m.subject.chars().any(char::is_control));
    }

    #[test]
    fn attachments_and_forwarded_messages_are_kept_as_files() {
        let raw = mail(
            "From: a@x.example\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"",
            "--b\nContent-Type: text/plain\n\nSee attached.\n--b\nContent-Type: application/zip\n\
             Content-Disposition: attachment; filename=\"../bomb.zip\"\nContent-Transfer-Encoding: base64\n\n\
             UEsDBA==\n--b\nContent-Type: message/rfc822\n\nFrom: c@y.example\nSubject: inner\n\ninner body\n--b--",
        );
        let m = parse(&raw).unwrap();
        assert_eq!(m.body, "See attached.");
        assert_eq!(m.attachments.len(), 2, "{:?}", m.attachments);
        assert_eq!(m.attachments[0].name, ".._bomb.zip");
        assert_eq!(m.attachments[0].bytes, b"PK\x03\x04");
        assert!(m.attachments[1].name.ends_with(".eml"));
        assert!(
            m.notes.iter().any(|n| n.contains("forwarded")),
            "{:?}",
            m.notes
        );
    }

    #[test]
    fn quoted_history_and_signatures_are_trimmed() {
        assert_eq!(
            trim_reply(
                "Thanks, works now.\n\nOn Mon, 3 Jun 2024 at 10:00, Help <h@x> wrote:\n> old"
            ),
            "Thanks, works now."
        );
        assert_eq!(
            trim_reply("Yes.\nOn Mon, 3 Jun 2024 at 10:00, Help\n<h@x> wrote:\n> old"),
            "Yes."
        );
        assert_eq!(
            trim_reply(
                "Fine.\r\n\r\n________________________________\r\nFrom: Help\r\nSent: Monday\r\nTo: me\r\n\r\nold"
            ),
            "Fine."
        );
        assert_eq!(
            trim_reply("Fine.\nFrom: Help <h@x>\nSent: Monday\nSubject: s\n\nold"),
            "Fine."
        );
        assert_eq!(trim_reply("Ok\n-----Original Message-----\nold"), "Ok");
        assert_eq!(trim_reply("Hi\n> quoted\nnew\n-- \nAnn\nCEO"), "Hi\nnew");
        assert_eq!(trim_reply("> all quote"), "> all quote");
        assert_eq!(
            trim_reply("From: is how I start\nno sent line"),
            "From: is how I start\nno sent line"
        );
    }
}
