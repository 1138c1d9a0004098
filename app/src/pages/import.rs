//! `/manage/import` (upload a file, recent runs) and `/manage/import/{id}` (a run: its
//! progress while it goes, then what each row does, and the way to apply a dry run). Plain
//! forms: they work the same without JavaScript; a running import's page reloads itself.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::import::{
        load_import, load_imports, ApplyImport, ImportReport, ImportView, RowOutcome, UploadImport,
        MAX_FILE_BYTES, SHOWN_ROWS,
    },
    components::ErrorNotice,
    error::AppError,
    pages::SignInFirst,
};

fn loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    // the reason of a refused upload, which the server puts in the URL
    let query = use_query_map();
    let error = move || query.with(|q| q.get("error"));
    let recent = Resource::new(|| (), |_| load_imports());
    view! {
        <Title text="Import"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<span aria-current="page">"Import"</span></nav>
        <h1>"Import vendors or training records"</h1>
        <p>"A CSV or Excel (XLSX) file with the columns of "<a href="/subprocessors.csv">"the registry's CSV"</a>" (any order; unknown columns are named and ignored; a column left out keeps what is stored), or a training sheet with "<code>"vendor_slug, person_name, person_email, course, completed_on"</code>". Closed lists take labels or codes (Third party or third_party), countries ISO codes or English names, lists are separated by semicolons, dates are YYYY-MM-DD. A new vendor is announced today, with the notice its data needs."</p>
        <p class="hint">{format!("At most {} MB and 50,000 rows. The check runs first and writes nothing; then apply it, all rows in one go, or none.", MAX_FILE_BYTES / (1024 * 1024))}</p>
        <form method="post" action=UploadImport::url() enctype="multipart/form-data" class="form narrow" id="import-form">
            {move || error().map(|e| view! { <div class="notice notice-error" role="alert" id="import-error"><p>{e}</p></div> })}
            <div class="field">
                <label for="import-file">"File"</label>
                <input id="import-file" type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" aria-describedby="import-error"/>
            </div>
            <label for="import-apply" class="check"><input id="import-apply" type="checkbox" name="apply"/>" Apply at once, without a dry run first"</label>
            <label for="import-skip" class="check"><input id="import-skip" type="checkbox" name="skip_refused"/>" Write the accepted rows even if some are refused"</label>
            <label for="import-whole" class="check"><input id="import-whole" type="checkbox" name="whole_list" aria-describedby="import-whole-hint"/>" Our whole list: remove the registry's vendors it does not name"</label>
            <p class="hint" id="import-whole-hint">"They are announced as removed as of today, and their subscribers told, as when a manager removes one. The check lists them first; removing more than a fifth of the registry needs their number confirmed."</p>
            <button type="submit" class="button">"Check the file"</button>
        </form>
        <section aria-labelledby="recent-h">
            <h2 id="recent-h">"Recent imports"</h2>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match recent.await {
                        Ok(list) if list.is_empty() => view! { <p>"None yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="plain">{list.into_iter().map(|l| view! {
                                <li><a href=format!("/manage/import/{}", l.id)>{format!("{} · {}", l.file_name, if l.apply { "apply" } else { "dry run" })}</a>
                                    {format!(" · {} · {} · {}", l.actor, l.created_at.get(..16).unwrap_or_default().replace('T', " "), l.summary)}</li>
                            }).collect_view()}</ul>
                        }.into_any(),
                        Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn ImportRunPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0))
    });
    let data = Resource::new(move || id.get(), load_import);
    view! {
        <Title text="Import"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/manage">"Manage"</a>" / "<a href="/manage/import">"Import"</a>" / "<span aria-current="page">{move || format!("Run {}", id.get())}</span></nav>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(v) => view! { <Run v/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInFirst/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Run(v: ImportView) -> impl IntoView {
    let title = format!(
        "{}: {}",
        if v.apply { "Import" } else { "Dry run" },
        v.file_name
    );
    view! {
        <h1>{title}</h1>
        {match v.state.as_str() {
            "running" => view! {
                // reloads itself (with or without JavaScript) until the run is over
                <Meta http_equiv="refresh" content="2"/>
                <div class="notice" role="status" id="import-progress">
                    <p>{match v.progress {
                        Some((done, total)) => format!("Checked {done} of {total} rows…"),
                        None => "Running… (this page follows it)".to_string(),
                    }}</p>
                    {v.progress.map(|(done, total)| view! { <progress max=total value=done>{format!("{done} of {total}")}</progress> })}
                </div>
            }.into_any(),
            "failed" => view! {
                <div class="notice notice-error" role="alert"><p>{format!("The import could not run: {}", v.error.clone().unwrap_or_default())}</p></div>
            }.into_any(),
            _ => match v.report.clone() {
                Some(r) => view! { <Report r id=v.id can_apply=v.can_apply/> }.into_any(),
                None => view! { <p>"No report."</p> }.into_any(),
            },
        }}
    }
}

