//! Markdown to safe HTML for tickets, replies and wiki articles, and plain-text excerpts of it.

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Event, Options, Parser, TagEnd, html};
use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
    sync::LazyLock,
};

/// [`render`] on the bounded blocking pool, for async callers: a long body takes long enough
/// to stall every other request on the server's one runtime thread.
pub async fn render_off_thread(markdown: String) -> Result<String, app::error::AppError> {
    // Plain text costs a copy: handing it to another thread would cost more.
    if let Some(html) = plain_paragraphs(&markdown) {
        return Ok(html);
    }
    crate::blocking::run(move || render(&markdown)).await
}

/// Renders user-written markdown to HTML that may be inserted into a page as is.
///
/// Raw HTML in the markdown is kept by the parser and left to the sanitizer, so harmless inline
/// markup such as `<kbd>` works while anything that could run script or restyle the page does not.
pub fn render(markdown: &str) -> String {
    if let Some(html) = plain_paragraphs(markdown) {
        return html;
    }
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options()));
    SANITIZER.clean(&unsafe_html).to_string()
}

/// The longest text [`plain_paragraphs`] looks at; a longer one is parsed whatever it holds.
const PLAIN_UP_TO: usize = 4_096;

/// Punctuation that markdown leaves as it is and that HTML does not escape, inside a line.
const PLAIN_PUNCTUATION: &[char] = &[
    ' ', '.', ',', ';', ':', '?', '!', '(', ')', '/', '@', '%', '\'', '+', '=', '-',
];

/// [`render`]'s answer for text in which markdown finds nothing to do, made without the parser
/// and the sanitizer: lines of letters, digits, spaces and plain punctuation, each starting
/// with a letter and not ending in a space, in paragraphs split by empty lines. Many requests
/// and replies are just that, and parsing and sanitizing them was most of what a filed ticket
/// cost outside the database. `None` for anything else (a test holds the two answers equal).
fn plain_paragraphs(markdown: &str) -> Option<String> {
    if markdown.len() > PLAIN_UP_TO {
        return None;
    }
    let mut html = String::with_capacity(markdown.len() + 16);
    let mut open = false;
    for line in markdown.split('\n') {
        if line.is_empty() {
            if open {
                html.push_str("</p>\n");
                open = false;
            }
            continue;
        }
        let plain = line.chars().next().is_some_and(char::is_alphabetic)
            && !line.ends_with(' ')
            && line
                .chars()
                .all(|c| c.is_alphanumeric() || PLAIN_PUNCTUATION.contains(&c));
        if !plain {
            return None;
        }
        html.push_str(if open { "\n" } else { "<p>" });
        open = true;
        html.push_str(line);
    }
    if open {
        html.push_str("</p>\n");
    }
    Some(html)
}

/// The plain text of `markdown`, whitespace collapsed, cut at a word boundary so that it is at
/// most `max_chars` characters long including the "…" appended when it was cut.
///
/// The result is text, not HTML: it must be escaped where it is inserted (Leptos views do so).
pub fn excerpt(markdown: &str, max_chars: usize) -> String {
    let text = plain_text(markdown);
    if text.chars().count() <= max_chars {
        return text;
    }
    if max_chars == 0 {
        return String::new();
    }
    // One character is kept for the ellipsis.
    let budget = max_chars - 1;
    let end = text
        .char_indices()
        .nth(budget)
        .map_or(text.len(), |(index, _)| index);
    let (head, rest) = text.split_at(end);
    let cut = if rest.starts_with(' ') {
        head
    } else {
        // A word longer than the whole budget is cut inside the word rather than dropped.
        head.rfind(' ').map_or(head, |space| &head[..space])
    };
    let cut = cut.trim_end_matches([' ', ',', ';', ':', '(', '-', '–', '—']);
    format!("{cut}…")
}

