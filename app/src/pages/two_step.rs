//! Two-step sign-in pages: the second step of a sign-in, the page of a set-up link (a button:
//! only its POST starts the set-up), setting it up (at sign-in when the role requires it, or
//! from the account page), and new recovery codes. Every form is a plain
//! post (it works without JavaScript); a wrong code is told next to the field.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

use crate::{
    api::{
        accounts::{load_new_recovery_codes, load_two_step_setup, ConfirmTwoStep},
        auth::{load_sign_in_setup, ConfirmSignInSetup, StartEnrolment, TwoStepSetup, VerifyCode},
    },
    components::ErrorNotice,
    error::AppError,
    pages::SignInFirst,
};

/// The code field of a second-step form, with the server's message next to it.
#[component]
fn CodeField(error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error
            .get()
            .map(|e| e.field("code").unwrap_or_else(|| e.to_string()))
    };
    let invalid = move || message().is_some().to_string();
    view! {
        <div class="field">
            <label for="code">"Code"</label>
            <span class="hint" id="code-hint">"The six digits your authenticator app shows, or a recovery code"</span>
            <input id="code" name="code" required autocomplete="one-time-code" inputmode="numeric"
                autofocus aria-invalid=invalid aria-describedby="code-hint code-error"/>
            {move || message().map(|m| view! { <p class="field-error" id="code-error" role="alert">{m}</p> })}
        </div>
    }
}

/// `/login/verify`: the second step of a sign-in.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let act = ServerAction::<VerifyCode>::new();
    let error = Signal::derive(move || act.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Sign in: second step"/>
        <section class="signin">
            <h1>"Enter your code"</h1>
            <p class="hint">"Open your authenticator app and enter the code it shows for the Subprocessor Registry. Lost your device? Enter one of your recovery codes."</p>
            <form method="post" action=VerifyCode::url() class="form narrow">
                <CodeField error/>
                <button type="submit" class="button">"Sign in"</button>
            </form>
            <p><a href="/login">"Start again"</a></p>
        </section>
    }
}

/// `/login/enrol/{token}`: the page of a set-up link an admin handed out. Showing it changes
/// nothing (mail scanners fetch links); the button, with the account's password, starts the
/// set-up and uses the link up.
#[component]
pub fn EnrolPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let act = ServerAction::<StartEnrolment>::new();
    let error = move || act.value().get().and_then(|r| r.err());
    let message = move || error().map(|e| e.field("password").unwrap_or_else(|| e.to_string()));
    let invalid = move || message().is_some().to_string();
    view! {
        <Title text="Set up two-step sign-in"/>
        <section class="signin">
            <h1>"Set up two-step sign-in"</h1>
            <p class="hint">"An admin gave you this link to set up two-step sign-in for your account. It works once, within a day. Have an authenticator app at hand, enter your password and start."</p>
            <form method="post" action=StartEnrolment::url() class="form narrow">
                {move || message().map(|m| view! {
                    <div class="notice notice-error" role="alert" id="enrol-error"><p>{m}</p></div>
                })}
                <input type="hidden" name="token" value=token/>
                <div class="field">
                    <label for="enrol-password">"Password"</label>
                    <input id="enrol-password" type="password" name="password" autocomplete="current-password" required
                        aria-invalid=invalid aria-describedby="enrol-error"/>
                </div>
                <button type="submit" class="button">"Start set-up"</button>
            </form>
        </section>
    }
}

/// The QR code, the secret as text, and the recovery codes of a setup.
#[component]
fn SetupDetails(s: TwoStepSetup) -> impl IntoView {
    view! {
        <ol class="steps">
            <li>
                <p>"Scan this code with an authenticator app (for example on your phone):"</p>
                <div class="qr" role="img" aria-label="QR code of your two-step sign-in secret" inner_html=s.qr_svg></div>
                <p>"Or enter this key by hand: "<code class="secret">{s.secret}</code>" (account "{s.account}")"</p>
            </li>
            <li>
                <p>"Write down these recovery codes and keep them safe. Each signs you in once if you lose your device; they are shown only now."</p>
                <ul class="recovery-codes">{s.recovery_codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
            </li>
            <li><p>"Enter the code your app shows now to finish."</p></li>
        </ol>
    }
}

/// `/login/setup`: setting up two-step sign-in, which this account's role requires, before
/// its first session.
#[component]
pub fn SignInSetupPage() -> impl IntoView {
    let act = ServerAction::<ConfirmSignInSetup>::new();
    let error = Signal::derive(move || act.value().get().and_then(|r| r.err()));
    let data = Resource::new(|| (), |_| load_sign_in_setup());
    view! {
        <Title text="Set up two-step sign-in"/>
        <section class="signin wide">
            <h1>"Set up two-step sign-in"</h1>
            <p class="hint">"Your role signs in with a password and a code from an authenticator app. Set it up once; then each sign-in asks for a code. Loading this page again starts over with a new key."</p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(s) => view! {
                            <SetupDetails s/>
                            <form method="post" action=ConfirmSignInSetup::url() class="form narrow">
                                <CodeField error/>
                                <button type="submit" class="button">"Finish and sign in"</button>
                            </form>
                        }.into_any(),
                        Err(AppError::Unauthorized) => view! {
                            <p class="notice">"This sign-in has expired. "<a href="/login">"Sign in again"</a></p>
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `/manage/account/two-step`: set up two-step sign-in from the account page.
#[component]
pub fn TwoStepSetupPage() -> impl IntoView {
    let act = ServerAction::<ConfirmTwoStep>::new();
    let error = Signal::derive(move || act.value().get().and_then(|r| r.err()));
    let data = Resource::new(|| (), |_| load_two_step_setup());
    view! {
        <Title text="Set up two-step sign-in"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage/account">"Account"</a>" / "<span aria-current="page">"Two-step sign-in"</span></nav>
        <h1>"Set up two-step sign-in"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => view! {
                        <SetupDetails s/>
                        <form method="post" action=ConfirmTwoStep::url() class="form narrow">
                            <CodeField error/>
                            <button type="submit" class="button">"Turn on two-step sign-in"</button>
                        </form>
                    }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/manage/account/recovery-codes`: new recovery codes, valid once confirmed with a code.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let act = ServerAction::<ConfirmTwoStep>::new();
    let error = Signal::derive(move || act.value().get().and_then(|r| r.err()));
    let data = Resource::new(|| (), |_| load_new_recovery_codes());
    view! {
        <Title text="New recovery codes"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage/account">"Account"</a>" / "<span aria-current="page">"Recovery codes"</span></nav>
        <h1>"New recovery codes"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(codes) => view! {
                        <p>"Write these down. Once you confirm with a code from your app they replace your old recovery codes; until then the old ones keep working."</p>
                        <ul class="recovery-codes">{codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
                        <form method="post" action=ConfirmTwoStep::url() class="form narrow">
                            <CodeField error/>
                            <button type="submit" class="button">"Use these codes"</button>
                        </form>
                    }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