#[component]
fn Report(r: ImportReport, id: i64, can_apply: bool) -> impl IntoView {
    let good = r.refused == 0;
    let refused: Vec<RowOutcome> = r
        .rows
        .iter()
        .filter(|o| matches!(o, RowOutcome::Refused { .. }))
        .cloned()
        .collect();
    let news: Vec<RowOutcome> = r
        .rows
        .iter()
        .filter(|o| matches!(o, RowOutcome::New { .. }))
        .take(SHOWN_ROWS)
        .cloned()
        .collect();
    let changed: Vec<RowOutcome> = r
        .rows
        .iter()
        .filter(|o| matches!(o, RowOutcome::Changed { .. }))
        .take(SHOWN_ROWS)
        .cloned()
        .collect();
    // a whole list's removals (without the mode, the notes count what the file leaves out)
    let absent_title = format!(
        "{} from the registry ({}, not in the file)",
        if r.applied {
            "Removed"
        } else {
            "To be removed"
        },
        r.removed
    );
    let absent = r.absent.clone();
    let confirm = r.confirm_needed;
    let listed = r.listed;
    view! {
        <div class=if r.applied || (r.dry_run && good) { "notice notice-ok" } else { "notice notice-error" } role="status" id="import-summary">
            <p>{r.summary.clone()}</p>
        </div>
        {(!r.notes.is_empty()).then(|| view! { <ul class="hint">{r.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul> })}
        {(!refused.is_empty()).then(|| view! {
            <section aria-labelledby="refused-h">
                <h2 id="refused-h">{format!("Refused ({})", r.refused)}</h2>
                <table class="records"><thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>{refused.into_iter().flat_map(|o| match o {
                    RowOutcome::Refused { line, errors } => errors.into_iter().map(|e| view! {
                        <tr><td>{line}</td><td>{match e.cell { Some(cell) => format!("{} ({cell})", e.column), None => e.column }}</td><td>{e.message}</td></tr>
                    }).collect::<Vec<_>>(),
                    _ => Vec::new(),
                }).collect_view()}</tbody></table>
            </section>
        })}
        {(r.dry_run && !can_apply && r.new + r.changed + r.training + r.removed == 0).then(|| view! {
            <p class="hint" id="nothing-to-apply">"Nothing to apply: no row of this file would add or change anything. Correct the refused rows and upload the file again."</p>
        })}
        {can_apply.then(|| view! {
            <form method="post" action=ApplyImport::url() class="form narrow" id="apply-form">
                <input type="hidden" name="id" value=id/>
                {(!good).then(|| view! {
                    <label for="apply-skip" class="check"><input id="apply-skip" type="checkbox" name="skip_refused" value="on"/>" Write the accepted rows and skip the refused ones"</label>
                })}
                {(confirm > 0).then(|| view! {
                    <label for="apply-confirm" class="check"><input id="apply-confirm" type="checkbox" name="confirm_removals" value=confirm.to_string() required/>{format!(" Remove {confirm} of the registry's {listed} vendors (more than a fifth): I have checked the list below")}</label>
                })}
                <button type="submit" class="button">"Apply this import"</button>
            </form>
        })}
        {(!news.is_empty()).then(|| view! {
            <section aria-labelledby="new-h"><h2 id="new-h">{format!("New vendors ({})", r.new)}</h2>
                <ul class="plain">{news.into_iter().map(|o| match o {
                    RowOutcome::New { line, slug, name } => view! { <li>{format!("Line {line}: {name} ")}<a href=format!("/manage/vendors/{slug}")>{format!("({slug})")}</a></li> }.into_any(),
                    _ => ().into_any(),
                }).collect_view()}</ul>
            </section>
        })}
        {(!changed.is_empty()).then(|| view! {
            <section aria-labelledby="changed-h"><h2 id="changed-h">{format!("Changed ({})", r.changed)}</h2>
                <ul class="plain">{changed.into_iter().map(|o| match o {
                    RowOutcome::Changed { line, slug, changes } => view! {
                        <li>{format!("Line {line}: {slug}")}
                            <ul>{changes.into_iter().map(|c| view! { <li>{format!("{}: {} → {}", c.column, if c.before.is_empty() { "(empty)".to_string() } else { c.before }, if c.after.is_empty() { "(empty)".to_string() } else { c.after })}</li> }).collect_view()}</ul>
                        </li>
                    }.into_any(),
                    _ => ().into_any(),
                }).collect_view()}</ul>
            </section>
        })}
        {(r.whole_list && !absent.is_empty()).then(|| view! {
            <section aria-labelledby="absent-h"><h2 id="absent-h">{absent_title}</h2>
                <ul class="plain">{absent.into_iter().map(|a| view! {
                    <li>{format!("{} ", a.name)}<a href=format!("/manage/vendors/{}", a.slug)>{format!("({})", a.slug)}</a></li>
                }).collect_view()}</ul>
            </section>
        })}
        <p>{format!("Unchanged: {}. Training records added: {}.", r.unchanged, r.training)}</p>
    }
}
