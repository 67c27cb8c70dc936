//! The wiki through the REST API: who reads and edits what on every route, revisions and
//! conflicts, search and suggestions, sanitizing, files, deflections, and articles captured
//! from tickets.

use super::events::Stream;
use super::support::*;
use app::tickets::TicketDetail;
use app::wiki::{
    Article, ArticleFile, ArticleList, DiffLine, LineChange, LinkKind, Revision, RevisionDiff,
    RevisionSummary, SearchHit, TicketArticle, Visibility,
};
use reqwest::{Client, Method, Response, StatusCode, multipart};
use serde_json::{Value, json};

fn article(slug: &str, title: &str, body: &str, visibility: &str, org: Option<i64>) -> Value {
    json!({ "slug": slug, "title": title, "body": body, "visibility": visibility,
            "org_id": org, "tags": ["demo"] })
}

async fn create(app: &TestApp, client: &Client, input: Value) -> Article {
    let (status, body) = app.post_as(client, "/api/v1/articles", input).await;
    assert_eq!(status, StatusCode::CREATED, "{body:?}");
    body
}

async fn edit(
    app: &TestApp,
    client: &Client,
    slug: &str,
    title: &str,
    body: &str,
    base: i64,
) -> (StatusCode, Value) {
    app.send(
        client,
        Method::PUT,
        &format!("/api/v1/articles/{slug}"),
        json!({ "title": title, "body": body, "visibility": "all_clients",
                "base_revision": base }),
    )
    .await
}

async fn ask(app: &TestApp, client: &Client, route: &str, q: &str) -> Response {
    client
        .get(app.url(&format!("/api/v1/articles/{route}")))
        .query(&[("q", q)])
        .send()
        .await
        .expect("an answer")
}

async fn query(app: &TestApp, client: &Client, route: &str, q: &str) -> (StatusCode, Value) {
    read(ask(app, client, route, q).await).await
}

async fn hits(
    app: &TestApp,
    client: &Client,
    route: &str,
    q: &str,
) -> (StatusCode, Vec<SearchHit>) {
    read_as(ask(app, client, route, q).await).await
}

fn slugs(hits: &[SearchHit]) -> Vec<String> {
    hits.iter().map(|hit| hit.slug.clone()).collect()
}

async fn upload(
    app: &TestApp,
    client: &Client,
    slug: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    );
    let res = client
        .post(app.url(&format!("/api/v1/articles/{slug}/files")))
        .multipart(form)
        .send()
        .await
        .expect("an answer");
    read(res).await
}

