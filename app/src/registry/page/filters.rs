//! The registry's search and filters.

use leptos::prelude::*;

use super::RegistryPage;
use crate::domain::{listing::SelectOption, DataCategory, Status, MAX_QUERY_LEN};

/// Search and filters as a plain GET form: works without JavaScript, and with it the page
/// turns a submit into an in-page navigation (`pages::rendered`).
pub fn filter_form(page: &RegistryPage) -> impl IntoView {
    let f = page.filter.clone();
    let services: Vec<(SelectOption, bool)> = page
        .services
        .iter()
        .cloned()
        .map(|o| {
            let on = f.services.iter().any(|s| s.as_str() == o.value);
            (o, on)
        })
        .collect();
    let countries: Vec<(SelectOption, bool)> = page
        .countries
        .iter()
        .cloned()
        .map(|o| {
            let on = f.countries.iter().any(|c| c.as_str() == o.value);
            (o, on)
        })
        .collect();
    let categories: Vec<(SelectOption, bool)> = DataCategory::ALL
        .iter()
        .map(|c| {
            (
                SelectOption {
                    value: c.code().into(),
                    label: c.label().into(),
                },
                f.categories.contains(c),
            )
        })
        .collect();
    let statuses: Vec<(SelectOption, bool)> = Status::PUBLIC
        .iter()
        .map(|s| {
            (
                SelectOption {
                    value: s.code().into(),
                    label: s.label().into(),
                },
                f.statuses.contains(s),
            )
        })
        .collect();
    // Open when a filter is set; closed otherwise, which a phone shows as one line above the
    // results (on wide screens the stylesheet shows the form either way).
    let set = f.set_count();
    let open = set > 0;
    let set_note = (set > 0).then(|| {
        view! { <span class="set-note">{if set == 1 { "1 set".to_string() } else { format!("{set} set") }}</span> }
    });
    view! {
        <aside class="filters" aria-labelledby="filters-heading">
            <details class="filter-panel" open=open>
            <summary><h2 id="filters-heading">"Filter"</h2>{set_note}</summary>
            <form method="get" action="/">
                <div class="field">
                    <label for="q">"Search by name"</label>
                    <input id="q" type="search" name="q" maxlength=MAX_QUERY_LEN.to_string()
                        value=f.q.clone().unwrap_or_default() autocomplete="off"/>
                </div>
                <CheckGroup legend="Service" name="service" options=services scroll=false/>
                <CheckGroup legend="Processing country" name="country" options=countries scroll=true/>
                <CheckGroup legend="Data category" name="category" options=categories scroll=false/>
                <CheckGroup legend="Status" name="status" options=statuses scroll=false/>
                <p class="hint" id="status-hint">"With no status ticked, announced and active vendors are shown."</p>
                <fieldset class="check-group">
                    <legend>"Compliance today"</legend>
                    {[("", "Any"), ("authorized", "Authorized"), ("not_compliant", "Not compliant")]
                        .into_iter()
                        .map(|(value, label)| {
                            let on = match f.authorized {
                                None => value.is_empty(),
                                Some(true) => value == "authorized",
                                Some(false) => value == "not_compliant",
                            };
                            let id = format!("compliance-{}", if value.is_empty() { "any" } else { value });
                            view! {
                                <div class="check">
                                    <input type="radio" id=id.clone() name="compliance" value=value checked=on/>
                                    <label for=id>{label}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <div class="field">
                    <label for="as-of">"Registry as of"</label>
                    <span class="hint" id="as-of-hint">"A past date shows the list as it stood that day. Empty: today."</span>
                    <input id="as-of" type="date" name="as_of" aria-describedby="as-of-hint"
                        max=page.today.pred_opt().map(|d| d.to_string()).unwrap_or_default()
                        value=f.as_of.map(|d| d.to_string()).unwrap_or_default()/>
                </div>
                <div class="actions">
                    <button type="submit" class="button primary">"Apply filters"</button>
                    <a href="/" class="button">"Clear"</a>
                </div>
            </form>
            </details>
        </aside>
    }
}

#[component]
fn CheckGroup(
    legend: &'static str,
    name: &'static str,
    options: Vec<(SelectOption, bool)>,
    scroll: bool,
) -> impl IntoView {
    view! {
        <fieldset class="check-group">
            <legend>{legend}</legend>
            <div class="options" class:scroll=scroll>
            {options
                .into_iter()
                .map(|(o, on)| {
                    let id = format!("{name}-{}", o.value.to_lowercase());
                    view! {
                        <div class="check">
                            <input type="checkbox" id=id.clone() name=name value=o.value checked=on/>
                            <label for=id>{o.label}</label>
                        </div>
                    }
                })
                .collect_view()}
            </div>
        </fieldset>
    }
}
