//! The organization settings page, `/admin/orgs/:id` and `/settings`: one form with one Save,
//! so no section's changes are left behind by saving another, and the server functions.

// The forms' server functions take one argument per form field, as plain forms post them.
#![allow(clippy::too_many_arguments)]

use super::hours::WEEKDAYS;
#[cfg(feature = "ssr")]
use super::hours::weekdays_text;
use super::{Category, Hours, OrgSettings, Target, hours_text};
#[cfg(feature = "ssr")]
use super::{CategoryChange, SettingsChange, parse_category_name, parse_target_hours};
use crate::accounts::{Actor, OrgId, Role};
use crate::auth::Protected;
use crate::components::{ErrorNotice, FieldError, SavedNotice, form_error};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Validator;
use crate::tickets::Priority;
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn get_org_settings(org_id: OrgId) -> Result<OrgSettings, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.settings.settings(&actor, org_id).await
    })
    .await
}

/// One category's row of the settings form: `categories[0][id]`, `categories[0][name]`, …
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CategoryField {
    pub id: i64,
    pub name: String,
    /// Present (`on`) when the box "Archived" is ticked.
    pub archived: Option<String>,
}

/// The whole settings form, saved at once: sharing, and for admins the business hours, the
/// targets and the categories (renamed, archived or restored, one added). A part whose fields
/// are absent stays as it is, so a manager's form carries only sharing. Every field is checked
/// before anything is written; a mistake comes back under the field it belongs to.
#[server]
pub async fn save_settings(
    org_id: OrgId,
    share: Option<String>,
    time_zone: Option<String>,
    start: Option<String>,
    end: Option<String>,
    mon: Option<String>,
    tue: Option<String>,
    wed: Option<String>,
    thu: Option<String>,
    fri: Option<String>,
    sat: Option<String>,
    sun: Option<String>,
    urgent_first_response: Option<String>,
    urgent_resolution: Option<String>,
    high_first_response: Option<String>,
    high_resolution: Option<String>,
    normal_first_response: Option<String>,
    normal_resolution: Option<String>,
    low_first_response: Option<String>,
    low_resolution: Option<String>,
    categories: Option<Vec<CategoryField>>,
    new_category: Option<String>,
) -> Result<OrgSettings, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let mut v = Validator::new();
        let business_hours = time_zone.map(|time_zone| {
            let open = [mon, tue, wed, thu, fri, sat, sun].map(|on| on.is_some());
            Hours {
                time_zone,
                weekdays: weekdays_text(open),
                start: start.unwrap_or_default(),
                end: end.unwrap_or_default(),
            }
        });
        let typed = [
            (Priority::Urgent, urgent_first_response, urgent_resolution),
            (Priority::High, high_first_response, high_resolution),
            (Priority::Normal, normal_first_response, normal_resolution),
            (Priority::Low, low_first_response, low_resolution),
        ];
        let mut sla = None;
        for (priority, first, resolution) in typed {
            let (Some(first), Some(resolution)) = (first, resolution) else {
                continue;
            };
            let p = priority.as_str();
            let first = v.check(&format!("{p}_first_response"), parse_target_hours(&first));
            let resolution = v.check(&format!("{p}_resolution"), parse_target_hours(&resolution));
            if let (Some(first), Some(resolution)) = (first, resolution) {
                sla.get_or_insert_with(Vec::new).push(Target {
                    priority,
                    first_response_minutes: first,
                    resolution_minutes: resolution,
                });
            }
        }
        let current = backend.settings.settings(&actor, org_id).await?;
        let mut renames = Vec::new();
        for field in categories.into_iter().flatten() {
            let Some(was) = current.categories.iter().find(|c| c.id == field.id) else {
                return Err(AppError::NotFound);
            };
            let name = v.check(&category_field(field.id), parse_category_name(&field.name));
            let archived = field.archived.is_some();
            if let Some(name) = name
                && (name != was.name || archived != was.archived)
            {
                let change = CategoryChange {
                    name: (name != was.name).then_some(name),
                    archived: (archived != was.archived).then_some(archived),
                };
                renames.push((field.id, change));
            }
        }
        let new_category = new_category.filter(|n| !n.trim().is_empty());
        if let Some(name) = &new_category {
            v.check("new_category", parse_category_name(name));
        }
        v.finish(|| Some(()))?;

        let change = SettingsChange {
            share_tickets: Some(share.is_some()),
            business_hours,
            sla,
        };
        let mut saved = backend
            .settings
            .change_settings(&actor, org_id, change)
            .await?;
        for (id, change) in renames {
            saved = backend
                .settings
                .change_category(&actor, id, change)
                .await
                .map_err(|e| e.renamed_field("name", &category_field(id)))?;
        }
        if let Some(name) = new_category {
            saved = backend
                .settings
                .add_category(&actor, org_id, &name)
                .await
                .map_err(|e| e.renamed_field("name", "new_category"))?;
        }
        Ok(saved)
    })
    .await
}