async fn file_ticket(app: &TestApp, client: &Client, subject: &str, body: &str) -> i64 {
    let (status, ticket) = app
        .post_as::<TicketDetail>(
            client,
            "/api/v1/tickets",
            json!({ "subject": subject, "body": body, "priority": "normal" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ticket:?}");
    ticket.summary.id
}

#[tokio::test]
async fn every_route_shows_an_article_only_to_those_who_may_read_it() {
    // Arrange: one article of each audience, each with a file, all sharing one rare word.
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let birch = app.org_id("Birch Accounting").await;
    let tom = app.signed_in(TECH).await;
    let mut cases: Vec<(&str, Value, [bool; 5], bool)> = vec![
        // slug, input, readable by [tom, mia, rob, ben, bea], suggested (published)
        (
            "vis-internal",
            article(
                "vis-internal",
                "Zebrafix internal",
                "zebrafix",
                "internal",
                None,
            ),
            [true, false, false, false, false],
            true,
        ),
        (
            "vis-all",
            article(
                "vis-all",
                "Zebrafix for all",
                "zebrafix",
                "all_clients",
                None,
            ),
            [true, true, true, true, true],
            true,
        ),
        (
            "vis-acme",
            article("vis-acme", "Zebrafix Acme", "zebrafix", "org", Some(acme)),
            [true, true, true, false, false],
            true,
        ),
        (
            "vis-birch",
            article(
                "vis-birch",
                "Zebrafix Birch",
                "zebrafix",
                "org",
                Some(birch),
            ),
            [true, false, false, true, true],
            true,
        ),
    ];
    let mut acme_draft = article(
        "vis-acme-draft",
        "Zebrafix draft",
        "zebrafix",
        "org",
        Some(acme),
    );
    acme_draft["published"] = json!(false);
    cases.push((
        "vis-acme-draft",
        acme_draft,
        [true, true, false, false, false],
        false,
    ));
    let mut all_draft = article(
        "vis-all-draft",
        "Zebrafix all draft",
        "zebrafix",
        "all_clients",
        None,
    );
    all_draft["published"] = json!(false);
    cases.push((
        "vis-all-draft",
        all_draft,
        [true, false, false, false, false],
        false,
    ));
    let mut files = Vec::new();
    for (slug, input, _, _) in &cases {
        create(&app, &tom, input.clone()).await;
        let (status, uploaded) = upload(&app, &tom, slug, "notes.txt", b"zebrafix notes").await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        let uploaded = typed::<Vec<ArticleFile>>(&uploaded).remove(0);
        app.append_to_article(&tom, slug, &uploaded.markdown).await;
        files.push(uploaded.id);
    }
    let readers = [
        ("tom", tom),
        ("mia", app.signed_in(ACME_MANAGER).await),
        ("rob", app.signed_in(ACME_REQUESTER).await),
        ("ben", app.signed_in(BIRCH_MANAGER).await),
        ("bea", app.signed_in(BIRCH_REQUESTER).await),
    ];

    for (who, (name, client)) in readers.iter().enumerate() {
        // Act
        let (_, list) = app.get_as::<ArticleList>(client, "/api/v1/articles").await;
        let listed: Vec<String> = list.articles.into_iter().map(|a| a.slug).collect();
        let (status, found) = hits(&app, client, "search", "zebrafix").await;
        assert_eq!(status, StatusCode::OK);
        let found = slugs(&found);
        let (status, suggested) = app
            .get_as::<Vec<SearchHit>>(client, "/api/v1/articles/suggest?q=zebrafix&limit=50")
            .await;
        assert_eq!(status, StatusCode::OK);
        let suggested = slugs(&suggested);

        // Assert
        for ((slug, _, readable, published), file) in cases.iter().zip(&files) {
            let may = readable[who];
            let expected = if may {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            for path in [
                format!("/api/v1/articles/{slug}"),
                format!("/api/v1/articles/{slug}/revisions"),
                format!("/api/v1/articles/{slug}/revisions/1"),
                format!("/api/v1/articles/{slug}/diff?from=1&to=1"),
            ] {
                let (status, body) = app.get(client, &path).await;
                assert_eq!(status, expected, "{name} GET {path}: {body}");
                if !may {
                    assert_eq!(error_code(&body), "not_found");
                }
            }
            let res = client
                .get(app.url(&format!("/api/v1/article-files/{file}")))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                expected,
                "{name} downloads the file of {slug}"
            );
            assert_eq!(
                listed.contains(&slug.to_string()),
                may,
                "{name} lists {slug}"
            );
            assert_eq!(
                found.contains(&slug.to_string()),
                may,
                "{name} finds {slug}"
            );
            assert_eq!(
                suggested.contains(&slug.to_string()),
                may && *published,
                "{name} is suggested {slug}"
            );
            let (status, _) = app
                .post(
                    client,
                    &format!("/api/v1/articles/{slug}/deflect"),
                    json!({}),
                )
                .await;
            assert_eq!(
                status,
                if may {
                    StatusCode::NO_CONTENT
                } else {
                    StatusCode::NOT_FOUND
                },
                "{name} deflects with {slug}"
            );
        }
    }
}

#[tokio::test]
async fn a_manager_edits_their_own_orgs_articles_only() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let birch = app.org_id("Birch Accounting").await;
    let tom = app.signed_in(TECH).await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    create(
        &app,
        &tom,
        article("m-acme", "Acme door codes", "Ask Mia.", "org", Some(acme)),
    )
    .await;
    create(
        &app,
        &tom,
        article("m-all", "Everyone", "Hello.", "all_clients", None),
    )
    .await;
    create(
        &app,
        &tom,
        article("m-int", "Internal", "Staff.", "internal", None),
    )
    .await;
    create(
        &app,
        &tom,
        article("m-birch", "Birch", "Ben.", "org", Some(birch)),
    )
    .await;
    let own = |base: i64, visibility: &str| {
        json!({ "title": "Acme door codes", "body": "Ask Mia or Rita.", "visibility": visibility,
                "org_id": acme, "base_revision": base })
    };

    let (mine, saved) = app
        .send_as::<Article>(&mia, Method::PUT, "/api/v1/articles/m-acme", own(1, "org"))
        .await;
    let (widened, _) = app
        .send(
            &mia,
            Method::PUT,
            "/api/v1/articles/m-acme",
            own(2, "all_clients"),
        )
        .await;
    let (all, _) = edit(&app, &mia, "m-all", "Everyone", "Changed.", 1).await;
    let (internal, _) = edit(&app, &mia, "m-int", "Internal", "Changed.", 1).await;
    let (other, _) = edit(&app, &mia, "m-birch", "Birch", "Changed.", 1).await;
    let (requester, _) = app
        .send(&rob, Method::PUT, "/api/v1/articles/m-acme", own(2, "org"))
        .await;
    let (restore, _) = app
        .post(&mia, "/api/v1/articles/m-all/restore/1", json!({}))
        .await;
    let (file, _) = upload(&app, &mia, "m-all", "x.txt", b"x").await;
    let (own_file, _) = upload(&app, &mia, "m-acme", "x.txt", b"x").await;
    let (new_all, _) = app
        .post(
            &mia,
            "/api/v1/articles",
            article("m-new", "New", "New.", "all_clients", None),
        )
        .await;
    let (new_other, _) = app
        .post(
            &mia,
            "/api/v1/articles",
            article("m-new", "New", "New.", "org", Some(birch)),
        )
        .await;
    let new_own = create(
        &app,
        &mia,
        article("m-new", "New", "New.", "org", Some(acme)),
    )
    .await;

    assert_eq!(mine, StatusCode::OK, "{saved:?}");
    assert_eq!(saved.revision, 2);
    assert!(saved.can_edit);
    assert_eq!(
        widened,
        StatusCode::FORBIDDEN,
        "the new audience is checked too"
    );
    assert_eq!(all, StatusCode::FORBIDDEN, "readable but not editable");
    assert_eq!(internal, StatusCode::NOT_FOUND);
    assert_eq!(other, StatusCode::NOT_FOUND);
    assert_eq!(requester, StatusCode::FORBIDDEN);
    assert_eq!(restore, StatusCode::FORBIDDEN);
    assert_eq!(file, StatusCode::FORBIDDEN);
    assert_eq!(own_file, StatusCode::CREATED);
    assert_eq!(new_all, StatusCode::FORBIDDEN);
    assert_eq!(new_other, StatusCode::FORBIDDEN);
    assert!(new_own.can_edit);
    let (_, seen_by_rob) = app.get_as::<Article>(&rob, "/api/v1/articles/m-all").await;
    assert!(!seen_by_rob.can_edit);
}

#[tokio::test]
async fn every_save_is_a_revision_that_can_be_compared_and_restored() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    create(
        &app,
        &tom,
        article(
            "vpn",
            "VPN setup",
            "Install the client.\nSign in.",
            "all_clients",
            None,
        ),
    )
    .await;
    let (status, _) = edit(
        &app,
        &tom,
        "vpn",
        "VPN setup",
        "Install the client.\nSign in with MFA.",
        1,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = edit(&app, &tom, "vpn", "Set up the VPN", "Ask us.", 2).await;
    assert_eq!(status, StatusCode::OK);

    let (_, revisions) = app
        .get_as::<Vec<RevisionSummary>>(&tom, "/api/v1/articles/vpn/revisions")
        .await;
    let (_, first) = app
        .get_as::<Revision>(&tom, "/api/v1/articles/vpn/revisions/1")
        .await;
    let (_, diff) = app
        .get_as::<RevisionDiff>(&tom, "/api/v1/articles/vpn/diff?from=1&to=2")
        .await;
    let (status, restored) = app
        .post_as::<Article>(&tom, "/api/v1/articles/vpn/restore/1", json!({}))
        .await;
    let (_, after) = app
        .get_as::<Vec<RevisionSummary>>(&tom, "/api/v1/articles/vpn/revisions")
        .await;
    let (missing, _) = app.get(&tom, "/api/v1/articles/vpn/revisions/99").await;
    let (bad, body) = app.get(&tom, "/api/v1/articles/vpn/diff?from=x").await;

    let numbers: Vec<i64> = revisions.iter().map(|r| r.number).collect();
    assert_eq!(numbers, [3, 2, 1], "newest first");
    assert_eq!(revisions[0].title, "Set up the VPN");
    assert_eq!(revisions[0].author_name, "Tom Technician");
    assert_eq!(first.body, "Install the client.\nSign in.");
    assert!(first.html.contains("<p>"));
    let line = |change, text: &str| DiffLine {
        change,
        text: text.to_string(),
    };
    assert_eq!(
        diff.lines,
        [
            line(LineChange::Same, "Install the client."),
            line(LineChange::Removed, "Sign in."),
            line(LineChange::Added, "Sign in with MFA."),
        ]
    );
    assert_eq!(diff.from.number, 1);
    assert_eq!(diff.to.number, 2);
    assert_eq!(status, StatusCode::OK, "{restored:?}");
    assert_eq!(restored.revision, 4);
    assert_eq!(restored.title, "VPN setup");
    assert_eq!(restored.body, "Install the client.\nSign in.");
    assert_eq!(after.len(), 4);
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert!(bad.is_client_error(), "{body}");
    error_code(&body);
}

#[tokio::test]
async fn an_edit_from_an_old_revision_is_a_conflict_and_writes_nothing() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let tia = app.signed_in("tia@provider.example").await;
    create(
        &app,
        &tom,
        article("shared", "Shared", "First.", "all_clients", None),
    )
    .await;
    let (status, _) = edit(&app, &tia, "shared", "Shared", "Tia's version.", 1).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = edit(&app, &tom, "shared", "Mine", "Tom's version.", 1).await;

    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "conflict");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("saved"),
        "{body}"
    );
    let (_, current) = app.get_as::<Article>(&tom, "/api/v1/articles/shared").await;
    assert_eq!(current.revision, 2);
    assert_eq!(current.title, "Shared");
    assert_eq!(current.body, "Tia's version.");
    let (_, revisions) = app
        .get_as::<Vec<RevisionSummary>>(&tom, "/api/v1/articles/shared/revisions")
        .await;
    assert_eq!(revisions.len(), 2);
}

