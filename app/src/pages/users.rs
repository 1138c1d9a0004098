use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::accounts::{
        load_account, load_users, AccountOverview, AddUser, ChangePassword, ClearSecondStepLock,
        EndSession, IssueSetUpLink, SetReminders, TurnOffTwoStep, UpdateUser, UserLine,
    },
    components::{count_successes, last_error, saved, Choice, ErrorNotice, Field, FormError},
    domain::account::Role,
    error::AppError,
    pages::SignInFirst,
};

fn roles() -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.code().to_string(), r.label().to_string()))
        .collect()
}

/// `/manage/users`: accounts, for admins.
#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let link = ServerAction::<IssueSetUpLink>::new();
    let clear = ServerAction::<ClearSecondStepLock>::new();
    // reload after successful saves only, so a refused change keeps its message
    let saves = RwSignal::new(0usize);
    count_successes(add, saves);
    count_successes(update, saves);
    count_successes(clear, saves);
    let new_link = move || match add.value().get() {
        Some(Ok(Some(l))) => Some(l),
        _ => None,
    };
    let last_id = RwSignal::new(0i64);
    let data = Resource::new(move || saves.get(), |_| load_users());
    let add_error = last_error(add);
    view! {
        <Title text="Users"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<span aria-current="page">"Users"</span></nav>
        <h1>"Users"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(list) => view! { <UserList list=list.clone() update last_id/><SecondStepActions list link clear/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
        <section aria-labelledby="add-user-h">
            <h2 id="add-user-h">"Add a user"</h2>
            <p class="hint">"Give the person their first password in person or by phone; they can change it under Account."</p>
            <ActionForm action=add attr:class="form grid">
                <FormError error=add_error/>
                <Field label="Email" arg="u" name="email" id="nu-email".into() kind="email" required=true error=add_error autocomplete="off"/>
                <Choice label="Role" arg="u" name="role" id="nu-role".into() error=add_error options=roles() selected="manager"/>
                <Field label="First password" arg="u" name="password" id="nu-password".into() kind="password" required=true error=add_error hint="12 characters or more" autocomplete="new-password"/>
                <button type="submit" class="button">"Add user"</button>
                {saved(add)}
            </ActionForm>
            {move || new_link().map(|l| view! { <SetUpLink link=l/> })}
        </section>
    }
}

