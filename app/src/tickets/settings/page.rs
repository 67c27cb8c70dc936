//! The organization settings page, `/admin/orgs/:id` and `/settings`: its forms and the server
//! functions they post to.

// The forms' server functions take one argument per form field, as plain forms post them.
#![allow(clippy::too_many_arguments)]

use super::hours::WEEKDAYS;
#[cfg(feature = "ssr")]
use super::hours::weekdays_text;
use super::{Category, Hours, OrgSettings, Target, hours_text};
#[cfg(feature = "ssr")]
use super::{CategoryChange, SettingsChange, parse_target_hours};
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

#[server]
pub async fn save_sharing(org_id: OrgId, share: Option<String>) -> Result<OrgSettings, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let change = SettingsChange {
            share_tickets: Some(share.is_some()),
            ..SettingsChange::default()
        };
        backend
            .settings
            .change_settings(&actor, org_id, change)
            .await
    })
    .await
}

#[server]
pub async fn save_hours(
    org_id: OrgId,
    time_zone: String,
    start: String,
    end: String,
    mon: Option<String>,
    tue: Option<String>,
    wed: Option<String>,
    thu: Option<String>,
    fri: Option<String>,
    sat: Option<String>,
    sun: Option<String>,
) -> Result<OrgSettings, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let open = [mon, tue, wed, thu, fri, sat, sun].map(|on| on.is_some());
        let weekdays = weekdays_text(open);
        let change = SettingsChange {
            business_hours: Some(Hours {
                time_zone,
                weekdays,
                start,
                end,
            }),
            ..SettingsChange::default()
        };
        backend
            .settings
            .change_settings(&actor, org_id, change)
            .await
    })
    .await
}

#[server]
pub async fn save_targets(
    org_id: OrgId,
    urgent_first_response: String,
    urgent_resolution: String,
    high_first_response: String,
    high_resolution: String,
    normal_first_response: String,
    normal_resolution: String,
    low_first_response: String,
    low_resolution: String,
) -> Result<OrgSettings, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let typed = [
            (Priority::Urgent, urgent_first_response, urgent_resolution),
            (Priority::High, high_first_response, high_resolution),
            (Priority::Normal, normal_first_response, normal_resolution),
            (Priority::Low, low_first_response, low_resolution),
        ];
        let mut v = Validator::new();
        let mut targets = Vec::new();
        for (priority, first, resolution) in typed {
            let p = priority.as_str();
            let first = v.check(&format!("{p}_first_response"), parse_target_hours(&first));
            let resolution = v.check(&format!("{p}_resolution"), parse_target_hours(&resolution));
            if let (Some(first), Some(resolution)) = (first, resolution) {
                targets.push(Target {
                    priority,
                    first_response_minutes: first,
                    resolution_minutes: resolution,
                });
            }
        }
        let targets = v.finish(|| Some(targets))?;
        let change = SettingsChange {
            sla: Some(targets),
            ..SettingsChange::default()
        };
        backend
            .settings
            .change_settings(&actor, org_id, change)
            .await
    })
    .await
}

#[server]
pub async fn add_category(org_id: OrgId, name: String) -> Result<OrgSettings, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.settings.add_category(&actor, org_id, &name).await
    })
    .await
}