#[tokio::test]
async fn bad_articles_are_refused_with_the_field_that_is_wrong() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    create(
        &app,
        &tom,
        article("taken", "Taken", "Body.", "all_clients", None),
    )
    .await;
    let big = "x".repeat(200_001);
    let cases = [
        (
            article("taken", "Again", "Body.", "all_clients", None),
            "slug",
        ),
        (article("", "   ", "Body.", "all_clients", None), "title"),
        (article("big", "Big", &big, "all_clients", None), "body"),
        (article("org", "Org", "Body.", "org", None), "visibility"),
        (
            article("Bad Slug", "Bad", "Body.", "all_clients", None),
            "slug",
        ),
        (
            article("ghost-org", "Ghost", "Body.", "org", Some(999_999)),
            "org_id",
        ),
    ];

    for (input, field) in cases {
        let (status, body) = app.post(&tom, "/api/v1/articles", input).await;

        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_eq!(error_code(&body), "invalid");
        assert!(body["error"]["fields"][field].is_array(), "{field}: {body}");
    }
    let (status, body) = app
        .post(&tom, "/api/v1/articles", json!({ "title": 1 }))
        .await;
    assert!(status.is_client_error(), "{body}");
    error_code(&body);
    let (status, _) = app
        .post(
            &rob,
            "/api/v1/articles",
            article("mine", "Mine", "Body.", "all_clients", None),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, taken) = app.get_as::<Article>(&tom, "/api/v1/articles/taken").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        taken.title, "Taken",
        "the article at a taken address is untouched"
    );
}

