//! A vendor's published sub-processor list on its internal page: the URL the registry
//! follows, how often, and how its fetches went (a failure is shown, never skipped). A
//! difference the watcher finds waits in the review queue as a proposal.

use leptos::prelude::*;

use crate::{
    api::editor::{load_watched_list, SaveWatchedList, WatchStatus},
    components::{count_successes, last_error, ErrorNotice, Field, FormError},
    error::AppError,
};

fn outcome(o: &str) -> &'static str {
    match o {
        "changed" => "read: it changed",
        "same" => "the same bytes",
        "not_modified" => "not modified (304)",
        _ => "failed",
    }
}

/// The published-list section of `/manage/vendors/{slug}`.
#[component]
pub fn WatchSection(slug: Memo<String>) -> impl IntoView {
    let save = ServerAction::<SaveWatchedList>::new();
    let saves = RwSignal::new(0usize);
    count_successes(save, saves);
    let data = Resource::new(
        move || (slug.get(), saves.get()),
        |(slug, _)| load_watched_list(slug),
    );
    let error = last_error(save);
    view! {
        <section aria-labelledby="watch-h">
            <h2 id="watch-h">"Its published sub-processor list"</h2>
            <p class="hint">"Where the vendor publishes its own sub-processors (CSV, XLSX, JSON, another registry's /.well-known/subprocessors.json, or a page). It is fetched on its schedule; a difference from the list above waits in the review queue, and nothing changes until a manager accepts it."</p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(w) => view! { <WatchState w save error/> }.into_any(),
                        Err(AppError::Unauthorized | AppError::NotFound) => ().into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn WatchState(
    w: WatchStatus,
    save: ServerAction<SaveWatchedList>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let failing = (w.failures > 0).then(|| {
        view! {
            <div class="notice notice-error" role="status" id="watch-failing">
                <p>{format!("The last {} failed: {}", if w.failures == 1 { "fetch".to_string() } else { format!("{} fetches", w.failures) }, w.last_error)}</p>
            </div>
        }
    });
    view! {
        {if w.url.is_empty() {
            view! { <p>"Not followed."</p> }.into_any()
        } else {
            view! {
                <p id="watch-url">{format!("Followed: {} every {} h; last checked {}, last read {}.", w.url, w.every_hours, if w.checked_at.is_empty() { "never" } else { &w.checked_at }, if w.ok_at.is_empty() { "never" } else { &w.ok_at })}</p>
                {failing}
                {(!w.fetches.is_empty()).then(|| view! {
                    <table class="records" id="watch-fetches">
                        <thead><tr><th scope="col">"Fetched (UTC)"</th><th scope="col">"Outcome"</th><th scope="col">"SHA-256"</th><th scope="col">"Bytes"</th><th scope="col">"Error"</th></tr></thead>
                        <tbody>{w.fetches.iter().map(|f| view! {
                            <tr><td>{f.at.clone()}</td><td>{outcome(&f.outcome)}</td><td><code>{f.sha256.chars().take(12).collect::<String>()}</code></td><td>{f.bytes}</td><td>{f.error.clone()}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                })}
            }.into_any()
        }}
        {w.can_edit.then(|| view! {
            <details class="editor"><summary>{if w.url.is_empty() { "Follow its list" } else { "Change or stop" }}</summary>
                <ActionForm action=save attr:class="form narrow" attr:id="watch-form">
                    <FormError error/>
                    <input type="hidden" name="w[vendor]" value=w.slug.clone()/>
                    <Field label="URL of its published list" arg="w" name="subprocessor_list_url" id="w-url".into() kind="url" value=w.url.clone() error hint="Empty: stop following."/>
                    <Field label="Fetch every (hours)" arg="w" name="every_hours" id="w-every".into() kind="number" value=w.every_hours.to_string() error hint="24 is daily."/>
                    <div class="actions"><button type="submit" class="button">"Save"</button></div>
                </ActionForm>
            </details>
        })}
    }
}