/// The form field of a category's name: `category_12`.
fn category_field(id: i64) -> String {
    format!("category_{id}")
}

/// `/admin/orgs/:id`: an admin sets up one client organization.
#[component]
pub fn OrgSettingsPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    view! {
        <Protected
            allow=|role| role == Role::Admin
            render=move |_: Actor| {
                let org = params.read_untracked().get("id").and_then(|id| id.parse().ok());
                match org {
                    Some(org) => view! { <SettingsView org /> }.into_any(),
                    None => view! { <ErrorNotice error=AppError::NotFound /> }.into_any(),
                }
            }
        />
    }
}

/// `/settings`: a manager's own organization.
#[component]
pub fn OwnSettingsPage() -> impl IntoView {
    view! {
        <Protected
            allow=|role| role == Role::Manager
            render=|me: Actor| view! { <SettingsView org=me.org_id /> }
        />
    }
}

#[component]
fn SettingsView(org: OrgId) -> impl IntoView {
    let save = ServerAction::<SaveSettings>::new();
    let settings = Resource::new(move || save.version().get(), move |_| get_org_settings(org));
    // Changes typed but not saved yet: leaving the page then asks first (with JavaScript;
    // without it the one form cannot lose a section's changes to another section's save).
    let dirty = RwSignal::new(false);
    guard_unsaved(dirty);
    view! {
        <Title text="Organization settings" />
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! { <SettingsForm s save dirty /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Asks before a page with unsaved changes is left: closing or reloading the tab
/// (`beforeunload`) or following a link inside the app (a click caught before the router's).
#[cfg(feature = "hydrate")]
fn guard_unsaved(dirty: RwSignal<bool>) {
    use wasm_bindgen::{JsCast, closure::Closure};
    // Once the page is gone its signal is too: then nothing is unsaved.
    let unsaved = move || dirty.try_get_untracked().unwrap_or(false);
    let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if unsaved() {
            ev.prevent_default();
            let _ = js_sys::Reflect::set(ev.as_ref(), &"returnValue".into(), &"".into());
        }
    });
    on_cleanup(move || unload.remove());
    let click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        if !unsaved() {
            return;
        }
        let link = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten());
        if link.is_some()
            && !window()
                .confirm_with_message(
                    "Leave this page? Your changes to the settings are not saved.",
                )
                .unwrap_or(true)
        {
            ev.prevent_default();
            ev.stop_immediate_propagation();
        }
    });
    // Captured on the document, so it runs before the router follows the link. It stays
    // registered (one small closure per visit) and does nothing once the page is gone.
    let _ = document().add_event_listener_with_callback_and_bool(
        "click",
        click.as_ref().unchecked_ref(),
        true,
    );
    click.forget();
}

#[cfg(not(feature = "hydrate"))]
fn guard_unsaved(_dirty: RwSignal<bool>) {}

#[component]
fn SettingsForm(
    s: OrgSettings,
    save: ServerAction<SaveSettings>,
    dirty: RwSignal<bool>,
) -> impl IntoView {
    let org = s.org_id;
    let editable = s.editable;
    // The latest answer only: a success clears the error before it.
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let saved = Signal::derive(move || matches!(save.value().get(), Some(Ok(_))));
    view! {
        <h1>{format!("{}: settings", s.org_name)}</h1>
        <ActionForm
            action=save
            attr:class="settings"
            on:input=move |_| dirty.set(true)
            on:change=move |_| dirty.set(true)
            on:submit=move |_| dirty.set(false)
        >
            <input type="hidden" name="org_id" value=org />
            <p class="error" role="alert">
                {move || {
                    form_error(error.get())
                        .or_else(|| {
                            error
                                .get()
                                .is_some()
                                .then(|| {
                                    "Check the fields marked below; they were not saved.".into()
                                })
                        })
                }}
            </p>
            <SharingSection share=s.share_tickets />
            <HoursSection
                hours=s.business_hours.clone()
                editable
                zones=s.time_zones.clone()
                error
            />
            <TargetsSection targets=s.sla.clone() editable error />
            <CategoriesSection categories=s.categories.clone() editable error />
            <div class="form-actions">
                <button type="submit">"Save settings"</button>
                <SavedNotice saved text="Settings saved." />
            </div>
        </ActionForm>
    }
    .into_any()
}