/// GitHub-flavoured tables, strikethrough and task lists. Smart punctuation stays off: it would
/// turn `--` and quotes in pasted commands and error messages into characters that no longer
/// match what the user has to type. Footnotes stay off because their links rely on `id`s, which
/// the sanitizer removes.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

fn plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(part) | Event::Code(part) => text.push_str(&part),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            // Inline elements sit inside words ("**Print**er"); blocks end one.
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image,
            ) => {}
            Event::End(_) => text.push(' '),
            // Raw HTML is markup, not text, and the rest carries no words.
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Built once: the allow-lists are the same for every document.
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(HashSet::from([
            "p",
            "br",
            "hr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "strong",
            "em",
            "del",
            "s",
            "blockquote",
            "code",
            "pre",
            "ul",
            "ol",
            "li",
            "a",
            "img",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "span",
            "input",
            "kbd",
            "sub",
            "sup",
        ]))
        // Everything else is unwrapped, its text kept; these hold code or hidden content whose
        // text would only confuse a reader.
        .clean_content_tags(HashSet::from([
            "script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math",
            "noembed", "noframes",
        ]))
        // No `id` (it could clobber the page's own ids and named globals), no `style`, no `on*`.
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("img", HashSet::from(["src", "alt", "title"])),
            ("code", HashSet::from(["class"])),
            ("ol", HashSet::from(["start"])),
            ("input", HashSet::from(["type", "checked", "disabled"])),
        ]))
        // Task-list checkboxes are the only input markdown produces. Forcing these values makes
        // any hand-written input (a text field, a submit button) an inert checkbox instead.
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .attribute_filter(filter_attribute)
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::Custom(Box::new(keep_relative_url)))
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    builder
});

/// Keeps only `language-*` classes on `code`, which the page's highlighting relies on; any other
/// class could borrow the page's own styles (say, an overlay). Ammonia's `allowed_classes` only
/// matches whole names, so the prefix is checked here.
fn filter_attribute<'a>(element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
    if (element, attribute) != ("code", "class") {
        return Some(Cow::Borrowed(value));
    }
    let languages: Vec<&str> = value
        .split_ascii_whitespace()
        .filter(|class| is_language_class(class))
        .collect();
    if languages.is_empty() {
        None
    } else {
        Some(Cow::Owned(languages.join(" ")))
    }
}

fn is_language_class(class: &str) -> bool {
    class.strip_prefix("language-").is_some_and(|language| {
        !language.is_empty()
            && language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.'))
    })
}