#[tokio::test]
async fn odd_queries_find_nothing_and_never_fail() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let long = "printer ".repeat(1_250);
    let huge = "x".repeat(10_000);
    let queries = [
        "",
        "   ",
        "!!! ??? ...",
        "\"",
        "\"unbalanced",
        "NEAR(printer offline, 2)",
        "printer AND OR NOT",
        "*",
        "title:printer",
        "^printer",
        "'; drop table article; --",
        "\u{0}\u{1}",
        huge.as_str(),
        long.as_str(),
    ];

    for q in queries {
        for route in ["search", "suggest"] {
            let (status, body) = query(&app, &rob, route, q).await;

            assert_eq!(status, StatusCode::OK, "{route} {:?}: {body}", q.get(..40));
            assert!(body.is_array(), "{body}");
        }
    }
    let (status, _) = query(&app, &rob, "search", "!!! ??? ...").await;
    assert_eq!(status, StatusCode::OK);
    let (_, none) = query(&app, &rob, "search", "!!! ??? ...").await;
    assert_eq!(none, json!([]));
    for limit in ["0", "1000", "-1", "many"] {
        let (status, body) = app
            .get(
                &rob,
                &format!("/api/v1/articles/search?q=printer&limit={limit}"),
            )
            .await;
        assert!(
            status.is_success() || status.is_client_error(),
            "{limit}: {body}"
        );
    }
}

#[tokio::test]
async fn markdown_is_sanitized_and_snippets_are_escaped() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let payloads = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "<iframe src=//evil></iframe>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"#\" onclick=\"alert(1)\">x</a>",
        "<svg onload=alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<img src=\"data:text/html,alert(1)\">",
        "<details open ontoggle=alert(1)>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<object data=javascript:alert(1)>",
    ];
    let forbidden = [
        "<script",
        "onerror",
        "onload",
        "onclick",
        "ontoggle",
        "javascript:",
        "<iframe",
        "<svg",
        "data:text/html",
        "style=",
        "<object",
    ];

    for (i, payload) in payloads.iter().enumerate() {
        let created = create(
            &app,
            &tom,
            article(
                &format!("xss-{i}"),
                "Payload",
                &format!("Quokka {payload}"),
                "internal",
                None,
            ),
        )
        .await;

        let html = created.html.to_lowercase();
        for needle in forbidden {
            assert!(
                !html.contains(needle),
                "{payload:?} -> {html:?} has {needle}"
            );
        }
        assert_eq!(created.body, format!("Quokka {payload}"), "kept as written");
    }

    let title = "<script>alert('t')</script> Wombat";
    let created = create(
        &app,
        &tom,
        article(
            "xss-title",
            title,
            "The <b>wombat</b> & <script>alert(2)</script>",
            "internal",
            None,
        ),
    )
    .await;
    let (_, found) = hits(&app, &tom, "search", "wombat").await;

    assert_eq!(created.title, title, "a title is data, returned as given");
    assert_eq!(found[0].title, title);
    let snippet = &found[0].snippet;
    assert!(!snippet.contains("<script"), "{snippet}");
    assert!(!snippet.contains("<b>"), "{snippet}");
    assert!(snippet.contains("&lt;script&gt;"), "{snippet}");
    assert!(snippet.contains("&amp;"), "{snippet}");
    assert!(snippet.contains("<mark>wombat</mark>"), "{snippet}");
}

#[tokio::test]
async fn the_article_about_the_query_comes_first_and_word_forms_match() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    create(
        &app,
        &tom,
        article(
            "large-format",
            "Large format drawings",
            "The plotter draws plans. Feed the plotter paper; the plotter jams if the plotter \
             paper is damp.",
            "all_clients",
            None,
        ),
    )
    .await;
    create(
        &app,
        &tom,
        article(
            "plotter-offline",
            "Plotter offline",
            "Restart it.",
            "all_clients",
            None,
        ),
    )
    .await;
    create(
        &app,
        &tom,
        article(
            "office-move",
            "Office move checklist",
            "Pack the desks, label the cables of the plotter and move the server.",
            "all_clients",
            None,
        ),
    )
    .await;
    create(
        &app,
        &tom,
        article(
            "toner",
            "Toner swap",
            "Swap the toner before printing long reports.",
            "all_clients",
            None,
        ),
    )
    .await;

    let (_, plotter) = hits(&app, &rob, "search", "plotter").await;
    let (_, offline) = hits(&app, &rob, "search", "plotter offline").await;
    let (_, printer) = hits(&app, &rob, "search", "printer").await;
    let (_, suggested) = hits(&app, &rob, "suggest", "printer offl").await;

    let plotter = slugs(&plotter);
    assert_eq!(plotter.len(), 3, "{plotter:?}");
    assert_eq!(plotter[0], "plotter-offline", "{plotter:?}");
    assert_eq!(
        slugs(&offline),
        ["plotter-offline"],
        "every word is required"
    );
    assert!(
        slugs(&printer).contains(&"toner".to_string()),
        "\"printer\" finds \"printing\": {printer:?}"
    );
    assert_eq!(slugs(&suggested)[0], "printer-offline", "{suggested:?}");
    assert!(slugs(&suggested).len() <= 3);
    assert!(suggested[0].snippet.contains("<mark>"), "{suggested:?}");
}

