use leptos::{prelude::*, server_fn::ServerFn};

use crate::api::auth::{whoami, Logout};

/// "Sign in", or who is signed in with links to the internal pages and a sign-out button.
/// Signing in and out are plain form posts answered with a redirect and a full page load, so
/// this menu (in every page's bundle) carries no client-side action code.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <nav class="account" aria-label="Account">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(me)) => view! {
                            <a href="/manage">"Manage"</a>
                            <span class="who">{me.email}" ("{me.role.label()}")"</span>
                            <form method="post" action=Logout::url() class="inline">
                                <button type="submit" class="link-button">"Sign out"</button>
                            </form>
                        }.into_any(),
                        _ => view! { <a href="/login">"Sign in"</a> }.into_any(),
                    }
                })}
            </Suspense>
        </nav>
    }
}