/// What a manager reads where an admin finds fields: the provider sets these.
const SET_BY_PROVIDER: &str = "Set by your IT provider.";

#[component]
fn SharingSection(share: bool) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="sharing-heading">
            <h2 id="sharing-heading">"Who sees which tickets"</h2>
            <div class="check">
                <input id="share-tickets" type="checkbox" name="share" value="on" checked=share />
                <label for="share-tickets">
                    "Colleagues see each other's tickets (managers always see all of them)"
                </label>
            </div>
        </section>
    }
}

#[component]
fn HoursSection(
    hours: Hours,
    editable: bool,
    zones: Vec<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let open: [bool; 7] =
        WEEKDAYS.map(|(day, _)| hours.weekdays.split(',').any(|d| d.trim() == day));
    let body = if editable {
        view! {
            <div class="field">
                <label for="hours-zone">"Time zone"</label>
                <input
                    id="hours-zone"
                    name="time_zone"
                    list="time-zones"
                    autocomplete="off"
                    value=hours.time_zone.clone()
                    aria-describedby="hours-zone-hint hours-zone-error"
                />
                <p id="hours-zone-hint" class="hint">
                    "Type a city or region to search, e.g. New_York or Berlin."
                </p>
                <datalist id="time-zones">
                    {zones.into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
                </datalist>
                <FieldError id="hours-zone-error" field="time_zone" error />
            </div>
            <fieldset class="weekdays" aria-describedby="hours-days-error">
                <legend>"Open on"</legend>
                {WEEKDAYS
                    .iter()
                    .enumerate()
                    .map(|(index, (day, label))| {
                        let id = format!("hours-{day}");
                        view! {
                            <span class="check">
                                <input
                                    id=id.clone()
                                    type="checkbox"
                                    name=*day
                                    value="on"
                                    checked=open[index]
                                />
                                <label for=id>{*label}</label>
                            </span>
                        }
                    })
                    .collect_view()}
                <FieldError id="hours-days-error" field="weekdays" error=error />
            </fieldset>
            <div class="field-row">
                <HoursText
                    id="hours-start"
                    name="start"
                    label="Opens at"
                    value=hours.start.clone()
                    error
                />
                <HoursText
                    id="hours-end"
                    name="end"
                    label="Closes at"
                    value=hours.end.clone()
                    error
                />
            </div>
        }
        .into_any()
    } else {
        let days = WEEKDAYS
            .iter()
            .zip(open)
            .filter(|(_, on)| *on)
            .map(|((_, label), _)| *label)
            .collect::<Vec<_>>()
            .join(", ");
        view! {
            <dl class="facts">
                <dt>"Time zone"</dt>
                <dd>{hours.time_zone.clone()}</dd>
                <dt>"Open on"</dt>
                <dd>{days}</dd>
                <dt>"Hours"</dt>
                <dd>{format!("{}–{}", hours.start, hours.end)}</dd>
            </dl>
            <p class="muted">{SET_BY_PROVIDER}</p>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="hours-heading">
            <h2 id="hours-heading">"Business hours"</h2>
            <p class="muted">
                "SLA targets count only these hours. Changes apply to tickets filed or re-prioritized from now on."
            </p>
            {body}
        </section>
    }
}

/// A text field of the hours form, with the server's message about it below.
#[component]
fn HoursText(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id name=name value=value aria-describedby=error_id.clone() />
            <FieldError id=error_id field=name error />
        </div>
    }
}

#[component]
fn TargetsSection(
    targets: Vec<Target>,
    editable: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let target = move |p: Priority| targets.iter().find(|t| t.priority == p).copied();
    let rows = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ]
    .into_iter()
    .map(|p| {
        let t = target(p);
        let first = t
            .map(|t| hours_text(t.first_response_minutes))
            .unwrap_or_default();
        let resolution = t
            .map(|t| hours_text(t.resolution_minutes))
            .unwrap_or_default();
        if !editable {
            return view! {
                <tr>
                    <th scope="row">{p.label()}</th>
                    <td data-label="First response (hours)">{first}</td>
                    <td data-label="Resolution (hours)">{resolution}</td>
                </tr>
            }
            .into_any();
        }
        let first_name = format!("{}_first_response", p.as_str());
        let resolution_name = format!("{}_resolution", p.as_str());
        let first_id = format!("sla-{}-first", p.as_str());
        let resolution_id = format!("sla-{}-resolution", p.as_str());
        let first_field: &'static str = match p {
            Priority::Urgent => "urgent_first_response",
            Priority::High => "high_first_response",
            Priority::Normal => "normal_first_response",
            Priority::Low => "low_first_response",
        };
        let resolution_field: &'static str = match p {
            Priority::Urgent => "urgent_resolution",
            Priority::High => "high_resolution",
            Priority::Normal => "normal_resolution",
            Priority::Low => "low_resolution",
        };
        view! {
            <tr>
                <th scope="row">{p.label()}</th>
                <td data-label="First response (hours)">
                    <label class="visually-hidden" for=first_id.clone()>
                        {format!("{} first response (hours)", p.label())}
                    </label>
                    <input
                        id=first_id.clone()
                        name=first_name
                        value=first
                        inputmode="decimal"
                        size="6"
                    />
                    <FieldError id=format!("{first_id}-error") field=first_field error=error />
                </td>
                <td data-label="Resolution (hours)">
                    <label class="visually-hidden" for=resolution_id.clone()>
                        {format!("{} resolution (hours)", p.label())}
                    </label>
                    <input
                        id=resolution_id.clone()
                        name=resolution_name
                        value=resolution
                        inputmode="decimal"
                        size="6"
                    />
                    <FieldError
                        id=format!("{resolution_id}-error")
                        field=resolution_field
                        error=error
                    />
                </td>
            </tr>
        }
        .into_any()
    })
    .collect_view();
    view! {
        <section class="card" aria-labelledby="sla-heading">
            <h2 id="sla-heading">"SLA targets"</h2>
            <p class="muted">"In business hours; 0.5 is half an hour."</p>
            <table class="targets stack">
                <thead>
                    <tr>
                        <th scope="col">"Priority"</th>
                        <th scope="col">"First response (hours)"</th>
                        <th scope="col">"Resolution (hours)"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {(!editable).then(|| view! { <p class="muted">{SET_BY_PROVIDER}</p> })}
        </section>
    }
}

