use leptos::prelude::*;

use crate::api::auth::{whoami, Login, Logout};

/// The sign-in and sign-out actions, shared by the login page and the header so the header
/// re-reads who is signed in after either.
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
}

impl AuthActions {
    pub fn provide() -> Self {
        let actions = AuthActions {
            login: ServerAction::new(),
            logout: ServerAction::new(),
        };
        provide_context(actions);
        actions
    }
}

/// "Sign in", or who is signed in with links to the internal pages and a sign-out button.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let actions = expect_context::<AuthActions>();
    let me = Resource::new(
        move || {
            (
                actions.login.version().get(),
                actions.logout.version().get(),
            )
        },
        |_| whoami(),
    );
    view! {
        <nav class="account" aria-label="Account">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(me)) => view! {
                            <a href="/manage">"Manage"</a>
                            <span class="who">{me.email}" ("{me.role.label()}")"</span>
                            <ActionForm action=actions.logout attr:class="inline">
                                <button type="submit" class="link-button">"Sign out"</button>
                            </ActionForm>
                        }.into_any(),
                        _ => view! { <a href="/login">"Sign in"</a> }.into_any(),
                    }
                })}
            </Suspense>
        </nav>
    }
}
