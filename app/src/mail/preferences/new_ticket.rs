//! The Mail page's "New tickets" form: which new tickets mail the provider's staff (all,
//! urgent only, none), the admins' setting of the whole installation, saved by a form that
//! works before and after the page's script loads.

use super::NewTicketMail;
use crate::components::{ErrorNotice, FieldError, form_error};
use crate::error::AppError;
use leptos::prelude::*;

#[server]
pub async fn load_new_ticket_mail() -> Result<NewTicketMail, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        backend.mail_preferences.new_ticket_mail(&actor).await
    })
    .await
}

/// Saves the form's choice; the REST route `PUT /api/v1/settings/notifications` calls the
/// same backend function, which lets only admins change it.
#[server]
pub async fn save_new_ticket_mail(
    // Absent when a form sends no choice at all: refused at the field, not as a broken call.
    #[server(default)] new_ticket: Option<String>,
) -> Result<NewTicketMail, AppError> {
    crate::backend::as_caller(|actor, backend| async move {
        let setting = NewTicketMail::parse(new_ticket.as_deref().unwrap_or_default())
            .map_err(|m| AppError::invalid("new_ticket", m))?;
        backend
            .mail_preferences
            .set_new_ticket_mail(&actor, setting)
            .await
    })
    .await
}

/// What a saved choice means, said on the page.
fn saved(setting: NewTicketMail) -> &'static str {
    match setting {
        NewTicketMail::All => "Saved: the staff are mailed about every new ticket.",
        NewTicketMail::Urgent => "Saved: the staff are mailed about urgent new tickets only.",
        NewTicketMail::None => "Saved: the staff are mailed about no new tickets.",
    }
}

/// The form, for the Mail page (admins).
#[component]
pub fn NewTicketMailSection() -> impl IntoView {
    let save = ServerAction::<SaveNewTicketMail>::new();
    let current = Resource::new(move || save.version().get(), |_| load_new_ticket_mail());
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="new-ticket-mail-heading">
            <h2 id="new-ticket-mail-heading">"New tickets"</h2>
            <p class="muted">
                "Technicians and admins can still switch this mail off for themselves on their account page."
            </p>
            <Suspense fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    match current.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(setting) => {
                            view! {
                                <ActionForm action=save>
                                    <p class="error" role="alert">
                                        {move || form_error(error.get())}
                                    </p>
                                    <p class="success" role="status">
                                        {move || save.value().get().and_then(Result::ok).map(saved)}
                                    </p>
                                    <fieldset aria-describedby="new-ticket-mail-error">
                                        <legend>"Mail the provider's staff about"</legend>
                                        {NewTicketMail::ALL
                                            .into_iter()
                                            .map(|option| {
                                                let id = format!("new-ticket-mail-{}", option.as_str());
                                                view! {
                                                    <div class="check">
                                                        <input
                                                            id=id.clone()
                                                            type="radio"
                                                            name="new_ticket"
                                                            value=option.as_str()
                                                            checked=option == setting
                                                        />
                                                        <label for=id>{option.label()}</label>
                                                    </div>
                                                }
                                            })
                                            .collect_view()}
                                    </fieldset>
                                    <FieldError
                                        id="new-ticket-mail-error"
                                        field="new_ticket"
                                        error=error
                                    />
                                    <button type="submit" class="primary">
                                        "Save"
                                    </button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
