//! The rules for what a message read from a mailbox becomes, as pure functions: automatic
//! mail and our own are ignored (never a ticket, never answered), and the ticket a reply
//! belongs to is found by its reply token, then the ids it refers to, then `[#123]`.

use super::message::{Incoming, Signals};
use crate::mail::Addresses;

/// Why a message is automatic mail, a loop or a list's, which is recorded and never filed
/// nor answered; `None` for a person's message.
pub fn noise(message: &Incoming, addresses: &Addresses) -> Option<String> {
    if let Some(reason) = automatic(&message.signals) {
        return Some(reason);
    }
    if let Some(from) = &message.from
        && (from.eq_ignore_ascii_case(addresses.from.email.as_ref())
            || from.eq_ignore_ascii_case(addresses.reply_base.email.as_ref())
            || addresses.reply_token(from).is_some())
    {
        return Some("Sent from Deskside's own address (a mail loop).".into());
    }
    if message
        .message_id
        .as_deref()
        .is_some_and(|id| addresses.is_ours(id))
    {
        return Some("One of Deskside's own messages came back (a mail loop).".into());
    }
    None
}

/// Why the headers mark a message as automatic (RFC 3834 and the conventions before it).
pub fn automatic(signals: &Signals) -> Option<String> {
    if let Some(value) = &signals.auto_submitted
        && value != "no"
    {
        return Some(format!("Automatic mail (Auto-Submitted: {value})."));
    }
    if let Some(value) = &signals.precedence
        && matches!(value.as_str(), "bulk" | "junk" | "list" | "auto_reply")
    {
        return Some(format!("Bulk or automatic mail (Precedence: {value})."));
    }
    if signals.autoreply_header {
        return Some("An automatic reply (X-Autoreply).".into());
    }
    if signals.report {
        return Some("A delivery or read report.".into());
    }
    if signals.null_return_path {
        return Some("A bounce or other mail that must not be answered (Return-Path <>).".into());
    }
    if signals.list {
        return Some("Mail from a mailing list (List-Id / List-Unsubscribe).".into());
    }
    None
}

/// The reply token in any address the message went to.
pub fn reply_token<'a>(message: &'a Incoming, addresses: &Addresses) -> Option<&'a str> {
    message
        .recipients
        .iter()
        .find_map(|address| addresses.reply_token(address))
}

/// The ticket number in a subject's `[#123]`, as notifications write it.
pub fn subject_ticket(subject: &str) -> Option<i64> {
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = &rest[start + 2..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && after[digits.len()..].starts_with(']') {
            return digits.parse().ok();
        }
        rest = after;
    }
    None
}

/// The domain of an address, lowercased.
pub fn domain_of(address: &str) -> Option<String> {
    let (_, domain) = address.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('>').to_lowercase();
    (!domain.is_empty()).then_some(domain)
}

/// A mail domain an admin typed, checked: `acme.example`, without `@` or spaces.
pub fn parse_domain(raw: &str) -> Result<String, String> {
    let domain = raw.trim().trim_start_matches('@').to_lowercase();
    if domain.is_empty() {
        return Err("Enter a mail domain, such as acme.example.".into());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if domain.len() > 253 || !domain.contains('.') || !domain.split('.').all(label_ok) {
        return Err(format!(
            "\"{domain}\" is not a mail domain; enter one such as acme.example."
        ));
    }
    Ok(domain)
}

/// The subject a new ticket gets from a message's: without `Re:`/`Fwd:` prefixes, one line,
/// at most the subject's limit; "(no subject)" for none.
pub fn ticket_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let cut = ["re:", "fw:", "fwd:", "aw:", "wg:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| p.len());
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => break,
        }
    }
    let s: String = s
        .chars()
        .filter(|c| !c.is_control())
        .take(app::tickets::Subject::MAX_CHARS)
        .collect();
    if s.trim().is_empty() {
        "(no subject)".into()
    } else {
        s.trim().to_string()
    }
}

