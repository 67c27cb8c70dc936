//! Managing organizations and people: admins for everyone, managers for their own requesters.

use crate::accounts::{Actor, FileUsage, Org, OrgId, OrgKind, Role, User, UserId, human_size};
use crate::auth::Protected;
use crate::clock::OnDate;
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn list_orgs() -> Result<Vec<Org>, AppError> {
    crate::backend::as_caller(
        |actor, backend| async move { backend.accounts.list_orgs(&actor).await },
    )
    .await
}

/// Creates a client organization. A plain form post (no JavaScript) comes back to
/// `/admin?created=<id>`, so the page can say which organization was created.
#[server]
pub async fn create_org(name: String) -> Result<Org, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let org = backend.accounts.create_org(&actor, &name).await?;
        if crate::backend::plain_form() {
            leptos_axum::redirect(&format!("/admin?created={}", org.id));
        }
        Ok(org)
    })
    .await
}

#[server]
pub async fn list_users(org_id: Option<OrgId>) -> Result<Vec<User>, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.accounts.list_users(&actor, org_id).await
    })
    .await
}

/// Adds a person and mails them an invitation to choose their password.
#[server]
pub async fn create_user(
    org_id: Option<OrgId>,
    role: String,
    email: String,
    name: String,
) -> Result<User, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let new =
            crate::accounts::Invitee::parse(org_id.unwrap_or(actor.org_id), &role, &email, &name)?;
        backend.accounts.create_user(&actor, new).await
    })
    .await
}

/// Mails a person still invited a new invitation; the old link stops working.
#[server]
pub async fn resend_invitation(user_id: UserId) -> Result<User, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.accounts.resend_invitation(&actor, user_id).await
    })
    .await
}

#[server]
pub async fn set_user_active(user_id: UserId, active: bool) -> Result<User, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend
            .accounts
            .set_user_active(&actor, user_id, active)
            .await
    })
    .await
}

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Title text="Administration" />
        <Protected
            allow=|role| role == Role::Admin
            render=|me: Actor| {
                let create = ServerAction::<CreateOrg>::new();
                let orgs = Resource::new(move || create.version().get(), |_| list_orgs());
                let query = leptos_router::hooks::use_query_map();
                let created_id = move || {
                    query.with(|q| q.get("created")).and_then(|id| id.parse::<OrgId>().ok())
                };
                // Without JavaScript the created organization's id comes back in the address.
                view! {
                    <h1>"Administration"</h1>
                    <p>
                        <a href="/admin/mail">"Mail: sending, the outbox, a test message"</a>
                    </p>
                    <section class="card" aria-labelledby="orgs-heading">
                        <h2 id="orgs-heading">"Organizations"</h2>
                        <Transition fallback=|| {
                            view! { <p class="muted">"Loading…"</p> }
                        }>
                            {move || Suspend::new(async move {
                                match orgs.await {
                                    Ok(list) => {
                                        let created = created_id()
                                            .and_then(|id| list.iter().find(|o| o.id == id))
                                            .map(|o| format!("Organization {} created.", o.name));
                                        view! {
                                            <p class="success" role="status">
                                                {created}
                                            </p>
                                            <OrgTable orgs=list />
                                        }
                                            .into_any()
                                    }
                                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                                }
                            })}
                        </Transition>
                        <CreateOrgForm action=create />
                    </section>
                    <PeoplePanel orgs=Some(orgs) me=me.user_id />
                    <crate::two_factor::page::SiteSettingsCard />
                    <crate::tickets::assignment::AssignmentCard />
                }
            }
        />
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    view! {
        <Title text="People" />
        <Protected
            allow=|role| role == Role::Manager
            render=|me: Actor| {
                view! {
                    <h1>"People of " {me.org_name.clone()}</h1>
                    <PeoplePanel orgs=None me=me.user_id />
                }
            }
        />
    }
}

/// "1.2 MB of 5.0 GB", as an organization's files stand against its quota.
fn file_usage(files: FileUsage) -> String {
    format!(
        "{} of {}",
        human_size(files.used_bytes),
        human_size(files.quota_bytes)
    )
}

