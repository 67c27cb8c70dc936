//! The colour theme: light, dark, or whatever the device is set to (the default).
//!
//! A person picks it on their account page, and this browser remembers it in a cookie for a
//! year: a phone may well stay dark while the office desktop is light. The server reads the
//! cookie for every page and declares the theme on the document (`<html data-theme="dark">`
//! and its `color-scheme`), so the page arrives in its colours, with or without JavaScript,
//! and never flashes the other theme first. The stylesheet takes its colours from
//! `color-scheme` (`light-dark()`), so the three choices are three values of one property.

use crate::error::AppError;
use leptos::prelude::*;

/// The cookie that keeps this browser's choice.
pub const COOKIE: &str = "deskside_theme";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Follows the device's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "Same as this device",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    pub fn parse(value: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == value.trim())
    }

    /// The document's `color-scheme` for this choice.
    pub fn color_scheme(self) -> &'static str {
        match self {
            Theme::System => "light dark",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// The theme this request's browser chose: its cookie, read on the server, or the
/// document's own attribute in the browser (which the server set from the same cookie).
pub fn current() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .map(|parts| from_cookies(&parts.headers))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("data-theme"))
            .and_then(|value| Theme::parse(&value))
            .unwrap_or_default()
    }
}

/// The theme in a request's `Cookie` headers; the default when there is none or it is not
/// one of the three.
#[cfg(feature = "ssr")]
pub fn from_cookies(headers: &axum::http::HeaderMap) -> Theme {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(tower_sessions::cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == COOKIE)
        .and_then(|cookie| Theme::parse(cookie.value()))
        .unwrap_or_default()
}

/// Remembers `theme` in this browser (a year), for the person signed in on it.
#[server]
pub async fn choose_theme(theme: String) -> Result<String, AppError> {
    crate::backend::as_caller(|_, _| async move {
        let Some(theme) = Theme::parse(&theme) else {
            return Err(AppError::invalid(
                "theme",
                "Choose light, dark or the same as this device.",
            ));
        };
        let cookie = tower_sessions::cookie::Cookie::build((COOKIE, theme.as_str()))
            .path("/")
            .max_age(time::Duration::days(365))
            .same_site(tower_sessions::cookie::SameSite::Lax)
            .http_only(true)
            .build();
        let response = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
        let value = axum::http::HeaderValue::from_str(&cookie.to_string())
            .map_err(|_| AppError::Internal)?;
        response.append_header(axum::http::header::SET_COOKIE, value);
        Ok(theme.as_str().to_string())
    })
    .await
}

/// The theme choice on the account page: three radio buttons and Save. With JavaScript the
/// page changes colour at once; without it the form posts and the page comes back in the
/// new colours.
#[component]
pub fn ThemeForm() -> impl IntoView {
    let choose = ServerAction::<ChooseTheme>::new();
    let chosen = RwSignal::new(current());
    let error = Signal::derive(move || choose.value().get().and_then(Result::err));
    let saved = Signal::derive(move || matches!(choose.value().get(), Some(Ok(_))));
    Effect::new(move |_| {
        if let Some(Ok(value)) = choose.value().get()
            && let Some(theme) = Theme::parse(&value)
        {
            chosen.set(theme);
            #[cfg(feature = "hydrate")]
            if let Some(html) = document().document_element()
                && let Err(err) = html.set_attribute("data-theme", theme.as_str())
            {
                leptos::logging::warn!("cannot change the page's theme: {err:?}");
            }
        }
    });
    view! {
        <section class="card" aria-labelledby="theme-heading">
            <h2 id="theme-heading">"Appearance"</h2>
            <ActionForm action=choose>
                <crate::components::FormOutcome error saved text="Appearance saved." />
                <fieldset class="theme-choice">
                    <legend>"Colours on this browser"</legend>
                    {Theme::ALL
                        .into_iter()
                        .map(|theme| {
                            let id = format!("theme-{}", theme.as_str());
                            let label_for = id.clone();
                            view! {
                                <label for=label_for>
                                    <input
                                        type="radio"
                                        id=id
                                        name="theme"
                                        value=theme.as_str()
                                        checked=move || chosen.get() == theme
                                    />
                                    {theme.label()}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <button type="submit">"Save appearance"</button>
            </ActionForm>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_choices_parse() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), Some(theme));
        }
        assert_eq!(Theme::parse(" dark "), Some(Theme::Dark));
        assert_eq!(Theme::parse("Dark"), None);
        assert_eq!(Theme::parse("blue"), None);
        assert_eq!(Theme::parse(""), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_cookie_chooses_among_others_and_anything_else_is_the_device() {
        use axum::http::{HeaderMap, HeaderValue, header::COOKIE as HEADER};
        let mut headers = HeaderMap::new();
        assert_eq!(from_cookies(&headers), Theme::System);
        headers.append(
            HEADER,
            HeaderValue::from_static("id=abc; deskside_theme=dark"),
        );
        assert_eq!(from_cookies(&headers), Theme::Dark);
        let mut odd = HeaderMap::new();
        odd.append(
            HEADER,
            HeaderValue::from_static("deskside_theme=\"><script>"),
        );
        assert_eq!(from_cookies(&odd), Theme::System);
    }
}