/// Relative URLs such as `/wiki/printer` and `/api/v1/attachments/3` pass, but not ones whose
/// first segment holds a colon: a valid relative reference never does (RFC 3986, 4.2), so such
/// a value is a mangled scheme, e.g. `` `javascript:…` `` that old browsers read as quoted.
fn keep_relative_url(url: &str) -> Option<Cow<'_, str>> {
    let first_segment = url.split(['/', '?', '#']).next().unwrap_or_default();
    if first_segment.contains(':') {
        None
    } else {
        Some(Cow::Borrowed(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each would run script, load foreign content or restyle the page if it got through.
    const PAYLOADS: &[&str] = &[
        "<script>alert(1)</script>",
        "<ScRiPt>alert(1)</sCrIpT>",
        "<script>alert(1)",
        "before <script src=//evil/x.js></script> after",
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=x OnErRoR=alert(1)>",
        "<IMG SRC=JaVaScRiPt:alert(1)>",
        "<img src=x:alert(alt) onerror=eval(src) alt=0>",
        "<img src=x onerror=\"&#97;lert(1)\">",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript:alert(1) \"title\")",
        "[x][evil]\n\n[evil]: javascript:alert(1)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<a href=\"\tjavascript:alert(1)\">x</a>",
        "<a href=\"\njavascript:alert(1)\">x</a>",
        "<a href=\"java\tscript:alert(1)\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"#\" onclick=\"alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<img src=\"data:text/html,alert(1)\">",
        "<div><img src=x onerror=alert`1`></div>",
        "<div><a href=`javascript:alert(1)`>x</a></div>",
        "<div><a href=`javascript:alert`1``>x</a></div>",
        "<span>[x](javascript:alert(1))</span>",
        "<div>\n\n[x](javascript:alert(1))\n\n</div>",
        "<svg onload=alert(1)>",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<iframe src=//evil>",
        "<iframe srcdoc=\"<script>alert(1)</script>\">",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<details open ontoggle=alert(1)>",
        "<input autofocus onfocus=alert(1)>",
        "<textarea autofocus onfocus=alert(1)>",
        "<form action=javascript:alert(1)><button>x",
        "<button formaction=javascript:alert(1)>x</button>",
        "<object data=javascript:alert(1)>",
        "<embed src=javascript:alert(1)>",
        "<style>body{display:none}</style>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<base href=//evil>",
        "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
        "<link rel=import href=//evil>",
        "<video><source onerror=alert(1)>",
        "<body onload=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    ];

    /// Looked for case-insensitively in each rendered payload.
    const FORBIDDEN: &[&str] = &[
        "<script",
        "javascript:",
        "vbscript:",
        "onerror",
        "onload",
        "onclick",
        "onfocus",
        "ontoggle",
        "onbegin",
        "<iframe",
        "<object",
        "<embed",
        "<style",
        "style=",
        "srcdoc",
        "<form",
        "formaction",
        "data:text/html",
        "<svg",
        "<math",
        "xlink:href",
        "<base",
        "<meta",
        "<link",
        "<body",
        "<textarea",
        "<video",
        "<source",
        "<details",
        "<button",
    ];

    /// The parser and the sanitizer, as [`render`] runs them on text that is not plain.
    fn parsed(markdown: &str) -> String {
        let mut unsafe_html = String::new();
        html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options()));
        SANITIZER.clean(&unsafe_html).to_string()
    }

    #[test]
    fn plain_text_renders_as_the_parser_and_sanitizer_would_render_it() {
        let plain = [
            "",
            "Printer offline",
            "It says offline since this morning; restarted it twice.",
            "Hello, can you help?\nThe VPN (Cisco) drops at 9:30 every day!",
            "First paragraph.\n\nSecond one, 100% sure.\n\n\nThird: see https://example.com/a?b=c",
            "Mail to rob@acme.example bounced",
            "Café déjà vu, Straße, 東京 and Привет",
            "Dear IT\nLine two  with two spaces inside\n",
            "a + b = c - d",
            "It's 'quoted' here",
        ];
        for text in plain {
            let fast = plain_paragraphs(text).unwrap_or_else(|| panic!("{text:?} is plain"));
            assert_eq!(fast, parsed(text), "{text:?}");
            assert_eq!(render(text), fast);
        }
    }

    #[test]
    fn text_markdown_or_html_could_change_goes_to_the_parser() {
        let not_plain = [
            "**bold**",
            "Dear IT\n===",
            "Heading\n---",
            "- item",
            "1. first",
            "# Title",
            "> quoted",
            "    indented code",
            " leading space",
            "trailing space ",
            "hard break  \nnext",
            "tab\there",
            "windows\r\nline",
            "a < b and c > d",
            "Tom & Jerry",
            "\"quoted\"",
            "snake_case_name",
            "`code`",
            "[link](https://example.com)",
            "back\\slash",
            "~~gone~~",
            "a | b",
            "50 \u{a0}non-breaking",
            "x\u{301} combining",
            "123 starts with a digit",
        ];
        for text in not_plain {
            assert_eq!(plain_paragraphs(text), None, "{text:?}");
        }
        // Words made of every letter, digit and plain punctuation mark, in every position a
        // line allows, render the same both ways.
        let mut words: Vec<String> = ('a'..='z').chain('A'..='Z').map(String::from).collect();
        words.extend(["x1", "2x", "é", "ß", "東"].map(String::from));
        words.extend(PLAIN_PUNCTUATION.iter().map(|c| format!("a{c}b")));
        words.extend(PLAIN_PUNCTUATION.iter().map(|c| format!("a{c}")));
        for (i, word) in words.iter().enumerate() {
            let next = &words[(i * 7 + 3) % words.len()];
            for text in [
                format!("Word {word} {next}"),
                format!("Word {word}\nLine {next}"),
                format!("Word {word}\n\nPara {next}."),
            ] {
                if let Some(fast) = plain_paragraphs(&text) {
                    assert_eq!(fast, parsed(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn script_injection_payloads_render_without_anything_executable() {
        // Arrange
        let mut failures = Vec::new();

        for payload in PAYLOADS {
            // Act
            let output = render(payload);

            // Assert (collected, so one run reports every payload that gets through)
            let lowered = output.to_lowercase();
            let found: Vec<&str> = FORBIDDEN
                .iter()
                .copied()
                .filter(|needle| lowered.contains(needle))
                .collect();
            if !found.is_empty() {
                failures.push(format!("{payload:?} -> {output:?} contains {found:?}"));
            }
        }
        assert!(PAYLOADS.len() >= 25);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn a_table_renders_as_a_table() {
        let markdown = "| Device | State |\n|---|:---:|\n| Printer | offline |";

        let html = render(markdown);

        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<th>Device</th>"), "{html}");
        assert!(html.contains("<td>offline</td>"), "{html}");
    }

    #[test]
    fn a_task_list_renders_disabled_checkboxes_checked_where_ticked() {
        let markdown = "- [x] restart spooler\n- [ ] replace toner";

        let html = render(markdown);

        let items: Vec<&str> = html.split("<li>").skip(1).collect();
        assert_eq!(items.len(), 2, "{html}");
        for item in &items {
            assert!(item.contains("<input"), "{html}");
            assert!(item.contains("type=\"checkbox\""), "{html}");
            assert!(item.contains("disabled=\"\""), "{html}");
        }
        assert!(items[0].contains("checked"), "{html}");
        assert!(!items[1].contains("checked"), "{html}");
    }

    #[test]
    fn a_hand_written_text_input_becomes_a_disabled_checkbox() {
        let markdown = "<input type=\"text\" name=\"password\" value=\"x\">";

        let html = render(markdown);

        assert!(html.contains("type=\"checkbox\""), "{html}");
        assert!(html.contains("disabled=\"\""), "{html}");
        assert!(!html.contains("text"), "{html}");
        assert!(!html.contains("name="), "{html}");
        assert!(!html.contains("value="), "{html}");
    }

    #[test]
    fn a_checkbox_without_disabled_is_disabled_anyway() {
        let markdown = "<input type=checkbox checked>";

        let html = render(markdown);

        assert!(html.contains("disabled=\"\""), "{html}");
        assert!(html.contains("checked"), "{html}");
    }

    #[test]
    fn a_fenced_rust_block_keeps_its_language_class() {
        let markdown = "```rust\nfn main() {}\n```";

        let html = render(markdown);

        assert!(
            html.contains("<pre><code class=\"language-rust\">"),
            "{html}"
        );
        assert!(html.contains("fn main() {}"), "{html}");
    }

    #[test]
    fn code_keeps_only_its_language_classes() {
        let markdown =
            "<code class=\"hidden language-sh overlay\">ls</code> <code class=\"btn\">x</code>";

        let html = render(markdown);

        assert!(
            html.contains("<code class=\"language-sh\">ls</code>"),
            "{html}"
        );
        assert!(html.contains("<code>x</code>"), "{html}");
    }

    #[test]
    fn classes_on_other_elements_are_dropped() {
        let markdown = "<span class=\"language-rust\">x</span>";

        let html = render(markdown);

        assert_eq!(html, "<p><span>x</span></p>\n");
    }

    #[test]
    fn bold_renders_as_strong() {
        let html = render("**bold**");

        assert_eq!(html, "<p><strong>bold</strong></p>\n");
    }

    #[test]
    fn headings_render() {
        let html = render("# Printers\n\n## Floor 2\n\n###### Notes");

        assert!(html.contains("<h1>Printers</h1>"), "{html}");
        assert!(html.contains("<h2>Floor 2</h2>"), "{html}");
        assert!(html.contains("<h6>Notes</h6>"), "{html}");
    }

    #[test]
    fn strikethrough_renders_as_del() {
        let html = render("~~fixed~~");

        assert!(html.contains("<del>fixed</del>"), "{html}");
    }

    #[test]
    fn a_relative_link_survives_with_a_safe_rel() {
        let html = render("[printer](/wiki/printer \"Printer guide\")");

        assert!(html.contains("href=\"/wiki/printer\""), "{html}");
        assert!(html.contains("title=\"Printer guide\""), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }

    #[test]
    fn http_https_and_mailto_links_survive() {
        let markdown =
            "[a](http://example.com) [b](https://example.com/x?y=1#z) [c](mailto:it@example.com)";

        let html = render(markdown);

        assert!(html.contains("href=\"http://example.com\""), "{html}");
        assert!(
            html.contains("href=\"https://example.com/x?y=1#z\""),
            "{html}"
        );
        assert!(html.contains("href=\"mailto:it@example.com\""), "{html}");
    }

    #[test]
    fn links_with_other_schemes_lose_their_href() {
        let html = render("[a](ftp://example.com) [b](file:///etc/passwd) [c](tel:123)");

        assert!(!html.contains("href"), "{html}");
        assert!(html.contains(">a</a>"), "{html}");
    }

    #[test]
    fn an_autolink_with_a_javascript_scheme_keeps_its_text_but_loses_its_href() {
        let html = render("<javascript:alert(1)>");

        assert!(!html.contains("href"), "{html}");
        assert!(html.contains(">javascript:alert(1)</a>"), "{html}");
    }

    #[test]
    fn a_relative_url_with_a_colon_in_its_first_segment_is_dropped() {
        let html = render("[a](x:y/z) [b](/docs/a:b) [c](?q=a:b)");

        assert!(!html.contains("x:y"), "{html}");
        assert!(html.contains("href=\"/docs/a:b\""), "{html}");
        assert!(html.contains("href=\"?q=a:b\""), "{html}");
    }

    #[test]
    fn an_https_image_survives_with_alt_and_title() {
        let markdown = "![Error dialog](https://example.com/error.png \"The error\")";

        let html = render(markdown);

        assert!(html.contains("<img"), "{html}");
        assert!(
            html.contains("src=\"https://example.com/error.png\""),
            "{html}"
        );
        assert!(html.contains("alt=\"Error dialog\""), "{html}");
        assert!(html.contains("title=\"The error\""), "{html}");
    }

    #[test]
    fn an_attachment_image_with_a_relative_source_survives() {
        let html = render("![screenshot](/api/v1/attachments/3)");

        assert!(html.contains("src=\"/api/v1/attachments/3\""), "{html}");
    }

    #[test]
    fn image_attributes_other_than_src_alt_and_title_are_dropped() {
        let markdown = "<img src=\"/a.png\" alt=\"a\" width=\"9999\" id=\"logo\" class=\"x\">";

        let html = render(markdown);

        assert!(html.contains("src=\"/a.png\""), "{html}");
        assert!(!html.contains("width"), "{html}");
        assert!(!html.contains("id="), "{html}");
        assert!(!html.contains("class"), "{html}");
    }

    #[test]
    fn ids_are_dropped_so_page_ids_cannot_be_clobbered() {
        let html = render("<h2 id=\"main\">x</h2>\n\n<span id=\"csrf\" name=\"csrf\">y</span>");

        assert!(!html.contains("id="), "{html}");
        assert!(!html.contains("name="), "{html}");
    }

    #[test]
    fn kbd_sub_and_sup_are_allowed() {
        let html = render("Press <kbd>Ctrl</kbd>+<kbd>P</kbd>, H<sub>2</sub>O, x<sup>2</sup>");

        assert!(html.contains("<kbd>Ctrl</kbd>"), "{html}");
        assert!(html.contains("<sub>2</sub>"), "{html}");
        assert!(html.contains("<sup>2</sup>"), "{html}");
    }

    #[test]
    fn markup_written_as_code_is_shown_as_escaped_text() {
        let html = render("`<script>alert(1)</script>`");

        assert_eq!(
            html,
            "<p><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></p>\n"
        );
    }

    #[test]
    fn smart_punctuation_is_not_applied() {
        let html = render("Run \"net stop spooler\" -- then 'retry'...");

        assert!(
            html.contains("\"net stop spooler\" -- then 'retry'..."),
            "{html}"
        );
    }

    #[test]
    fn html_comments_are_dropped() {
        let html = render("visible <!-- hidden note -->");

        assert!(!html.contains("hidden"), "{html}");
        assert!(html.contains("visible"), "{html}");
    }

    #[test]
    fn excerpt_strips_markup_and_cuts_at_a_word_boundary() {
        let markdown = "**Printer** is *offline* on floor 2";

        let text = excerpt(markdown, 20);

        assert_eq!(text, "Printer is offline…");
    }

    #[test]
    fn excerpt_returns_short_text_whole_without_an_ellipsis() {
        let text = excerpt("Printer is *offline*", 20);

        assert_eq!(text, "Printer is offline");
    }

    #[test]
    fn excerpt_keeps_a_word_that_ends_exactly_at_the_limit() {
        // "Printer is offline" is 18 characters; with the ellipsis, 19.
        let text = excerpt("Printer is offline today", 19);

        assert_eq!(text, "Printer is offline…");
    }

    #[test]
    fn excerpt_separates_blocks_and_collapses_whitespace() {
        let markdown =
            "# Title\n\nFirst    line\nsecond\n\n- one\n- two\n\n| a | b |\n|---|---|\n| c | d |";

        let text = excerpt(markdown, 200);

        assert_eq!(text, "Title First line second one two a b c d");
    }

    #[test]
    fn excerpt_keeps_code_and_link_text_but_not_raw_html_or_urls() {
        let markdown =
            "Run `lpstat -p` on <kbd>host</kbd>, see [the guide](/wiki/printer)\n\n```\nlpq\n```";

        let text = excerpt(markdown, 200);

        assert_eq!(text, "Run lpstat -p on host, see the guide lpq");
    }

    #[test]
    fn excerpt_does_not_split_words_around_inline_markup() {
        let text = excerpt("**Print**er ~~queue~~s", 100);

        assert_eq!(text, "Printer queues");
    }

    #[test]
    fn excerpt_never_exceeds_max_chars_including_the_ellipsis() {
        let markdown =
            "The *shared* printer on floor 2 shows **paper jam**, although the tray is empty.";

        for max_chars in 0..100 {
            let text = excerpt(markdown, max_chars);

            assert!(text.chars().count() <= max_chars, "{max_chars}: {text:?}");
        }
    }

    #[test]
    fn excerpt_hard_cuts_a_single_word_longer_than_the_limit() {
        let text = excerpt("Supercalifragilistic", 6);

        assert_eq!(text, "Super…");
    }

    #[test]
    fn excerpt_counts_characters_not_bytes() {
        let text = excerpt("Überprüfung läuft gerade noch", 18);

        assert_eq!(text, "Überprüfung läuft…");
    }

    #[test]
    fn excerpt_drops_trailing_punctuation_before_the_ellipsis() {
        let text = excerpt("Printer offline, toner empty", 20);

        assert_eq!(text, "Printer offline…");
    }

    #[test]
    fn excerpt_of_nothing_is_empty() {
        assert_eq!(excerpt("", 10), "");
        assert_eq!(excerpt("<div></div>", 10), "");
        assert_eq!(excerpt("anything", 0), "");
    }
}