#[tokio::test]
async fn search_and_suggestions_match_alike_across_spellings_and_show_plain_text() {
    // Arrange: the demo's Wi-Fi article ("Connect to the office Wi-Fi", "keeps dropping"),
    // and two about Wi-Fi that rob may not read.
    let app = spawn().await;
    let birch = app.org_id("Birch Accounting").await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    for (slug, visibility, org) in [
        ("wifi-internal", "internal", None),
        ("wifi-birch", "org", Some(birch)),
    ] {
        create(
            &app,
            &tom,
            article(
                slug,
                "Wi-Fi keeps dropping at Birch",
                "wifi WiFi keeps dropping",
                visibility,
                org,
            ),
        )
        .await;
    }

    for q in [
        "wifi keeps dropping",
        "wifi",
        "WiFi",
        "Wi-Fi",
        "wi fi",
        "my wi-fi keeps dropping",
    ] {
        // Act
        let (status, searched) = hits(&app, &rob, "search", q).await;
        let (_, suggested) = hits(&app, &rob, "suggest", q).await;

        // Assert
        assert_eq!(status, StatusCode::OK);
        assert_eq!(slugs(&searched), ["connect-to-office-wifi"], "search {q:?}");
        assert_eq!(
            slugs(&suggested),
            ["connect-to-office-wifi"],
            "suggest {q:?}"
        );
        assert_eq!(searched[0].snippet, suggested[0].snippet, "{q:?}");
    }
    // When not every word is there, the article with most of them comes first.
    let (_, searched) = hits(&app, &rob, "search", "laptop keeps dropping on tuesdays").await;
    let (_, suggested) = hits(&app, &rob, "suggest", "laptop keeps dropping on tuesdays").await;
    assert_eq!(
        slugs(&searched)[0],
        "connect-to-office-wifi",
        "{searched:?}"
    );
    assert_eq!(slugs(&suggested), slugs(&searched)[..suggested.len()]);
    // The demo's printer article says **offline**: the snippet reads it as plain text.
    let (_, offline) = hits(&app, &rob, "search", "offline").await;
    let snippet = &offline[0].snippet;
    assert!(snippet.contains("<mark>offline</mark>"), "{snippet}");
    assert!(!snippet.contains('*'), "no markdown in {snippet}");
    let (_, nothing) = hits(&app, &rob, "search", "outlook calendar").await;
    assert!(nothing.is_empty(), "{nothing:?}");
    // Staff find all three.
    let (_, staff) = hits(&app, &tom, "search", "wifi").await;
    assert_eq!(staff.len(), 3, "{staff:?}");
    let (_, staff) = hits(&app, &tom, "search", "wifi keeps dropping").await;
    assert_eq!(staff.len(), 3, "{staff:?}");
}

#[tokio::test]
async fn hyphenated_words_are_found_joined_up_after_every_kind_of_save() {
    // Arrange: an article whose tag is hyphenated; its text is not, yet.
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let mut input = article(
        "scanner-guide",
        "Scanner guide",
        "Press the green button.",
        "all_clients",
        None,
    );
    input["tags"] = json!(["kick-off"]);
    create(&app, &tom, input).await;
    let found = |q: &'static str| {
        let (app, rob) = (&app, &rob);
        async move { slugs(&hits(app, rob, "search", q).await.1) }
    };
    assert_eq!(
        found("kickoff").await,
        ["scanner-guide"],
        "the tag, joined up"
    );
    assert!(found("followup").await.is_empty());

    // Act: the text now writes a hyphenated word.
    let (status, body) = app
        .send(
            &tom,
            Method::PUT,
            "/api/v1/articles/scanner-guide",
            json!({ "title": "Scanner guide", "tags": ["kick-off"], "visibility": "all_clients",
                    "body": "Press the green button, then book a follow-up.",
                    "base_revision": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body:?}");

    // Assert: found by the word joined up, as written, and apart; the tag still is.
    for q in [
        "followup",
        "follow-up",
        "follow up",
        "kickoff",
        "green button",
    ] {
        assert_eq!(found(q).await, ["scanner-guide"], "{q:?}");
    }
}

#[tokio::test]
async fn a_fix_captured_from_a_ticket_becomes_a_draft_without_the_requesters_name() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;
    let first = file_ticket(&app, &rob, "Scanner fails for Rob Requester", "It beeps.").await;
    let second = file_ticket(&app, &rob, "Scanner fails for Rob Requester", "Again.").await;

    let (status, draft) = app
        .post_as::<Article>(
            &tom,
            &format!("/api/v1/tickets/{first}/capture"),
            json!({ "symptom": "Rob Requester (rob@acme.example) could not scan to email.",
                    "cause": "Rob's mailbox was full.",
                    "fix": "Emptied the mailbox and told rob to archive." }),
        )
        .await;
    let (_, again) = app
        .post_as::<Article>(
            &tom,
            &format!("/api/v1/tickets/{second}/capture"),
            json!({ "symptom": "Scanning failed.", "fix": "Same again." }),
        )
        .await;
    let slug = draft.slug.clone();
    let (appended_status, appended) = app
        .post_as::<Article>(
            &tom,
            &format!("/api/v1/tickets/{second}/capture"),
            json!({ "symptom": "Scanning failed once more.", "fix": "Cleared the queue.",
                    "append_to": slug }),
        )
        .await;
    let (_, linked) = app
        .get_as::<Vec<TicketArticle>>(&tom, &format!("/api/v1/tickets/{first}/articles"))
        .await;
    let (robs_view, _) = app.get(&rob, &format!("/api/v1/articles/{slug}")).await;
    let (robs_capture, _) = app
        .post(
            &rob,
            &format!("/api/v1/tickets/{first}/capture"),
            json!({ "symptom": "x", "fix": "y" }),
        )
        .await;
    let (robs_links, _) = app
        .get(&rob, &format!("/api/v1/tickets/{first}/articles"))
        .await;
    let (unknown, _) = app
        .post(
            &tom,
            "/api/v1/tickets/999999/capture",
            json!({ "symptom": "x", "fix": "y" }),
        )
        .await;
    let (empty, empty_body) = app
        .post(
            &tom,
            &format!("/api/v1/tickets/{first}/capture"),
            json!({ "symptom": "", "fix": "" }),
        )
        .await;

    assert_eq!(status, StatusCode::CREATED, "{draft:?}");
    assert!(!draft.published);
    assert_eq!(draft.visibility, Visibility::Internal);
    assert_eq!(draft.space, "How-to");
    assert_eq!(draft.title, "Scanner fails for the employee");
    assert_eq!(slug, "scanner-fails-for-the-employee");
    assert_eq!(draft.helped_tickets, 1);
    let body = &draft.body;
    for secret in ["Rob", "rob", "acme.example", "Requester"] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    assert!(
        body.contains("the employee (the employee) could not scan"),
        "{body}"
    );
    assert!(body.contains("## Cause"), "{body}");
    assert_eq!(again.slug, "scanner-fails-for-the-employee-2");
    assert_eq!(appended_status, StatusCode::CREATED, "{appended:?}");
    assert_eq!(appended.revision, 2);
    assert_eq!(appended.helped_tickets, 2);
    let appended_body = &appended.body;
    assert!(
        appended_body.starts_with(body.trim_end()),
        "{appended_body}"
    );
    assert!(
        appended_body.contains("Cleared the queue."),
        "{appended_body}"
    );
    assert!(
        linked.contains(&TicketArticle {
            slug: slug.clone(),
            title: draft.title.clone(),
            kind: LinkKind::ResolvedWith
        }),
        "{linked:?}"
    );
    assert_eq!(robs_view, StatusCode::NOT_FOUND, "an internal draft");
    assert_eq!(robs_capture, StatusCode::FORBIDDEN);
    assert_eq!(robs_links, StatusCode::FORBIDDEN);
    assert_eq!(unknown, StatusCode::NOT_FOUND);
    assert_eq!(empty, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty_body["error"]["fields"]["fix"].is_array(),
        "{empty_body}"
    );
}

