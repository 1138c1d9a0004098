use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::{
    api::changes::{load_changes, ChangeItem, ChangesPage as Page, DiffGroup},
    components::ErrorNotice,
    domain::changes::ChangeKind,
};

/// `/changes`: upcoming and past changes to the registry, filtered by service and kind, and
/// the difference between two days (`from`, `to`).
#[component]
pub fn ChangesPage() -> impl IntoView {
    let location = use_location();
    let data = Resource::new(
        move || location.search.get().trim_start_matches('?').to_string(),
        load_changes,
    );
    view! {
        <Title text="Changes"/>
        <h1>"Changes to our subprocessors"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the change history…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Changes page/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Changes(page: Page) -> impl IntoView {
    let f = page.filter.clone();
    let feed = page.feed_href();
    let json = feed.replacen("/changes.atom", "/api/v1/changes", 1);
    let pages = page.page_count();
    let current = page.filter.page.min(pages);
    let prev = (current > 1).then(|| page.page_href(current - 1));
    let next = (current < pages).then(|| page.page_href(current + 1));
    let service = f
        .service
        .as_ref()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let kind = f.kind.map(|k| k.code()).unwrap_or_default();
    let messages = page.messages.clone();
    let vendor = f.vendor.as_ref().map(|v| v.as_str().to_string());
    let n = page.notice;
    let others = if n.personal == n.support {
        format!("{} days for personal and support data", n.personal)
    } else {
        format!(
            "{} days for personal data, {} for support data",
            n.personal, n.support
        )
    };
    view! {
        <p class="lede">
            {format!(
                "New subprocessors and wider scopes are announced here before they take effect: {} days ahead when the vendor will touch customer data, {others}. Removals take effect at once.",
                n.customer
            )}
        </p>
        <p class="subscribe">
            <a href="/subscribe" class="button">"Get notices by mail or webhook"</a>
            " "
            <a href=feed.clone() rel="alternate" type="application/atom+xml" class="button secondary">"Atom feed"</a>
            " "
            <a href=json rel="external">"JSON"</a>
        </p>
        <div class="changes-forms">
            <form method="get" action="/changes" class="form grid" aria-label="Filter changes">
                {vendor.clone().map(|v| view! { <input type="hidden" name="vendor" value=v/> })}
                <div class="field">
                    <label for="ch-service">"Service"</label>
                    <select id="ch-service" name="service">
                        <option value="" selected=service.is_empty()>"All services"</option>
                        {page.services.iter().map(|s| view! {
                            <option value=s.value.clone() selected=s.value == service>{s.label.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="ch-kind">"Kind of change"</label>
                    <select id="ch-kind" name="kind">
                        <option value="" selected=kind.is_empty()>"All kinds"</option>
                        {ChangeKind::ALL.iter().map(|k| view! {
                            <option value=k.code() selected=k.code() == kind>{k.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="actions">
                    <button type="submit" class="button primary">"Show changes"</button>
                    <a href="/changes" class="button">"Clear"</a>
                </div>
            </form>
            <form method="get" action="/changes" class="form grid" aria-label="Compare two dates">
                <div class="field">
                    <label for="ch-from">"Registry on"</label>
                    <input id="ch-from" type="date" name="from" required value=f.from.map(|d| d.to_string()).unwrap_or_default()/>
                </div>
                <div class="field">
                    <label for="ch-to">"compared with"</label>
                    <input id="ch-to" type="date" name="to" value=f.to.map(|d| d.to_string()).unwrap_or_else(|| page.today.to_string())/>
                </div>
                <div class="actions">
                    <button type="submit" class="button">"Compare"</button>
                </div>
            </form>
        </div>
        {vendor.map(|v| view! {
            <p class="notice">"Changes of one vendor only. "<a href=format!("/subprocessors/{v}")>"Back to the vendor"</a>" · "<a href="/changes">"All changes"</a></p>
        })}
        {(!messages.is_empty()).then(|| view! {
            <div class="notice" role="alert">
                <ul>{messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            </div>
        })}
        {page.diff.clone().map(|d| {
            // every vendor of each day, for a difference longer than the page lists
            let csv = |day: chrono::NaiveDate| if day < page.today {
                format!("/subprocessors.csv?as_of={day}")
            } else {
                "/subprocessors.csv".to_string()
            };
            let csvs = (csv(d.from), csv(d.to), d.from, d.to);
            view! {
            <section aria-labelledby="diff-h" class="diff">
                <h2 id="diff-h">{format!("What changed from {} to {}", d.from, d.to)}</h2>
                <p>
                    <a href=format!("/?as_of={}", d.from)>{format!("Registry on {}", d.from)}</a>
                    {(d.to < page.today).then(|| view! { " · "<a href=format!("/?as_of={}", d.to)>{format!("Registry on {}", d.to)}</a> })}
                </p>
                <DiffList title="Added" group=d.added csvs=csvs.clone()/>
                <DiffList title="Removed" group=d.removed csvs=csvs.clone()/>
                <DiffList title="Changed" group=d.changed csvs/>
            </section>
        }})}
        <section aria-labelledby="upcoming-h">
            <h2 id="upcoming-h">"Upcoming"</h2>
            {if page.upcoming.is_empty() {
                view! { <p class="empty-state">"No change is announced for the coming days."</p> }.into_any()
            } else {
                view! { <ChangeTable items=page.upcoming.clone() upcoming=true/> }.into_any()
            }}
        </section>
        <section aria-labelledby="past-h">
            <h2 id="past-h">{format!("Past changes ({})", page.past_total)}</h2>
            {if page.past.is_empty() {
                view! { <p class="empty-state">"No change in effect matches these filters."</p> }.into_any()
            } else {
                view! { <ChangeTable items=page.past.clone() upcoming=false/> }.into_any()
            }}
            {(pages > 1).then(|| view! {
                <nav class="pagination" aria-label="Pages of past changes">
                    {prev.map(|h| view! { <a href=h rel="prev">"← Newer"</a> })}
                    <span>{format!("Page {current} of {pages}")}</span>
                    {next.map(|h| view! { <a href=h rel="next">"Older →"</a> })}
                </nav>
            })}
        </section>
    }
}

/// How many customers objected: "2 objections open, 1 resolved" (nothing when none).
fn objection_note((open, resolved): (i64, i64)) -> Option<impl IntoView> {
    let plural = |n: i64| if n == 1 { "objection" } else { "objections" };
    let text = match (open, resolved) {
        (0, 0) => return None,
        (o, 0) => format!("{o} {} open", plural(o)),
        (0, r) => format!("{r} {} resolved", plural(r)),
        (o, r) => format!("{o} {} open, {r} resolved", plural(o + r)),
    };
    Some(view! { <span class="objections-note">{text}</span> })
}

#[component]
fn ChangeTable(items: Vec<ChangeItem>, upcoming: bool) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="registry changes">
                <thead>
                    <tr>
                        <th scope="col">"Effective"</th>
                        {upcoming.then(|| view! { <th scope="col">"Days left"</th> })}
                        <th scope="col">"Change"</th>
                        <th scope="col">"Subprocessor"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Announced"</th>
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|c| view! {
                        <tr id=format!("change-{}", c.id)>
                            <td data-label="Effective" class="date">{c.effective_on.to_string()}</td>
                            {upcoming.then(|| view! {
                                <td data-label="Days left">{if c.withdrawn { "Withdrawn".to_string() } else { c.days_left.to_string() }}</td>
                            })}
                            <td data-label="Change"><span class=format!("badge change-{}", c.kind.code())>{c.kind.label()}</span></td>
                            <th scope="row" data-label="Subprocessor"><a href=format!("/subprocessors/{}", c.slug)>{c.legal_name.clone()}</a></th>
                            <td data-label="What">
                                {c.summary.clone()}
                                {objection_note(c.objections)}
                            </td>
                            <td data-label="Announced" class="date">{c.announced_on.to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// One group of the difference; when it is longer than the page lists, where the rest is.
#[component]
fn DiffList(
    title: &'static str,
    group: DiffGroup,
    /// The CSV of the registry on each day, and the two days.
    csvs: (String, String, chrono::NaiveDate, chrono::NaiveDate),
) -> impl IntoView {
    let rest = group.total.saturating_sub(group.lines.len());
    let (from_csv, to_csv, from, to) = csvs;
    view! {
        <h3>{format!("{title} ({})", group.total)}</h3>
        {if group.lines.is_empty() {
            view! { <p class="hint">"None."</p> }.into_any()
        } else {
            view! {
                <ul class="diff-list">
                    {group.lines.into_iter().map(|l| view! {
                        <li><a href=format!("/subprocessors/{}", l.slug)>{l.legal_name}</a>": "{l.detail}</li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {(rest > 0).then(|| view! {
            <p class="hint">
                {format!("… and {rest} more. Every vendor of each day is in its CSV: ")}
                <a href=from_csv>{format!("registry on {from}")}</a>
                ", "
                <a href=to_csv>{format!("registry on {to}")}</a>
                "."
            </p>
        })}
    }
}
