//! Small pieces every page uses: field errors, error notices, the organization filter.

use crate::accounts::Org;
use crate::error::AppError;
use leptos::prelude::*;

/// The message for one field, next to it, announced to screen readers.
#[component]
pub fn FieldError(
    #[prop(into)] id: String,
    field: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <p id=id class="field-error" aria-live="polite">
            {move || error.get().and_then(|e| e.field(field))}
        </p>
    }
}

/// A whole-form or page-level error.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <p class="error" role="alert">
            {error.to_string()}
        </p>
    }
}

/// Confirms that a form's last submission was saved. Without JavaScript the page reloads
/// showing the saved values instead.
#[component]
pub fn SavedNotice(#[prop(into)] saved: Signal<bool>, text: &'static str) -> impl IntoView {
    view! {
        <p class="success" role="status">
            {move || saved.get().then_some(text)}
        </p>
    }
}

/// The top of an action's form: its form-level error (errors about one field sit by the
/// field) and, once the last submission was saved, `text`.
#[component]
pub fn FormOutcome(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] saved: Signal<bool>,
    text: &'static str,
) -> impl IntoView {
    view! {
        <p class="error" role="alert">
            {move || form_error(error.get())}
        </p>
        <SavedNotice saved text />
    }
}

/// The form-level part of an action's error: everything that is not about one field.
pub fn form_error(error: Option<AppError>) -> Option<String> {
    match error {
        Some(AppError::Invalid { .. }) | None => None,
        Some(other) => Some(other.to_string()),
    }
}

/// Text for a `<textarea>`'s `inner_html`: a textarea cannot hold view children (the
/// hydration markers would become part of its text), and its content must not close it.
pub fn textarea_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

/// `text` as of the last pause in typing (a quarter of a second), so a search runs once a
/// word is typed rather than at every key. Empty until then, and always without JavaScript.
pub fn settled(text: Signal<String>) -> ReadSignal<String> {
    let (settled, set_settled) = signal(String::new());
    #[cfg(feature = "hydrate")]
    {
        let pending = StoredValue::new_local(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
        Effect::new(move |_| {
            let now = text.get();
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            let handle = leptos::leptos_dom::helpers::set_timeout_with_handle(
                move || set_settled.set(now),
                std::time::Duration::from_millis(250),
            )
            .ok();
            pending.set_value(handle);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (text, set_settled);
    settled
}

/// Marks the server's response as 404 for pages that show "not found".
pub fn not_found_status() {
    #[cfg(feature = "ssr")]
    set_status(axum::http::StatusCode::NOT_FOUND);
}

/// Marks the server's response as 403 for pages that are not part of the caller's role.
pub fn forbidden_status() {
    #[cfg(feature = "ssr")]
    set_status(axum::http::StatusCode::FORBIDDEN);
}

#[cfg(feature = "ssr")]
fn set_status(status: axum::http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textarea_text_cannot_close_its_textarea() {
        assert_eq!(
            textarea_text("a < b && </textarea><script>"),
            "a &lt; b &amp;&amp; &lt;/textarea>&lt;script>"
        );
    }
}

/// The "Organization" field of a page's filter form (`name="org"`): `blank` is the choice of
/// none, the one a visitor without JavaScript submits to mean every organization or none yet.
#[component]
pub fn OrgFilter(
    id: &'static str,
    orgs: Vec<Org>,
    selected: Option<i64>,
    blank: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>"Organization"</label>
            <select id=id name="org">
                <option value="" selected=selected.is_none()>
                    {blank}
                </option>
                {orgs
                    .into_iter()
                    .map(|o| {
                        view! {
                            <option value=o.id selected=selected == Some(o.id)>
                                {o.name}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
