//! Starting a real server for one test, and signing people in.

use reqwest::{Client, Method, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use server::{settings::Settings, startup::Application};
use tempfile::TempDir;

pub const DEMO_PASSWORD: &str = server::demo::DEMO_PASSWORD;
pub const ADMIN: &str = "admin@provider.example";
pub const TECH: &str = "tom@provider.example";
pub const ACME_MANAGER: &str = "mia@acme.example";
pub const ACME_REQUESTER: &str = "rob@acme.example";
pub const BIRCH_MANAGER: &str = "ben@birch.example";
pub const BIRCH_REQUESTER: &str = "bea@birch.example";

pub struct TestApp {
    pub base: String,
    pub settings: Settings,
    /// The server's database handle, to count what a request reads.
    pub db: server::db::Db,
    _dir: TempDir,
}

/// A server with the demo organizations and people, on its own database.
pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// Like [`spawn`], with settings changed by `configure` first.
pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut settings = Settings::for_dir(dir.path());
    settings.demo = true;
    configure(&mut settings);
    let app = Application::build(&settings)
        .await
        .expect("the server starts");
    let base = format!("http://{}", app.local_addr());
    let db = app.db().clone();
    tokio::spawn(app.serve());
    TestApp {
        base,
        settings,
        db,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client that keeps cookies, like a browser, and follows no redirects.
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client")
    }

    /// A client signed in as `email` with the demo password.
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = self.client();
        let res = self.login(&client, email, DEMO_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "{email} signs in");
        client
    }

    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("the server answers")
    }

    /// Signs in through a reverse proxy that says the request came from `client_address`.
    pub async fn login_from(
        &self,
        client: &Client,
        client_address: &str,
        email: &str,
        password: &str,
    ) -> Response {
        client
            .post(self.url("/api/v1/auth/login"))
            .header("x-forwarded-for", client_address)
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn get(&self, client: &Client, path: &str) -> (StatusCode, Value) {
        let res = client.get(self.url(path)).send().await.expect("an answer");
        read(res).await
    }

    pub async fn send(
        &self,
        client: &Client,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        read(self.send_json(client, method, path, body).await).await
    }

    pub async fn post(&self, client: &Client, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(client, reqwest::Method::POST, path, body).await
    }

    /// Like [`TestApp::get`], with the body read as one of the app's own types.
    pub async fn get_as<T: DeserializeOwned>(
        &self,
        client: &Client,
        path: &str,
    ) -> (StatusCode, T) {
        let res = client.get(self.url(path)).send().await.expect("an answer");
        read_as(res).await
    }

    /// Like [`TestApp::send`], with the body read as one of the app's own types.
    pub async fn send_as<T: DeserializeOwned>(
        &self,
        client: &Client,
        method: Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, T) {
        read_as(self.send_json(client, method, path, body).await).await
    }

    /// Sends `body` as JSON with `method`; the answer, unread.
    async fn send_json(
        &self,
        client: &Client,
        method: Method,
        path: &str,
        body: Value,
    ) -> Response {
        client
            .request(method, self.url(path))
            .json(&body)
            .send()
            .await
            .expect("an answer")
    }

    pub async fn post_as<T: DeserializeOwned>(
        &self,
        client: &Client,
        path: &str,
        body: Value,
    ) -> (StatusCode, T) {
        self.send_as(client, Method::POST, path, body).await
    }

    pub async fn patch_as<T: DeserializeOwned>(
        &self,
        client: &Client,
        path: &str,
        body: Value,
    ) -> (StatusCode, T) {
        self.send_as(client, Method::PATCH, path, body).await
    }

    /// The id of the organization called `name`, as an admin sees it.
    /// Posts `form` to `path` the way a browser without JavaScript does from page `from`.
    pub async fn post_form(
        &self,
        client: &Client,
        path: &str,
        from: &str,
        form: &[(&str, &str)],
    ) -> Response {
        client
            .post(self.url(path))
            .header("accept", "text/html")
            .header("referer", self.url(from))
            .form(form)
            .send()
            .await
            .expect("an answer")
    }

    /// The HTML of the page at `path` as `client`'s browser gets it (asking for HTML).
    pub async fn page_text(&self, client: &Client, path: &str) -> String {
        client
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("the page answers")
            .text()
            .await
            .expect("the whole page arrives")
    }

    /// Adds `markdown` (an uploaded file's, say) to the end of the article at `slug`, as its
    /// editor `client`, keeping everything else: readers may download only files the current
    /// text links. The article's new revision number.
    pub async fn append_to_article(&self, client: &Client, slug: &str, markdown: &str) -> i64 {
        let (status, article) = self.get(client, &format!("/api/v1/articles/{slug}")).await;
        assert_eq!(status, StatusCode::OK, "{article}");
        let edit = json!({
            "title": article["title"],
            "body": format!("{}\n\n{markdown}", article["body"].as_str().unwrap_or_default()),
            "tags": article["tags"],
            "space": article["space"],
            "visibility": article["visibility"],
            "org_id": article["org_id"],
            "published": article["published"],
            "base_revision": article["revision"],
        });
        let (status, body) = self
            .send(
                client,
                Method::PUT,
                &format!("/api/v1/articles/{slug}"),
                edit,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["revision"].as_i64().expect("the new revision")
    }

    pub async fn org_id(&self, name: &str) -> i64 {
        let admin = self.signed_in(ADMIN).await;
        let (_, orgs) = self.get(&admin, "/api/v1/orgs").await;
        orgs.as_array()
            .and_then(|list| list.iter().find(|o| o["name"] == name))
            .and_then(|o| o["id"].as_i64())
            .unwrap_or_else(|| panic!("no organization {name}"))
    }

    /// The id of the person with `email`, as an admin sees it.
    pub async fn user_id(&self, email: &str) -> i64 {
        let admin = self.signed_in(ADMIN).await;
        let (_, users) = self.get(&admin, "/api/v1/users").await;
        users
            .as_array()
            .and_then(|list| list.iter().find(|u| u["email"] == email))
            .and_then(|u| u["id"].as_i64())
            .unwrap_or_else(|| panic!("no user {email}"))
    }
}

/// Status and JSON body (`null` for an empty body).
pub async fn read(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body, got {text:?}"))
    };
    (status, body)
}

/// Status and body as `T`, one of the types the app itself reads. An error status fails here
/// with the body shown, since an error body is no `T`; the exact status is the test's to check.
pub async fn read_as<T: DeserializeOwned>(res: Response) -> (StatusCode, T) {
    let (status, body) = read(res).await;
    assert!(
        status.is_success(),
        "expected a success, got {status}: {body}"
    );
    (status, typed(&body))
}

/// A JSON body read as `T`, for a test that also looks at the JSON itself.
pub fn typed<T: DeserializeOwned>(body: &Value) -> T {
    T::deserialize(body)
        .unwrap_or_else(|err| panic!("a {}: {err}, got {body}", std::any::type_name::<T>()))
}

/// Asserts the uniform error shape and returns its code.
pub fn error_code(body: &Value) -> &str {
    let error = &body["error"];
    assert!(error["message"].is_string(), "error has a message: {body}");
    assert!(error["fields"].is_object(), "error has fields: {body}");
    error["code"].as_str().expect("error has a code")
}
