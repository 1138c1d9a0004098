use leptos::{prelude::*, server_fn::ServerFn};

use crate::api::auth::{whoami, Logout};

/// "Sign in", or who is signed in with links to the internal pages and a sign-out button. On
/// the vendor portal's pages nothing: a vendor contact signs in and out there, and the staff
/// sign-in offered to them looked like their own.
/// Signing in and out are plain form posts answered with a redirect and a full page load, so
/// this menu (in every page's bundle) carries no client-side action code.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    let portal = leptos_router::hooks::use_location()
        .pathname
        .get_untracked()
        .starts_with("/vendor");
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
                        _ if portal => ().into_any(),
                        _ => view! { <a href="/login">"Sign in"</a> }.into_any(),
                    }
                })}
            </Suspense>
        </nav>
    }
}