#[component]
fn OrgTable(orgs: Vec<Org>) -> impl IntoView {
    view! {
        <table class="stack">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Since"</th>
                    <th scope="col">"Files"</th>
                </tr>
            </thead>
            <tbody>
                {orgs
                    .into_iter()
                    .map(|org| {
                        let name = match org.kind {
                            OrgKind::Client => {
                                view! { <a href=format!("/admin/orgs/{}", org.id)>{org.name}</a> }
                                    .into_any()
                            }
                            OrgKind::Provider => view! { <span>{org.name}</span> }.into_any(),
                        };
                        view! {
                            <tr>
                                <td data-label="Name">{name}</td>
                                <td data-label="Kind">
                                    {match org.kind {
                                        OrgKind::Provider => "Provider",
                                        OrgKind::Client => "Client",
                                    }}
                                </td>
                                <td data-label="Since">
                                    <OnDate at=org.created_at />
                                </td>
                                <td data-label="Files">{org.files.map(file_usage)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// Empties a form once its action has succeeded, so the next entry starts blank (without
/// JavaScript the page comes back with a fresh form anyway).
fn clear_on_success(
    form: NodeRef<leptos::html::Form>,
    succeeded: impl Fn() -> bool + Send + Sync + 'static,
) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if succeeded()
            && let Some(form) = form.get_untracked()
        {
            form.reset();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (form, succeeded);
}

#[component]
fn CreateOrgForm(action: ServerAction<CreateOrg>) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let created = move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .map(|org| format!("Organization {} created.", org.name))
    };
    let form = NodeRef::new();
    clear_on_success(form, move || matches!(action.value().get(), Some(Ok(_))));
    view! {
        <ActionForm action=action node_ref=form attr:class="inline-form">
            <h3>"New client organization"</h3>
            <p class="error" role="alert">
                {move || form_error(error.get())}
            </p>
            <p class="success" role="status">
                {created}
            </p>
            <div class="field">
                <label for="org-name">"Name"</label>
                <input id="org-name" name="name" required aria-describedby="org-name-error" />
                <FieldError id="org-name-error" field="name" error=error />
            </div>
            <button type="submit" class="primary">
                "Create organization"
            </button>
        </ActionForm>
    }
}

/// The people of the orgs the caller manages: all of them for an admin (`orgs` given), the
/// caller's own for a manager.
#[component]
fn PeoplePanel(orgs: Option<Resource<Result<Vec<Org>, AppError>>>, me: UserId) -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let toggle = ServerAction::<SetUserActive>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                toggle.version().get(),
                resend.version().get(),
            )
        },
        |_| list_users(None),
    );
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let toggle_error = move || {
        toggle
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| resend.value().get().and_then(Result::err))
            .map(|e| e.to_string())
    };
    let invited = move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .map(|user| format!("Invitation sent to {}.", user.email))
    };
    let resent = move || {
        resend.value().get().and_then(Result::ok).map(|user| {
            format!(
                "A new invitation was sent to {}; the old link no longer works.",
                user.email
            )
        })
    };
    let is_admin = orgs.is_some();
    let form = NodeRef::new();
    clear_on_success(form, move || matches!(create.value().get(), Some(Ok(_))));

    view! {
        <section class="card" aria-labelledby="people-heading">
            <h2 id="people-heading">"People"</h2>
            <p class="error" role="alert">
                {toggle_error}
            </p>
            <p class="success" role="status">
                {resent}
            </p>
            <Transition fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => {
                            view! { <UserTable users=list me toggle=toggle resend=resend /> }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
            <ActionForm action=create node_ref=form attr:class="inline-form">
                <h3>{if is_admin { "New person" } else { "New requester" }}</h3>
                <p class="muted">
                    "They get an email with a link to choose their own password; the link works once, for 7 days."
                </p>
                <p class="error" role="alert">
                    {move || form_error(create_error.get())}
                </p>
                <p class="success" role="status">
                    {invited}
                </p>
                {orgs
                    .map(|orgs| {
                        view! {
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    orgs.await
                                        .ok()
                                        .map(|list| {
                                            view! {
                                                <div class="field">
                                                    <label for="user-org">"Organization"</label>
                                                    <select id="user-org" name="org_id">
                                                        {list
                                                            .into_iter()
                                                            .map(|o| {
                                                                view! { <option value=o.id>{o.name}</option> }
                                                            })
                                                            .collect_view()}
                                                    </select>
                                                </div>
                                            }
                                        })
                                })}
                            </Transition>
                            <div class="field">
                                <label for="user-role">"Role"</label>
                                <select
                                    id="user-role"
                                    name="role"
                                    aria-describedby="user-role-error"
                                >
                                    {Role::ALL
                                        .into_iter()
                                        .map(|r| {
                                            view! { <option value=r.as_str()>{r.label()}</option> }
                                        })
                                        .collect_view()}
                                </select>
                                <FieldError id="user-role-error" field="role" error=create_error />
                            </div>
                        }
                    })}
                {(!is_admin)
                    .then(|| view! { <input type="hidden" name="role" value="requester" /> })}
                <div class="field">
                    <label for="user-name">"Name"</label>
                    <input id="user-name" name="name" required aria-describedby="user-name-error" />
                    <FieldError id="user-name-error" field="name" error=create_error />
                </div>
                <div class="field">
                    <label for="user-email">"Email"</label>
                    <input
                        id="user-email"
                        name="email"
                        type="email"
                        required
                        aria-describedby="user-email-error"
                    />
                    <FieldError id="user-email-error" field="email" error=create_error />
                </div>
                <button type="submit" class="primary">
                    "Invite person"
                </button>
            </ActionForm>
        </section>
    }
}