/// A body within the portal's limit: cut, saying so, when longer; a placeholder when empty.
pub fn ticket_body(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return "(The message had no text.)".into();
    }
    let max = app::tickets::Body::MAX_CHARS - 200;
    if body.chars().count() <= max {
        return body.to_string();
    }
    let cut: String = body.chars().take(max).collect();
    format!("{cut}\n\n(The message was longer; the rest was cut off.)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::MailSettings;

    fn addresses() -> Addresses {
        Addresses::new(&MailSettings {
            mail_from: "Help <help@desk.example>".into(),
            ..MailSettings::default()
        })
        .unwrap()
    }

    fn from(address: &str) -> Incoming {
        Incoming {
            from: Some(address.into()),
            message_id: Some("abc@acme.example".into()),
            ..Incoming::default()
        }
    }

    #[test]
    fn a_persons_message_is_not_noise() {
        assert_eq!(noise(&from("ann@acme.example"), &addresses()), None);
    }

    #[test]
    fn auto_submitted_other_than_no_is_noise() {
        let mut m = from("ann@acme.example");
        m.signals.auto_submitted = Some("no".into());
        assert_eq!(noise(&m, &addresses()), None);
        m.signals.auto_submitted = Some("auto-replied".into());
        assert!(noise(&m, &addresses()).unwrap().contains("auto-replied"));
    }

    #[test]
    fn bulk_junk_list_and_auto_reply_precedence_are_noise_but_first_class_is_not() {
        for p in ["bulk", "junk", "list", "auto_reply"] {
            let mut m = from("ann@acme.example");
            m.signals.precedence = Some(p.into());
            assert!(noise(&m, &addresses()).is_some(), "{p}");
        }
        let mut m = from("ann@acme.example");
        m.signals.precedence = Some("first-class".into());
        assert_eq!(noise(&m, &addresses()), None);
    }

    #[test]
    fn autoreply_headers_lists_bounces_and_reports_are_noise() {
        let cases: [fn(&mut Signals); 4] = [
            |s| s.autoreply_header = true,
            |s| s.list = true,
            |s| s.null_return_path = true,
            |s| s.report = true,
        ];
        for set in cases {
            let mut m = from("ann@acme.example");
            set(&mut m.signals);
            assert!(noise(&m, &addresses()).is_some(), "{:?}", m.signals);
        }
    }

    #[test]
    fn mail_from_our_own_address_or_with_our_message_id_is_a_loop() {
        assert!(noise(&from("help@desk.example"), &addresses()).is_some());
        assert!(noise(&from("HELP+abc234@desk.example"), &addresses()).is_some());
        let a = addresses();
        let mut m = from("ann@acme.example");
        m.message_id = Some(a.message_id("t1"));
        assert!(noise(&m, &a).unwrap().contains("loop"));
    }

    #[test]
    fn the_reply_token_is_found_in_any_recipient() {
        let mut m = from("ann@acme.example");
        m.recipients = vec![
            "other@acme.example".into(),
            "help+tok234@desk.example".into(),
        ];
        assert_eq!(reply_token(&m, &addresses()), Some("tok234"));
        m.recipients = vec!["help@desk.example".into()];
        assert_eq!(reply_token(&m, &addresses()), None);
    }

    #[test]
    fn a_ticket_number_is_read_from_brackets_only() {
        assert_eq!(subject_ticket("Re: [#42] Printer"), Some(42));
        assert_eq!(subject_ticket("[#x] then [#7]"), Some(7));
        assert_eq!(subject_ticket("#42 printer"), None);
        assert_eq!(subject_ticket("[#42 printer"), None);
    }

    #[test]
    fn domains_are_checked_and_read_from_addresses() {
        assert_eq!(parse_domain(" @Acme.Example ").unwrap(), "acme.example");
        assert!(parse_domain("acme").is_err());
        assert!(parse_domain("a b.example").is_err());
        assert!(parse_domain("").is_err());
        assert_eq!(
            domain_of("Ann@Acme.Example").as_deref(),
            Some("acme.example")
        );
        assert_eq!(domain_of("nobody"), None);
    }

    #[test]
    fn subjects_lose_reply_prefixes_and_fit_the_limit() {
        assert_eq!(ticket_subject("RE: Fwd: re: VPN down"), "VPN down");
        assert_eq!(ticket_subject("  "), "(no subject)");
        assert_eq!(ticket_subject(&"x".repeat(500)).chars().count(), 200);
        assert_eq!(ticket_body(""), "(The message had no text.)");
        let long = ticket_body(&"y".repeat(30_000));
        assert!(long.chars().count() <= app::tickets::Body::MAX_CHARS);
        assert!(long.ends_with("cut off.)"));
    }
}
