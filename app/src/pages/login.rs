use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{api::auth::Login, components::AuthActions};

/// `/login`: e-mail and password. Works without JavaScript (the form posts, errors come back
/// in the URL and are shown here).
#[component]
pub fn LoginPage() -> impl IntoView {
    let actions = expect_context::<AuthActions>();
    let login: ServerAction<Login> = actions.login;
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    let error = move || login.value().get().and_then(|r| r.err());
    view! {
        <Title text="Sign in"/>
        <section class="signin">
            <h1>"Sign in"</h1>
            <p class="hint">"For vendor managers, auditors and admins. Customers need no account."</p>
            <ActionForm action=login attr:class="form narrow">
                {move || error().map(|e| view! {
                    <div class="notice notice-error" role="alert" id="login-error"><p>{e.to_string()}</p></div>
                })}
                <div class="field">
                    <label for="login-email">"Email"</label>
                    <input id="login-email" type="email" name="email" autocomplete="username" required/>
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" type="password" name="password" autocomplete="current-password" required/>
                </div>
                <input type="hidden" name="next" prop:value=next/>
                <button type="submit" class="button" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </section>
    }
}
