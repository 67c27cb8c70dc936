//! The checklist as the admin's home page shows it: open with what is left while any step is,
//! one line once every step is done.

use super::{SetupChecklist, SetupStep};
use crate::components::ErrorNotice;
use crate::error::AppError;
use leptos::prelude::*;

#[server]
pub async fn load_setup() -> Result<SetupChecklist, AppError> {
    crate::backend::as_caller(|actor, backend| async move { backend.setup.checklist(&actor).await })
        .await
}

/// "Set up Deskside", for the provider's admins (its data is refused to everyone else).
#[component]
pub fn SetupCard() -> impl IntoView {
    let checklist = Resource::new(|| (), |_| load_setup());
    view! {
        <Suspense fallback=|| {
            view! { <p class="muted">"Loading…"</p> }
        }>
            {move || Suspend::new(async move {
                match checklist.await {
                    Ok(list) => view! { <Checklist list /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Checklist(list: SetupChecklist) -> impl IntoView {
    let (done, total) = (list.done(), list.steps.len());
    let steps = view! {
        <ol class="setup-steps">
            {list.steps.into_iter().map(|step| view! { <Step step /> }).collect_view()}
        </ol>
    };
    if done == total {
        // Finished: one line, the steps a click away (a native disclosure, so without
        // JavaScript too).
        view! {
            <details class="card setup setup-complete">
                <summary>{format!("Deskside is set up: all {total} steps are done.")}</summary>
                {steps}
            </details>
        }
        .into_any()
    } else {
        view! {
            <section class="card setup" aria-labelledby="setup-heading">
                <h2 id="setup-heading">"Set up Deskside"</h2>
                <p class="setup-count">{format!("{done} of {total} done")}</p>
                <progress max=total value=done aria-labelledby="setup-heading"></progress>
                {steps}
            </section>
        }
        .into_any()
    }
}

#[component]
fn Step(step: SetupStep) -> impl IntoView {
    let (class, mark) = if step.done {
        ("setup-step done", "Done")
    } else {
        ("setup-step todo", "To do")
    };
    view! {
        <li class=class>
            <span class="setup-mark">{mark}</span>
            <a href=step.href>{step.title}</a>
            <span class="setup-detail muted">{step.detail}</span>
        </li>
    }
}
