//! The team's assignment setting, on the admin page: whether a technician who replies to or
//! resolves an unassigned ticket is assigned it (on unless a team prefers to hand tickets out
//! itself), saved by a form that works before and after the page's script loads.

use crate::components::{ErrorNotice, form_error};
use crate::error::AppError;
use leptos::prelude::*;

#[server]
pub async fn load_assign_on_work() -> Result<bool, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.tickets.assign_on_work(&actor).await
    })
    .await
}

/// Saves the form's checkbox (absent when unticked); the REST route
/// `PUT /api/v1/settings/assignment` calls the same backend function, which lets only admins
/// change it.
#[server]
pub async fn save_assign_on_work(
    #[server(default)] assign_on_work: Option<String>,
) -> Result<bool, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend
            .tickets
            .set_assign_on_work(&actor, assign_on_work.is_some())
            .await
    })
    .await
}

fn saved(on: bool) -> &'static str {
    if on {
        "Saved: replying to or resolving an unassigned ticket assigns it to the technician."
    } else {
        "Saved: tickets stay unassigned until someone assigns them."
    }
}

/// The form, for the admin page.
#[component]
pub fn AssignmentCard() -> impl IntoView {
    let save = ServerAction::<SaveAssignOnWork>::new();
    let current = Resource::new(move || save.version().get(), |_| load_assign_on_work());
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="assignment-heading">
            <h2 id="assignment-heading">"Assignment"</h2>
            <Transition fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(on) => {
                            view! {
                                <ActionForm action=save>
                                    <p class="error" role="alert">
                                        {move || form_error(error.get())}
                                    </p>
                                    <p class="success" role="status">
                                        {move || save.value().get().and_then(Result::ok).map(saved)}
                                    </p>
                                    <div class="check">
                                        <input
                                            id="assign-on-work"
                                            type="checkbox"
                                            name="assign_on_work"
                                            value="on"
                                            checked=on
                                        />
                                        <label for="assign-on-work">
                                            "Replying to or resolving an unassigned ticket assigns it to the technician doing it"
                                        </label>
                                    </div>
                                    <button type="submit" class="primary">
                                        "Save assignment"
                                    </button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
