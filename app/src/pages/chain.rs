//! The chain on a vendor's internal page: its own subprocessors, each editable, a form to add
//! one. A change of the chain is a change of the vendor's public scope: adding one, or a new
//! country or data category passed on, needs the date it takes effect, with notice.

use leptos::prelude::*;

use crate::{
    api::editor::{SaveSubProcessor, SubProcessor},
    components::{last_error, FormError},
    domain::DataCategory,
    error::AppError,
};

/// The chain section; `saved` is bumped after each successful save (the page reloads).
#[component]
pub fn ChainSection(
    slug: String,
    version: i64,
    categories: Vec<String>,
    list: Vec<SubProcessor>,
    can_edit: bool,
    saved: RwSignal<usize>,
) -> impl IntoView {
    let act = ServerAction::<SaveSubProcessor>::new();
    crate::components::count_successes(act, saved);
    let error = last_error(act);
    // which form was posted last (its messages show there): the row's index, or "new"
    let last = RwSignal::new(String::new());
    view! {
        <section aria-labelledby="chain-h">
            <h2 id="chain-h">"Its own subprocessors"</h2>
            <p class="hint">"Public, part of the vendor's scope: a new one, or a new country or data category passed on, is announced to customers with notice; contracts in force must then bind the vendor to flow our obligations down."</p>
            {if list.is_empty() {
                view! { <p>"None listed."</p> }.into_any()
            } else {
                view! {
                    <table class="records">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Country"</th><th scope="col">"Purpose"</th><th scope="col">"Data passed on"</th><th scope="col">"Since"</th>{can_edit.then(|| view! { <th scope="col"><span class="visually-hidden">"Change"</span></th> })}</tr></thead>
                        <tbody>{list.into_iter().enumerate().map(|(i, s)| {
                            let (slug, cats) = (slug.clone(), categories.clone());
                            let name = s.legal_name.clone();
                            view! {
                            <tr>
                                <th scope="row">{match &s.vendor_slug {
                                    Some(v) => view! { <a href=format!("/manage/vendors/{v}")>{s.legal_name.clone()}</a> }.into_any(),
                                    None => s.legal_name.clone().into_any(),
                                }}</th>
                                <td>{s.country.clone()}</td>
                                <td>{s.purpose.clone()}</td>
                                <td>{labels(&s.categories)}</td>
                                <td>{s.since.map(|d| d.to_string()).unwrap_or_default()}</td>
                                {can_edit.then(move || view! { <td>
                                    <details class="editor inline">
                                        <summary aria-label=format!("Change {name}")>"Change"</summary>
                                        <LinkForm act slug=slug.clone() version index=Some(i) s=Some(s.clone()) categories=cats error last/>
                                    </details>
                                    <details class="editor inline confirm">
                                        <summary class="link-button danger" aria-label=format!("Remove {name}")>"Remove"</summary>
                                        <ActionForm action=act attr:class="inline" on:submit=move |_| last.set(format!("rm{i}"))>
                                            <input type="hidden" name="s[vendor]" value=slug.clone()/>
                                            <input type="hidden" name="s[version]" value=version/>
                                            <input type="hidden" name="s[index]" value=i/>
                                            <input type="hidden" name="s[remove]" value="on"/>
                                            <span>{format!("Remove {name}? Customers are told. ")}</span>
                                            <button type="submit" class="link-button danger">"Yes, remove"</button>
                                        </ActionForm>
                                    </details>
                                </td> })}
                            </tr>
                        }}).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
            {can_edit.then(|| view! {
                <details class="editor"><summary>"Add a subprocessor"</summary>
                    <LinkForm act slug=slug.clone() version index=None s=None categories=categories.clone() error last/>
                </details>
            })}
        </section>
    }
}

fn labels(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| crate::domain::label_for(c, DataCategory::parse, DataCategory::label))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The form for one link: a new one (`index` none) or a change of link `index`.
#[component]
fn LinkForm(
    act: ServerAction<SaveSubProcessor>,
    slug: String,
    version: i64,
    index: Option<usize>,
    s: Option<SubProcessor>,
    categories: Vec<String>,
    error: Signal<Option<AppError>>,
    last: RwSignal<String>,
) -> impl IntoView {
    let key = index.map(|i| i.to_string()).unwrap_or_else(|| "new".into());
    let mine = {
        let key = key.clone();
        Signal::derive(move || if last.get() == key { error.get() } else { None })
    };
    let id = move |f: &str| format!("sp-{key}-{f}");
    let msg = move |f: &'static str| {
        let f2 = f;
        move || {
            mine.get()
                .and_then(|e| e.field(f2))
                .map(|m| view! { <p class="field-error">{m}</p> })
        }
    };
    let v = s.clone().unwrap_or(SubProcessor {
        legal_name: String::new(),
        country: String::new(),
        purpose: String::new(),
        categories: Vec::new(),
        since: None,
        list_url: None,
        vendor_slug: None,
    });
    let key2 = index.map(|i| i.to_string()).unwrap_or_else(|| "new".into());
    view! {
        <ActionForm action=act attr:class="form grid" on:submit=move |_| last.set(key2.clone())>
            <FormError error=mine/>
            <input type="hidden" name="s[vendor]" value=slug/>
            <input type="hidden" name="s[version]" value=version/>
            <input type="hidden" name="s[index]" value=index.map(|i| i.to_string()).unwrap_or_default()/>
            <div class="field"><label for=id("name")>"Legal name"</label><input id=id("name") name="s[legal_name]" required maxlength="200" value=v.legal_name.clone()/>{msg("legal_name")}</div>
            <div class="field"><label for=id("country")>"Country of processing (ISO code)"</label><input id=id("country") name="s[country]" required maxlength="2" size="3" value=v.country.clone()/>{msg("country")}</div>
            <div class="field wide"><label for=id("purpose")>"Purpose"</label><input id=id("purpose") name="s[purpose]" required maxlength="500" value=v.purpose.clone()/>{msg("purpose")}</div>
            <fieldset class="field">
                <legend>"Data categories passed on"</legend>
                {categories.iter().map(|c| {
                    let cid = id(&format!("cat-{c}"));
                    let for_id = cid.clone();
                    view! { <label for=for_id class="check"><input type="checkbox" id=cid name=format!("s[categories][{c}]") checked=v.categories.contains(c)/>" "{crate::domain::label_for(c, DataCategory::parse, DataCategory::label)}</label> }
                }).collect_view()}
                {msg("categories")}
            </fieldset>
            <div class="field"><label for=id("since")>"Since"</label><input id=id("since") type="date" name="s[since]" value=v.since.map(|d| d.to_string()).unwrap_or_default()/>{msg("since")}</div>
            <div class="field"><label for=id("list")>"Its own list of subprocessors (URL)"</label><input id=id("list") type="url" name="s[list_url]" maxlength="300" value=v.list_url.clone().unwrap_or_default()/>{msg("list_url")}</div>
            <div class="field"><label for=id("vendor")>"Vendor in this registry (slug, if it is one)"</label><input id=id("vendor") name="s[vendor_slug]" maxlength="100" value=v.vendor_slug.clone().unwrap_or_default()/>{msg("vendor_slug")}</div>
            <div class="field"><label for=id("eff")>"Takes effect on (needed when it widens the scope)"</label><input id=id("eff") type="date" name="s[scope_effective_on]"/>{msg("scope_effective_on")}</div>
            <button type="submit" class="button">{if index.is_some() { "Save" } else { "Add subprocessor" }}</button>
        </ActionForm>
    }
}
