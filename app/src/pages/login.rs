use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;

/// `/login`: e-mail and password, posted as a plain form (with or without JavaScript): the
/// server answers with a redirect, to `next` on success or back here with the error.
#[component]
pub fn LoginPage() -> impl IntoView {
    // reads an error the server put in the URL after a failed attempt
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    let error = move || login.value().get().and_then(|r| r.err());
    let invalid = move || error().is_some().to_string();
    view! {
        <Title text="Sign in"/>
        <section class="signin">
            <h1>"Sign in"</h1>
            <p class="hint">"For vendor managers, auditors and admins. Customers need no account."</p>
            <form method="post" action=Login::url() class="form narrow">
                {move || error().map(|e| view! {
                    <div class="notice notice-error" role="alert" id="login-error"><p>{e.to_string()}</p></div>
                })}
                <div class="field">
                    <label for="login-email">"Email"</label>
                    <input id="login-email" type="email" name="email" autocomplete="username" required
                        aria-invalid=invalid aria-describedby="login-error"/>
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" type="password" name="password" autocomplete="current-password" required
                        aria-invalid=invalid aria-describedby="login-error"/>
                </div>
                <input type="hidden" name="next" value=next/>
                <button type="submit" class="button">"Sign in"</button>
            </form>
        </section>
    }
}