#[tokio::test]
async fn a_new_ticket_is_tied_to_the_articles_suggested_for_it() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let tom = app.signed_in(TECH).await;

    let id = file_ticket(
        &app,
        &rob,
        "Printer offline",
        "The printer on the second floor shows offline since this morning.",
    )
    .await;
    let (status, linked) = app
        .get_as::<Vec<TicketArticle>>(&tom, &format!("/api/v1/tickets/{id}/articles"))
        .await;

    assert_eq!(status, StatusCode::OK);
    assert!(!linked.is_empty() && linked.len() <= 3, "{linked:?}");
    assert_eq!(
        linked[0],
        TicketArticle {
            slug: "printer-offline".into(),
            title: "Printer shows offline".into(),
            kind: LinkKind::Suggested
        }
    );
    assert!(
        linked
            .iter()
            .all(|l| l.slug != "runbook-locked-out-account"),
        "only what the requester may read"
    );
}

#[tokio::test]
async fn deflections_are_counted_on_the_article() {
    let app = spawn().await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;

    for client in [&rob, &rob, &bea] {
        let (status, _) = app
            .post(
                client,
                "/api/v1/articles/printer-offline/deflect",
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, _) = app
        .post(
            &bea,
            "/api/v1/articles/acme-xray-imaging-share/deflect",
            json!({}),
        )
        .await;
    let (_, printer) = app
        .get_as::<Article>(&rob, "/api/v1/articles/printer-offline")
        .await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(printer.deflections, 3);
    assert_eq!(printer.helped_tickets, 0);
}

#[tokio::test]
async fn an_image_is_stored_and_served_with_safe_headers() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;

    let (status, files) = upload(&app, &tom, "printer-offline", "panel.png", b"\x89PNG").await;
    let (page_status, _) = upload(&app, &tom, "printer-offline", "evil.html", b"<script>").await;
    let (path_status, _) = upload(&app, &tom, "printer-offline", "../x.png", b"x").await;
    let (none_status, _) = upload(&app, &rob, "printer-offline", "x.png", b"x").await;

    assert_eq!(status, StatusCode::CREATED, "{files}");
    let files: Vec<ArticleFile> = typed(&files);
    let id = files[0].id;
    app.append_to_article(&tom, "printer-offline", &files[0].markdown)
        .await;
    assert_eq!(
        files[0].markdown,
        format!("![panel.png](/api/v1/article-files/{id})")
    );
    let res = rob
        .get(app.url(&format!("/api/v1/article-files/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"\x89PNG");
    assert_eq!(page_status, StatusCode::CREATED);
    assert_eq!(path_status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(none_status, StatusCode::FORBIDDEN);
    let (status, _) = app.get(&rob, "/api/v1/article-files/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_saved_article_is_announced_only_to_those_who_may_read_it() {
    let app = spawn().await;
    let acme = app.org_id("Acme Dental").await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let bea = app.signed_in(BIRCH_REQUESTER).await;
    let mut toms = Stream::open(&app, &tom, None).await;
    let mut robs = Stream::open(&app, &rob, None).await;
    let mut beas = Stream::open(&app, &bea, None).await;

    create(
        &app,
        &tom,
        article("live-int", "Internal", "Staff.", "internal", None),
    )
    .await;
    create(
        &app,
        &tom,
        article("live-acme", "Acme", "Acme.", "org", Some(acme)),
    )
    .await;
    create(
        &app,
        &tom,
        article("live-all", "All", "All.", "all_clients", None),
    )
    .await;

    assert_eq!(toms.expect("article.saved").await.data["slug"], "live-int");
    assert_eq!(toms.expect("article.saved").await.data["slug"], "live-acme");
    assert_eq!(toms.expect("article.saved").await.data["slug"], "live-all");
    assert_eq!(robs.expect("article.saved").await.data["slug"], "live-acme");
    assert_eq!(robs.expect("article.saved").await.data["slug"], "live-all");
    assert_eq!(beas.expect("article.saved").await.data["slug"], "live-all");
}

#[tokio::test]
async fn the_wiki_is_described_in_the_openapi_document() {
    let app = spawn().await;
    let (_, doc) = app.get(&app.client(), "/api/openapi.json").await;

    for path in [
        "/api/v1/articles",
        "/api/v1/articles/{slug}",
        "/api/v1/articles/{slug}/revisions",
        "/api/v1/articles/{slug}/revisions/{number}",
        "/api/v1/articles/{slug}/diff",
        "/api/v1/articles/{slug}/restore/{number}",
        "/api/v1/articles/search",
        "/api/v1/articles/suggest",
        "/api/v1/articles/{slug}/deflect",
        "/api/v1/articles/{slug}/files",
        "/api/v1/article-files/{id}",
        "/api/v1/tickets/{id}/articles",
        "/api/v1/tickets/{id}/capture",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
}

/// Saves a new revision of `slug` for `visibility` (and `org`), as `client`.
async fn edit_for(
    app: &TestApp,
    client: &Client,
    slug: &str,
    body: &str,
    visibility: &str,
    org: Option<i64>,
    base: i64,
) {
    let (status, saved) = app
        .send(
            client,
            Method::PUT,
            &format!("/api/v1/articles/{slug}"),
            json!({ "title": "Runbook", "body": body, "visibility": visibility,
                    "org_id": org, "base_revision": base }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
}

#[tokio::test]
async fn a_runbook_cleaned_up_and_shared_never_shows_its_internal_revisions() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    create(
        &app,
        &tom,
        article(
            "runbook",
            "Runbook",
            "Admin password: zqxhunter2",
            "internal",
            None,
        ),
    )
    .await;
    edit_for(
        &app,
        &tom,
        "runbook",
        "Ask us for access.",
        "all_clients",
        None,
        1,
    )
    .await;
    edit_for(
        &app,
        &tom,
        "runbook",
        "Ask us for access.\nCall us.",
        "all_clients",
        None,
        2,
    )
    .await;

    let (_, robs_history) = app
        .get_as::<Vec<RevisionSummary>>(&rob, "/api/v1/articles/runbook/revisions")
        .await;
    let (old, old_body) = app.get(&rob, "/api/v1/articles/runbook/revisions/1").await;
    let (spanning, spanning_body) = app
        .get(&rob, "/api/v1/articles/runbook/diff?from=1&to=3")
        .await;
    let (_, visible) = app
        .get_as::<RevisionDiff>(&rob, "/api/v1/articles/runbook/diff?from=2&to=3")
        .await;
    let (_, toms_history) = app
        .get_as::<Vec<RevisionSummary>>(&tom, "/api/v1/articles/runbook/revisions")
        .await;
    let (_, toms_first) = app
        .get_as::<Revision>(&tom, "/api/v1/articles/runbook/revisions/1")
        .await;

    let numbers = |list: &[RevisionSummary]| list.iter().map(|r| r.number).collect::<Vec<_>>();
    assert_eq!(numbers(&robs_history), [3, 2]);
    assert_eq!(old, StatusCode::NOT_FOUND, "{old_body}");
    assert_eq!(spanning, StatusCode::NOT_FOUND, "{spanning_body}");
    assert!(!format!("{old_body}{spanning_body}").contains("zqxhunter2"));
    assert!(
        visible
            .lines
            .iter()
            .any(|l| l.change == LineChange::Added && l.text == "Call us."),
        "{:?}",
        visible.lines
    );
    assert_eq!(
        numbers(&toms_history),
        [3, 2, 1],
        "staff see every revision"
    );
    assert_eq!(toms_first.body, "Admin password: zqxhunter2");
}

#[tokio::test]
async fn a_manager_restores_and_compares_only_revisions_saved_for_their_org() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let acme = app.org_id("Acme Dental").await;
    create(
        &app,
        &tom,
        article(
            "front-desk",
            "Front desk",
            "Safe code zqx4711",
            "internal",
            None,
        ),
    )
    .await;
    edit_for(&app, &tom, "front-desk", "Ask Tom.", "org", Some(acme), 1).await;
    edit_for(
        &app,
        &tom,
        "front-desk",
        "Ask Tom or Tia.",
        "org",
        Some(acme),
        2,
    )
    .await;

    let (restore_hidden, body) = app
        .post(&mia, "/api/v1/articles/front-desk/restore/1", json!({}))
        .await;
    let (restore_own, restored) = app
        .post_as::<Article>(&mia, "/api/v1/articles/front-desk/restore/2", json!({}))
        .await;
    let (_, history) = app
        .get_as::<Vec<RevisionSummary>>(&mia, "/api/v1/articles/front-desk/revisions")
        .await;
    // The server functions behind the history pages answer the same.
    let fn_status = |path: &'static str, form: Vec<(&'static str, String)>| {
        let mia = mia.clone();
        let url = app.url(path);
        async move {
            let res = mia.post(url).form(&form).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let slug = || ("slug", "front-desk".to_string());
    let (fn_revision, fn_body) = fn_status(
        <app::wiki::pages::GetRevision as leptos::server_fn::ServerFn>::PATH,
        vec![slug(), ("number", "1".into())],
    )
    .await;
    let (fn_diff, _) = fn_status(
        <app::wiki::pages::GetDiff as leptos::server_fn::ServerFn>::PATH,
        vec![slug(), ("from", "1".into()), ("to", "3".into())],
    )
    .await;
    let (fn_restore, _) = fn_status(
        <app::wiki::pages::RestoreRevision as leptos::server_fn::ServerFn>::PATH,
        vec![slug(), ("number", "1".into())],
    )
    .await;
    let (fn_history, fn_list) = fn_status(
        <app::wiki::pages::ListRevisions as leptos::server_fn::ServerFn>::PATH,
        vec![slug()],
    )
    .await;
    let (_, current) = app
        .get_as::<Article>(&tom, "/api/v1/articles/front-desk")
        .await;

    assert_eq!(restore_hidden, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(restore_own, StatusCode::OK);
    assert_eq!(restored.body, "Ask Tom.");
    let numbers: Vec<i64> = history.iter().map(|r| r.number).collect();
    assert_eq!(numbers, [4, 3, 2], "the restore is saved for Acme too");
    assert_eq!(fn_revision, StatusCode::NOT_FOUND, "{fn_body}");
    assert_eq!(fn_diff, StatusCode::NOT_FOUND);
    assert_eq!(fn_restore, StatusCode::NOT_FOUND);
    assert_eq!(fn_history, StatusCode::OK);
    assert!(!fn_list.contains("zqx4711"));
    assert!(!fn_list.contains("\"number\":1"), "{fn_list}");
    assert_eq!(current.revision, 4, "nothing hidden was restored");
    assert!(!current.body.contains("zqx4711"));
}

#[tokio::test]
async fn an_address_held_by_a_hidden_article_is_not_told_apart_from_a_free_one() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let mia = app.signed_in(ACME_MANAGER).await;
    let acme = app.org_id("Acme Dental").await;
    create(
        &app,
        &tom,
        article("vault", "Vault", "Internal only.", "internal", None),
    )
    .await;
    create(
        &app,
        &tom,
        article("acme-desk", "Desk", "For Acme.", "org", Some(acme)),
    )
    .await;

    let res = mia
        .post(app.url("/api/v1/articles"))
        .json(&article("vault", "Our vault", "Ours.", "org", Some(acme)))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = res.headers().get("location").cloned();
    let (_, body) = read(res).await;
    let (visible, visible_body) = app
        .post(
            &mia,
            "/api/v1/articles",
            article("acme-desk", "Desk", "Again.", "org", Some(acme)),
        )
        .await;
    let (_, internal) = app.get_as::<Article>(&tom, "/api/v1/articles/vault").await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    let made: Article = typed(&body);
    assert!(made.slug.starts_with("vault-"), "{}", made.slug);
    assert_eq!(made.slug.len(), "vault-".len() + 6);
    assert_eq!(
        location.unwrap().to_str().unwrap(),
        format!("/api/v1/articles/{}", made.slug)
    );
    assert_eq!(made.body, "Ours.");
    assert_eq!(
        internal.body, "Internal only.",
        "the hidden article is untouched"
    );
    // An article she can read anyway is named as taken, as before.
    assert_eq!(visible, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(visible_body["error"]["fields"]["slug"].is_array());
}

#[tokio::test]
async fn files_behind_sign_in_are_never_kept_by_a_cache() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let (status, files) = upload(&app, &tom, "printer-offline", "panel.png", b"\x89PNG").await;
    assert_eq!(status, StatusCode::CREATED, "{files}");
    let article_file = typed::<Vec<ArticleFile>>(&files).remove(0);
    app.append_to_article(&tom, "printer-offline", &article_file.markdown)
        .await;
    let article_file = article_file.id;
    let ticket = file_ticket(&app, &rob, "Scanner", "Broken").await;
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(b"log".to_vec()).file_name("log.txt"),
    );
    let (_, detail) = read_as::<TicketDetail>(
        rob.post(app.url(&format!("/api/v1/tickets/{ticket}/attachments")))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let attachment = detail.attachments[0].id;

    for path in [
        format!("/api/v1/article-files/{article_file}"),
        format!("/api/v1/attachments/{attachment}"),
    ] {
        let res = rob.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(
            res.headers()["cache-control"],
            "private, no-store",
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_file_of_a_runbook_later_shared_reaches_clients_only_when_the_text_shows_it() {
    let app = spawn().await;
    let tom = app.signed_in(TECH).await;
    let rob = app.signed_in(ACME_REQUESTER).await;
    let runbook = create(
        &app,
        &tom,
        article(
            "vpn-runbook",
            "VPN runbook",
            "Admin password below.",
            "internal",
            None,
        ),
    )
    .await;
    let (_, uploaded) = upload(&app, &tom, "vpn-runbook", "password.png", b"\x89PNG").await;
    let secret = typed::<Vec<ArticleFile>>(&uploaded).remove(0);
    app.append_to_article(&tom, "vpn-runbook", &secret.markdown)
        .await;

    // Cleaned up and shared: the screenshot of the password is no longer in the text, but a
    // new diagram is.
    let (_, uploaded) = upload(&app, &tom, "vpn-runbook", "diagram.png", b"\x89PNG").await;
    let diagram = typed::<Vec<ArticleFile>>(&uploaded).remove(0);
    let (status, body) = edit(
        &app,
        &tom,
        "vpn-runbook",
        "Connecting to the VPN",
        &format!("Open the VPN app and sign in.\n\n{}", diagram.markdown),
        runbook.revision + 1,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let download = |client: &Client, id: i64| {
        let request = client.get(app.url(&format!("/api/v1/article-files/{id}")));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(download(&rob, diagram.id).await, StatusCode::OK);
    assert_eq!(download(&rob, secret.id).await, StatusCode::NOT_FOUND);
    assert_eq!(
        download(&tom, secret.id).await,
        StatusCode::OK,
        "its editors keep every file"
    );
}