#[component]
fn UserList(
    list: Vec<UserLine>,
    update: ServerAction<UpdateUser>,
    last_id: RwSignal<i64>,
) -> impl IntoView {
    view! {
        <table class="records">
            <thead><tr><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"State"</th><th scope="col">"Change"</th></tr></thead>
            <tbody>{list.into_iter().map(|u| {
                let id = u.id;
                let error = Signal::derive(move || (last_id.get() == id).then(|| update.value().get().and_then(|r| r.err())).flatten());
                let p = format!("u{id}");
                view! {
                    <tr>
                        <th scope="row">{u.email.clone()}{u.is_me.then_some(" (you)")}</th>
                        <td>{u.role.label()}</td>
                        <td>
                            {if u.disabled { "Disabled" } else { "Active" }}
                            {if u.two_step_on { ", two-step on" } else { "" }}
                            {u.second_step_locked_until.clone().map(|t| view! { <br/><strong>{format!("Second step locked until {t}")}</strong> })}
                        </td>
                        <td>
                            <details class="editor inline"><summary aria-label=format!("Change the account of {}", u.email)>"Change"</summary>
                            <ActionForm action=update attr:class="form" on:submit=move |_| last_id.set(id)>
                                <FormError error/>
                                <input type="hidden" name="u[id]" value=u.id/>
                                <input type="hidden" name="u[version]" value=u.version/>
                                <Choice label="Role" arg="u" name="role" id=format!("{p}-role") error options=roles() selected=u.role.code()/>
                                <div class="field"><label><input type="checkbox" name="u[disabled]" value="on" checked=u.disabled/>" Disabled (cannot sign in)"</label></div>
                                <Field label="New password" arg="u" name="password" id=format!("{p}-password") kind="password" error hint="Leave empty to keep it" autocomplete="new-password"/>
                                <button type="submit" class="button">"Save"</button>
                            </ActionForm>
                            </details>
                        </td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}

/// A set-up link to hand on, once issued.
#[component]
fn SetUpLink(link: String) -> impl IntoView {
    view! {
        <div class="notice notice-ok" role="status">
            <p>"Set-up link for two-step sign-in (hand it to the person; it works once, within a day): "<code class="set-up-link">{link}</code></p>
        </div>
    }
}

/// The admin's actions on an account's second step: a set-up link for its first set-up, and
/// clearing a lock after too many wrong codes.
#[component]
fn SecondStepActions(
    list: Vec<UserLine>,
    link: ServerAction<IssueSetUpLink>,
    clear: ServerAction<ClearSecondStepLock>,
) -> impl IntoView {
    let link_error = last_error(link);
    let clear_error = last_error(clear);
    let issued = move || match link.value().get() {
        Some(Ok(l)) => Some(l),
        _ => None,
    };
    let without: Vec<(i64, String)> = list
        .iter()
        .filter(|u| !u.two_step_on && !u.disabled)
        .map(|u| (u.id, u.email.clone()))
        .collect();
    let locked: Vec<(i64, String)> = list
        .iter()
        .filter(|u| u.second_step_locked_until.is_some())
        .map(|u| (u.id, u.email.clone()))
        .collect();
    view! {
        <section aria-labelledby="second-step-h">
            <h2 id="second-step-h">"Two-step sign-in of an account"</h2>
            <p class="hint">"Roles that must sign in with two steps start their set-up from a one-time link. A second step locked after too many wrong codes means someone knows that account's password: clear the lock once the person has changed it."</p>
            <ActionForm action=link attr:class="form inline">
                <FormError error=link_error/>
                <div class="field">
                    <label for="link-user">"Account"</label>
                    <select id="link-user" name="id">{without.into_iter().map(|(id, e)| view! { <option value=id>{e}</option> }).collect_view()}</select>
                </div>
                <button type="submit" class="button secondary">"Issue a set-up link"</button>
            </ActionForm>
            {(!locked.is_empty()).then(|| view! {
                <ActionForm action=clear attr:class="form inline">
                    <FormError error=clear_error/>
                    <div class="field">
                        <label for="unlock-user">"Locked account"</label>
                        <select id="unlock-user" name="id">{locked.into_iter().map(|(id, e)| view! { <option value=id>{e}</option> }).collect_view()}</select>
                    </div>
                    <button type="submit" class="button secondary">"Clear the second-step lock"</button>
                </ActionForm>
            })}
            {move || issued().map(|l| view! { <SetUpLink link=l/> })}
        </section>
    }
}

/// `/manage/account`: your password, two-step sign-in, and your sessions.
#[component]
pub fn AccountPage() -> impl IntoView {
    let act = ServerAction::<ChangePassword>::new();
    let end = ServerAction::<EndSession>::new();
    let off = ServerAction::<TurnOffTwoStep>::new();
    let error = last_error(act);
    let saves = RwSignal::new(0usize);
    count_successes(end, saves);
    count_successes(off, saves);
    let remind = ServerAction::<SetReminders>::new();
    count_successes(remind, saves);
    let data = Resource::new(move || saves.get(), |_| load_account());
    view! {
        <Title text="Account"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<span aria-current="page">"Account"</span></nav>
        <h1>"Your account"</h1>
        <section aria-labelledby="pw-h">
            <h2 id="pw-h">"Change your password"</h2>
            <p class="hint">"Signing in elsewhere ends when you change it; this session stays."</p>
            <ActionForm action=act attr:class="form narrow">
                <FormError error/>
                <Field label="Current password" arg="p" name="current" id="pw-current".into() kind="password" required=true error autocomplete="current-password"/>
                <Field label="New password" arg="p" name="new" id="pw-new".into() kind="password" required=true error hint="12 characters or more, hard to guess: several unrelated words work well" autocomplete="new-password"/>
                <button type="submit" class="button">"Change password"</button>
                {saved(act)}
            </ActionForm>
        </section>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(a) => view! { <TwoStepSection a=a.clone() off/><RemindersSection a=a.clone() act=remind/><SessionsSection a end/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RemindersSection(a: AccountOverview, act: ServerAction<SetReminders>) -> impl IntoView {
    let error = last_error(act);
    (a.role != Role::Auditor).then(|| view! {
        <section aria-labelledby="reminders-h">
            <h2 id="reminders-h">"Daily reminder"</h2>
            <p>{if a.reminders {
                "On: once a day you get a mail listing evidence that lapses soon and announced vendors that will not be ready by their effective date."
            } else {
                "Off: you get no daily mail of lapsing evidence."
            }}</p>
            <ActionForm action=act attr:class="inline">
                <FormError error/>
                <input type="hidden" name="on" value=(!a.reminders).to_string()/>
                <button type="submit" class="button secondary">{if a.reminders { "Stop the daily mail" } else { "Send me the daily mail" }}</button>
            </ActionForm>
        </section>
    })
}

#[component]
fn TwoStepSection(a: AccountOverview, off: ServerAction<TurnOffTwoStep>) -> impl IntoView {
    let error = last_error(off);
    view! {
        <section aria-labelledby="two-step-h">
            <h2 id="two-step-h">"Two-step sign-in"</h2>
            {if a.two_step_on {
                view! {
                    <p>"On: signing in asks for a code from your authenticator app. "{format!("{} recovery codes left.", a.recovery_codes_left)}</p>
                    <p><a class="button" href="/manage/account/recovery-codes">"Make new recovery codes"</a></p>
                    {if a.two_step_required {
                        view! { <p class="hint">"Your role must sign in with two steps, so it cannot be turned off."</p> }.into_any()
                    } else {
                        view! {
                            <details class="editor"><summary>"Turn two-step sign-in off"</summary>
                            <ActionForm action=off attr:class="form narrow">
                                <FormError error/>
                                <Field label="Your password" arg="t" name="password" id="off-password".into() kind="password" required=true error autocomplete="current-password"/>
                                <button type="submit" class="button danger">"Turn off"</button>
                            </ActionForm>
                            </details>
                        }.into_any()
                    }}
                }.into_any()
            } else {
                view! {
                    <p>"Off. A code from an authenticator app at each sign-in keeps your account safe even if your password leaks."</p>
                    <p><a class="button" href="/manage/account/two-step">"Set up two-step sign-in"</a></p>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn SessionsSection(a: AccountOverview, end: ServerAction<EndSession>) -> impl IntoView {
    let error = last_error(end);
    let when = |t: &str| t.replace('T', " ").trim_end_matches('Z').to_string();
    view! {
        <section aria-labelledby="sessions-h">
            <h2 id="sessions-h">"Your sessions"</h2>
            <p class="hint">"Where you are signed in now. End any you do not recognise, then change your password."</p>
            <FormError error/>
            <table class="records">
                <thead><tr><th scope="col">"Signed in (UTC)"</th><th scope="col">"Last used"</th><th scope="col">"Browser"</th><th scope="col">"Address"</th><th scope="col">"Action"</th></tr></thead>
                <tbody>{a.sessions.into_iter().map(|s| view! {
                    <tr>
                        <td>{when(&s.created_at)}</td>
                        <td>{when(&s.last_seen_at)}</td>
                        <td>{s.user_agent.clone()}</td>
                        <td>{s.address.clone()}</td>
                        <td>{if s.current {
                            view! { <span>"This session"</span> }.into_any()
                        } else {
                            view! {
                                <ActionForm action=end attr:class="inline">
                                    <input type="hidden" name="s[id]" value=s.id.clone()/>
                                    <button type="submit" class="link-button danger" aria-label=format!("End the session signed in {}", when(&s.created_at))>"End"</button>
                                </ActionForm>
                            }.into_any()
                        }}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </section>
    }
}