#[server]
pub async fn change_category(
    category_id: i64,
    name: Option<String>,
    archived: Option<bool>,
) -> Result<OrgSettings, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let change = CategoryChange { name, archived };
        backend
            .settings
            .change_category(&actor, category_id, change)
            .await
    })
    .await
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
    let sharing = ServerAction::<SaveSharing>::new();
    let hours = ServerAction::<SaveHours>::new();
    let targets = ServerAction::<SaveTargets>::new();
    let add = ServerAction::<AddCategory>::new();
    let change = ServerAction::<ChangeCategory>::new();
    let settings = Resource::new(
        move || {
            (
                sharing.version().get(),
                hours.version().get(),
                targets.version().get(),
                add.version().get(),
                change.version().get(),
            )
        },
        move |_| get_org_settings(org),
    );
    let forms = SettingsForms {
        sharing,
        hours,
        targets,
        add,
        change,
    };
    view! {
        <Title text="Organization settings" />
        <Transition fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! { <SettingsSections s forms /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct SettingsForms {
    sharing: ServerAction<SaveSharing>,
    hours: ServerAction<SaveHours>,
    targets: ServerAction<SaveTargets>,
    add: ServerAction<AddCategory>,
    change: ServerAction<ChangeCategory>,
}

#[component]
fn SettingsSections(s: OrgSettings, forms: SettingsForms) -> impl IntoView {
    let org = s.org_id;
    let editable = s.editable;
    view! {
        <h1>{format!("{}: settings", s.org_name)}</h1>
        <SharingForm org share=s.share_tickets action=forms.sharing />
        <HoursForm org hours=s.business_hours.clone() editable action=forms.hours />
        <TargetsForm org targets=s.sla.clone() editable action=forms.targets />
        <CategoriesForm
            org
            categories=s.categories.clone()
            editable
            add=forms.add
            change=forms.change
        />
    }
    .into_any()
}

#[component]
fn SharingForm(org: OrgId, share: bool, action: ServerAction<SaveSharing>) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let saved = Signal::derive(move || matches!(action.value().get(), Some(Ok(_))));
    view! {
        <section class="card" aria-labelledby="sharing-heading">
            <h2 id="sharing-heading">"Who sees which tickets"</h2>
            <ActionForm action>
                <input type="hidden" name="org_id" value=org />
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p>
                <SavedNotice saved text="Sharing saved." />
                <div class="check">
                    <input
                        id="share-tickets"
                        type="checkbox"
                        name="share"
                        value="on"
                        checked=share
                    />
                    <label for="share-tickets">
                        "Colleagues see each other's tickets (managers always see all of them)"
                    </label>
                </div>
                <button type="submit">"Save sharing"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn HoursForm(
    org: OrgId,
    hours: Hours,
    editable: bool,
    action: ServerAction<SaveHours>,
) -> impl IntoView {
    let saved = Signal::derive(move || matches!(action.value().get(), Some(Ok(_))));
    let open: [bool; 7] =
        WEEKDAYS.map(|(day, _)| hours.weekdays.split(',').any(|d| d.trim() == day));
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="hours-heading">
            <h2 id="hours-heading">"Business hours"</h2>
            <p class="muted">
                "SLA targets count only these hours. Changes apply to tickets filed or re-prioritized from now on."
            </p>
            <ActionForm action>
                <input type="hidden" name="org_id" value=org />
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p>
                <SavedNotice saved text="Business hours saved." />
                <fieldset disabled=!editable>
                    <HoursText
                        id="hours-zone"
                        name="time_zone"
                        label="Time zone"
                        value=hours.time_zone.clone()
                        error
                    />
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
                    {editable.then(|| view! { <button type="submit">"Save hours"</button> })}
                </fieldset>
            </ActionForm>
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
fn TargetsForm(
    org: OrgId,
    targets: Vec<Target>,
    editable: bool,
    action: ServerAction<SaveTargets>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let saved = Signal::derive(move || matches!(action.value().get(), Some(Ok(_))));
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
                <td>
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
                <td>
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
    })
    .collect_view();
    view! {
        <section class="card" aria-labelledby="sla-heading">
            <h2 id="sla-heading">"SLA targets"</h2>
            <p class="muted">"In business hours; 0.5 is half an hour."</p>
            <ActionForm action>
                <input type="hidden" name="org_id" value=org />
                <p class="error" role="alert">
                    {move || form_error(error.get())}
                </p>
                <SavedNotice saved text="Targets saved." />
                <fieldset disabled=!editable>
                    <table>
                        <thead>
                            <tr>
                                <th scope="col">"Priority"</th>
                                <th scope="col">"First response (hours)"</th>
                                <th scope="col">"Resolution (hours)"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                    {editable.then(|| view! { <button type="submit">"Save targets"</button> })}
                </fieldset>
            </ActionForm>
        </section>
    }
}

#[component]
fn CategoriesForm(
    org: OrgId,
    categories: Vec<Category>,
    editable: bool,
    add: ServerAction<AddCategory>,
    change: ServerAction<ChangeCategory>,
) -> impl IntoView {
    let add_error = Signal::derive(move || add.value().get().and_then(Result::err));
    let change_error = Signal::derive(move || change.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="categories-heading">
            <h2 id="categories-heading">"Categories"</h2>
            <p class="error" role="alert">
                {move || {
                    form_error(change_error.get())
                        .or_else(|| change_error.get().and_then(|e| e.field("name")))
                }}
            </p>
            <ul class="categories">
                {categories
                    .into_iter()
                    .map(|c| {
                        let label = format!("Rename {}", c.name);
                        let id = format!("category-{}", c.id);
                        view! {
                            <li class:archived=c
                                .archived>
                                {if editable {
                                    view! {
                                        <ActionForm action=change attr:class="inline">
                                            <input type="hidden" name="category_id" value=c.id />
                                            <label class="visually-hidden" for=id.clone()>
                                                {label}
                                            </label>
                                            <input id=id name="name" value=c.name.clone() />
                                            <button type="submit">"Rename"</button>
                                        </ActionForm>
                                        <ActionForm action=change attr:class="inline">
                                            <input type="hidden" name="category_id" value=c.id />
                                            <input
                                                type="hidden"
                                                name="archived"
                                                value=(!c.archived).to_string()
                                            />
                                            <button type="submit">
                                                {if c.archived { "Restore" } else { "Archive" }}
                                            </button>
                                        </ActionForm>
                                    }
                                        .into_any()
                                } else {
                                    view! { <span>{c.name.clone()}</span> }.into_any()
                                }} {c.archived.then_some(" (archived)")}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {editable
                .then(|| {
                    view! {
                        <ActionForm action=add>
                            <input type="hidden" name="org_id" value=org />
                            <p class="error" role="alert">
                                {move || form_error(add_error.get())}
                            </p>
                            <div class="field">
                                <label for="category-new">"New category"</label>
                                <input
                                    id="category-new"
                                    name="name"
                                    aria-describedby="category-new-error"
                                />
                                <FieldError id="category-new-error" field="name" error=add_error />
                            </div>
                            <button type="submit">"Add category"</button>
                        </ActionForm>
                    }
                })}
        </section>
    }
}