/// "Other" is where uncategorized requests go: it is always there, so it is never offered for
/// renaming or archiving.
const FALLBACK_CATEGORY: &str = "Other";

#[component]
fn CategoriesSection(
    categories: Vec<Category>,
    editable: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let rows = categories
        .into_iter()
        .enumerate()
        .map(|(index, c)| {
            let fixed = !editable || c.name == FALLBACK_CATEGORY;
            if fixed {
                let note = if c.name == FALLBACK_CATEGORY {
                    Some(" (where uncategorized requests go)")
                } else {
                    c.archived.then_some(" (archived)")
                };
                return view! {
                    <li class:archived=c.archived>
                        <span>{c.name.clone()}</span>
                        <span class="muted">{note}</span>
                    </li>
                }
                .into_any();
            }
            let id = format!("category-{}", c.id);
            let archived_id = format!("category-{}-archived", c.id);
            let error_id = format!("category-{}-error", c.id);
            let field = category_field(c.id);
            view! {
                <li class:archived=c.archived>
                    <input type="hidden" name=format!("categories[{index}][id]") value=c.id />
                    <label class="visually-hidden" for=id.clone()>
                        {format!("Name of {}", c.name)}
                    </label>
                    <input
                        id=id
                        name=format!("categories[{index}][name]")
                        value=c.name.clone()
                        aria-describedby=error_id.clone()
                    />
                    <span class="check">
                        <input
                            id=archived_id.clone()
                            type="checkbox"
                            name=format!("categories[{index}][archived]")
                            value="on"
                            checked=c.archived
                        />
                        <label for=archived_id>
                            "Archived"
                            <span class="visually-hidden">{format!(" ({})", c.name)}</span>
                        </label>
                    </span>
                    <p id=error_id class="field-error" aria-live="polite">
                        {move || error.get().and_then(|e| e.field(&field))}
                    </p>
                </li>
            }
            .into_any()
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="categories-heading">
            <h2 id="categories-heading">"Categories"</h2>
            {editable
                .then(|| {
                    view! {
                        <p class="muted">
                            "Archived categories stay on their tickets but are no longer offered."
                        </p>
                    }
                })}
            <ul class="categories">{rows}</ul>
            {editable
                .then(|| {
                    view! {
                        <div class="field">
                            <label for="category-new">"New category"</label>
                            <input
                                id="category-new"
                                name="new_category"
                                aria-describedby="category-new-error"
                            />
                            <FieldError id="category-new-error" field="new_category" error />
                        </div>
                    }
                })}
            {(!editable).then(|| view! { <p class="muted">{SET_BY_PROVIDER}</p> })}
        </section>
    }
}
