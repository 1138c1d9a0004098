//! A vendor's contacts on its internal page: who may sign in to the vendor portal for it,
//! the invite form (the invitee is mailed a sign-in link) and, per contact, a new link or
//! disabling (its sessions end at once) and enabling again.

use leptos::prelude::*;

use crate::{
    api::portal::{load_vendor_contacts, ContactAccess, ContactLine, ContactRole, InviteContact},
    components::{count_successes, last_error, ErrorNotice, FormError},
    error::AppError,
};

/// The contacts section of `/manage/vendors/{slug}`.
#[component]
pub fn ContactsSection(slug: Memo<String>) -> impl IntoView {
    let invite = ServerAction::<InviteContact>::new();
    let access = ServerAction::<ContactAccess>::new();
    let saves = RwSignal::new(0usize);
    count_successes(invite, saves);
    count_successes(access, saves);
    let data = Resource::new(
        move || (slug.get(), saves.get()),
        |(slug, _)| load_vendor_contacts(slug),
    );
    let invite_error = last_error(invite);
    let access_error = last_error(access);
    let sent = move || matches!(invite.value().get(), Some(Ok(())));
    view! {
        <section aria-labelledby="contacts-h">
            <h2 id="contacts-h">"Vendor contacts"</h2>
            <p class="hint">"The vendor's own people. Each signs in to the vendor portal by a link mailed to them (no password), and sees this vendor only."</p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(c) => view! {
                            <FormError error=access_error/>
                            {if c.contacts.is_empty() {
                                view! { <p>"No contacts yet."</p> }.into_any()
                            } else {
                                let can_edit = c.can_edit;
                                view! {
                                    <table class="records">
                                        <thead><tr><th scope="col">"Name"</th><th scope="col">"E-mail"</th><th scope="col">"Answers for"</th><th scope="col">"Invited"</th><th scope="col">"Access"</th></tr></thead>
                                        <tbody>{c.contacts.into_iter().map(|line| view! { <ContactRow line can_edit slug=c.slug.clone() invite access/> }).collect_view()}</tbody>
                                    </table>
                                }.into_any()
                            }}
                            {c.can_edit.then(|| view! { <InviteForm slug=c.slug.clone() invite error=invite_error sent/> })}
                        }.into_any(),
                        // the page above says these (sign in first, no such vendor)
                        Err(AppError::Unauthorized | AppError::NotFound) => ().into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ContactRow(
    line: ContactLine,
    can_edit: bool,
    slug: String,
    invite: ServerAction<InviteContact>,
    access: ServerAction<ContactAccess>,
) -> impl IntoView {
    let name = line.name.clone();
    let (enable_label, mail_label, disable_label, disable_question) = (
        format!("Enable {name}"),
        format!("Mail a new link to {name}"),
        format!("Disable {name}"),
        format!("Disable {name}? Their sessions end now and their links stop working. "),
    );
    let state = if line.disabled {
        "Disabled"
    } else {
        "Can sign in"
    };
    view! {
        <tr>
            <th scope="row">{line.name.clone()}</th>
            <td>{line.email.clone()}</td>
            <td>{line.answers_for.clone()}</td>
            <td>{format!("{} UTC by {}", line.invited, line.invited_by)}</td>
            <td>
                {state}
                {can_edit.then(|| if line.disabled {
                    view! {
                        <ActionForm action=access attr:class="inline">
                            <input type="hidden" name="id" value=line.id/>
                            <input type="hidden" name="version" value=line.version/>
                            <input type="hidden" name="disabled" value="false"/>
                            " "<button type="submit" class="link-button" aria-label=enable_label.clone()>"Enable"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <ActionForm action=invite attr:class="inline">
                            <input type="hidden" name="c[vendor]" value=slug.clone()/>
                            <input type="hidden" name="c[name]" value=line.name.clone()/>
                            <input type="hidden" name="c[email]" value=line.email.clone()/>
                            <input type="hidden" name="c[answers_for][privacy]" value="on"/>
                            " "<button type="submit" class="link-button" aria-label=mail_label.clone()>"Mail a new link"</button>
                        </ActionForm>
                        <details class="editor inline confirm">
                            <summary class="link-button danger" aria-label=disable_label.clone()>"Disable"</summary>
                            <ActionForm action=access attr:class="inline">
                                <input type="hidden" name="id" value=line.id/>
                                <input type="hidden" name="version" value=line.version/>
                                <input type="hidden" name="disabled" value="true"/>
                                <span>{disable_question.clone()}</span>
                                <button type="submit" class="link-button danger">"Yes, disable"</button>
                            </ActionForm>
                        </details>
                    }.into_any()
                })}
            </td>
        </tr>
    }
}

#[component]
fn InviteForm(
    slug: String,
    invite: ServerAction<InviteContact>,
    error: Signal<Option<AppError>>,
    sent: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    let msg = move |f: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.field(f))
                .map(|m| view! { <p class="field-error" id=format!("ic-{f}-error")>{m}</p> })
        }
    };
    view! {
        <details class="editor" open=move || error.get().is_some()>
            <summary>"Invite a contact"</summary>
            <ActionForm action=invite attr:class="form grid">
                {move || sent().then(|| view! { <div class="notice" role="status"><p>"Invited: a sign-in link is on its way."</p></div> })}
                <FormError error/>
                <input type="hidden" name="c[vendor]" value=slug/>
                <div class="field"><label for="ic-name">"Name"</label><input id="ic-name" name="c[name]" required maxlength="200" autocomplete="off"/>{msg("name")}</div>
                <div class="field"><label for="ic-email">"Work e-mail"</label><input id="ic-email" type="email" name="c[email]" required maxlength="254" autocomplete="off"/>{msg("email")}</div>
                <fieldset class="field">
                    <legend>"Answers for"</legend>
                    {ContactRole::ALL.iter().map(|r| {
                        let (id, for_id) = (format!("ic-role-{}", r.code()), format!("ic-role-{}", r.code()));
                        let field = format!("c[answers_for][{}]", r.code());
                        view! { <label for=for_id class="check"><input type="checkbox" id=id name=field/>" "{r.label()}</label> }
                    }).collect_view()}
                    {msg("answers_for")}
                </fieldset>
                <button type="submit" class="button">"Invite and mail a link"</button>
            </ActionForm>
        </details>
    }
}
