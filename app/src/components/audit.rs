//! The audit trail as a table, and a record's history.

use leptos::prelude::*;

use crate::api::types::AuditEntry;

/// A list of audit entries.
#[component]
pub fn History(entries: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <section aria-labelledby="history-h">
            <h2 id="history-h">"History"</h2>
            {if entries.is_empty() { view! { <p>"No changes recorded yet."</p> }.into_any() } else { view! {
                <AuditTable entries/>
            }.into_any() }}
        </section>
    }
}

#[component]
pub fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <table class="records audit">
            <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Record"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
            <tbody>{entries.into_iter().map(|e| view! {
                <tr>
                    <td>{e.at.replace('T', " ").trim_end_matches('Z').to_string()}</td>
                    <td>{e.actor}</td>
                    <td>{format!("{} {}", e.action, e.entity)}</td>
                    <td><code>{e.entity_id}</code></td>
                    <td><code class="json">{e.before.unwrap_or_default()}</code></td>
                    <td><code class="json">{e.after.unwrap_or_default()}</code></td>
                </tr>
            }).collect_view()}</tbody>
        </table>
    }
}