/// A person's status as the people table shows it.
fn status(user: &User) -> &'static str {
    match (user.active, user.invited) {
        (false, _) => "Deactivated",
        (true, true) => "Invited, not yet accepted",
        (true, false) => "Active",
    }
}

#[component]
fn UserTable(
    users: Vec<User>,
    /// The one looking: their own row offers no deactivation, which the server refuses.
    me: UserId,
    toggle: ServerAction<SetUserActive>,
    resend: ServerAction<ResendInvitation>,
) -> impl IntoView {
    view! {
        <table class="stack">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Organization"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">
                        <span class="visually-hidden">"Actions"</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {users
                    .into_iter()
                    .map(|user| {
                        let label = if user.active { "Deactivate" } else { "Reactivate" };
                        let resend_label = format!("Resend invitation to {}", user.name);
                        view! {
                            <tr>
                                <td data-label="Name">{user.name.clone()}</td>
                                <td data-label="Email">{user.email.clone()}</td>
                                <td data-label="Organization">{user.org_name.clone()}</td>
                                <td data-label="Role">{user.role.label()}</td>
                                <td class="status" data-label="Status">
                                    {status(&user)}
                                </td>
                                <td class="actions">
                                    {(user.invited && user.active)
                                        .then(|| {
                                            view! {
                                                <ActionForm action=resend attr:class="inline">
                                                    <input type="hidden" name="user_id" value=user.id />
                                                    <button type="submit" class="link" aria-label=resend_label>
                                                        "Resend invitation"
                                                    </button>
                                                </ActionForm>
                                            }
                                        })}
                                    {if user.id == me {
                                        view! { <span class="muted">"This is you"</span> }
                                            .into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=toggle attr:class="inline">
                                                <input type="hidden" name="user_id" value=user.id />
                                                <input
                                                    type="hidden"
                                                    name="active"
                                                    value=(!user.active).to_string()
                                                />
                                                <button
                                                    type="submit"
                                                    class="link"
                                                    aria-label=format!("{label} {}", user.name)
                                                >
                                                    {label}
                                                </button>
                                            </ActionForm>
                                        }
                                            .into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
