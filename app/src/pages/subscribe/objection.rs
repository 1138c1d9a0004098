//! `/changes/{id}/objection?token=`: a subscriber objects to an upcoming change.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{field_message, form_message, invalid, loading, unknown_link};
use crate::{
    api::subscriptions::{load_objection_form, posted, ObjectionFormView, Posted},
    components::ErrorNotice,
    error::AppError,
};

/// `/changes/{id}/objection?token=`: object to an upcoming change.
#[component]
pub fn ObjectionPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let change = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0))
    });
    let token = Memo::new(move |_| query.with(|q| q.get("token").unwrap_or_default()));
    let sent = query.with_untracked(|q| q.get("sent").is_some());
    let p = posted();
    let data = Resource::new(
        move || (change.get(), token.get()),
        |(c, t)| load_objection_form(c, t),
    );
    view! {
        <Title text="Object to a change"/>
        <h1>"Object to a change"</h1>
        {sent.then(|| view! { <div class="notice notice-ok" role="status" id="objection-sent"><p>"Your objection is recorded. We answer by mail; its state is also on your subscription's page."</p></div> })}
        <Suspense fallback=loading>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <ObjectionForm v token=token.get_untracked() posted=p/> }.into_any(),
                        Err(AppError::NotFound) => unknown_link().into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ObjectionForm(v: ObjectionFormView, token: String, posted: Option<Posted>) -> impl IntoView {
    let p = posted;
    let form = "objection";
    let value = |name: &str, default: &str| {
        p.as_ref()
            .filter(|p| p.form == form)
            .and_then(|p| p.value(name))
            .unwrap_or_else(|| default.to_string())
    };
    let action = format!(
        "/changes/{}/objection?{}",
        v.change.id,
        serde_urlencoded::to_string([("token", token.as_str())]).unwrap_or_default()
    );
    let reason = value("reason", "");
    view! {
        <section class="change-to-object">
            <h2>{v.change.vendor.clone()}</h2>
            <p>{v.change.summary.clone()}</p>
            <p>"Takes effect on "<strong>{v.change.effective_on.to_string()}</strong>"."</p>
        </section>
        {match v.closed.clone() {
            Some(why) => view! { <div class="notice notice-error" role="alert" id="objection-closed"><p>{why}</p></div> }.into_any(),
            None => view! {
                <form method="post" action=action class="form narrow" id="objection-form">
                    {form_message(&p, form)}
                    <p class="hint">{format!("Sent as {}. Say why; a vendor manager answers by mail.", v.email)}</p>
                    <div class="field">
                        <label for="o-reason">"Reason"</label>
                        <textarea id="o-reason" name="reason" required minlength="10" maxlength="5000" rows="8"
                            aria-invalid=invalid(&p, form, "reason") aria-describedby="o-reason-hint o-reason-msg">{reason}</textarea>
                        <p class="hint" id="o-reason-hint">"10 to 5,000 characters."</p>
                        {field_message(&p, form, "reason", "o-reason-msg".into())}
                    </div>
                    <div class="field">
                        <label for="o-org">"Organisation " <span class="optional">"(optional)"</span></label>
                        <input id="o-org" type="text" name="organisation" maxlength="200" value=value("organisation", &v.organisation)
                            aria-invalid=invalid(&p, form, "organisation") aria-describedby="o-org-msg"/>
                        {field_message(&p, form, "organisation", "o-org-msg".into())}
                    </div>
                    <div class="field">
                        <label for="o-contact">"Contact " <span class="optional">"(optional: a name, phone or other address)"</span></label>
                        <input id="o-contact" type="text" name="contact" maxlength="300" value=value("contact", "")
                            aria-invalid=invalid(&p, form, "contact") aria-describedby="o-contact-msg"/>
                        {field_message(&p, form, "contact", "o-contact-msg".into())}
                    </div>
                    <button type="submit" class="button">"Send objection"</button>
                </form>
            }.into_any(),
        }}
        {(!v.mine.is_empty()).then(|| view! {
            <section aria-labelledby="mine-h">
                <h2 id="mine-h">"Your objections to this change"</h2>
                <ul class="plain">{v.mine.iter().map(|o| view! {
                    <li>{format!("Made {}: {}", o.received_at.get(..10).unwrap_or_default(), o.state)}
                        {o.response.clone().map(|r| view! { <p class="prewrap">{r}</p> })}</li>
                }).collect_view()}</ul>
            </section>
        })}
        {v.can_manage.then(|| view! { <p><a href=format!("/subscriptions/manage/{token}")>"Your subscription"</a></p> })}
    }
}
