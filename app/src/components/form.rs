//! Pieces of the editing forms: labelled inputs and selects, the message next to a field, the
//! form-level error (with the stored values when someone else saved first) and the "saved"
//! note.

use leptos::prelude::*;

use crate::error::AppError;

/// The error of a server action's last run, if it failed.
pub fn last_error<A, O>(action: ServerAction<A>) -> Signal<Option<AppError>>
where
    A: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    ServerAction<A>: Copy,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
}

/// The message for one field, shown under it (`id` lets the input point at it).
#[component]
pub fn FieldMsg(error: Signal<Option<AppError>>, name: &'static str, id: String) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.field(name)).map(|m| {
            view! { <p class="field-error" id=id.clone()>{m}</p> }
        })
    }
}

/// The whole-form message: validation summary, conflict with the stored values, or failure.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let current = match &e {
                AppError::Conflict { current, .. } => Some(current.clone()),
                _ => None,
            };
            view! {
                <div class="notice notice-error" role="alert">
                    <p>{e.to_string()}</p>
                    {current.map(|rows| view! {
                        <p>"Stored now (your entries are still in the form below; compare, then save again):"</p>
                        <table class="records conflict">
                            <thead><tr><th scope="col">"Field"</th><th scope="col">"Stored value"</th></tr></thead>
                            <tbody>{rows.into_iter().map(|(k, v)| view! { <tr><th scope="row">{k}</th><td>{v}</td></tr> }).collect_view()}</tbody>
                        </table>
                    })}
                </div>
            }
        })
    }
}

/// "Saved." after a successful run.
pub fn saved<A, O>(action: ServerAction<A>) -> impl IntoView
where
    A: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    move || {
        matches!(action.value().get(), Some(Ok(_)))
            .then(|| view! { <p class="notice notice-ok" role="status">"Saved."</p> })
    }
}

/// Count the successful runs of an action in `saved` (pages reload their data on it).
pub fn count_successes<A, O>(action: ServerAction<A>, saved: RwSignal<usize>)
where
    A: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            saved.update(|n| *n += 1);
        }
    });
}

/// A labelled input named `{arg}[{name}]`, with its message below it.
#[component]
pub fn Field(
    label: &'static str,
    arg: &'static str,
    name: &'static str,
    id: String,
    error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: &'static str,
    #[prop(default = "on")] autocomplete: &'static str,
) -> impl IntoView {
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = if hint.is_empty() {
        err_id.clone()
    } else {
        format!("{hint_id} {err_id}")
    };
    let invalid = move || {
        error
            .get()
            .and_then(|e| e.field(name))
            .is_some()
            .to_string()
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <span class="hint" id=hint_id>{hint}</span> })}
            <input id=id type=kind name=format!("{arg}[{name}]") value=value required=required
                autocomplete=autocomplete aria-invalid=invalid aria-describedby=described/>
            <FieldMsg error name id=err_id/>
        </div>
    }
}

/// A labelled select of `(code, label)` options.
#[component]
pub fn Choice(
    label: &'static str,
    arg: &'static str,
    name: &'static str,
    id: String,
    error: Signal<Option<AppError>>,
    options: Vec<(String, String)>,
    #[prop(optional, into)] selected: String,
) -> impl IntoView {
    let err_id = format!("{id}-error");
    let invalid = move || {
        error
            .get()
            .and_then(|e| e.field(name))
            .is_some()
            .to_string()
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=format!("{arg}[{name}]") aria-invalid=invalid aria-describedby=err_id.clone()>
                {options.into_iter().map(|(code, text)| {
                    let sel = code == selected;
                    view! { <option value=code selected=sel>{text}</option> }
                }).collect_view()}
            </select>
            <FieldMsg error name id=err_id/>
        </div>
    }
}

/// The `(code, label)` options of a closed list, for a [`Choice`].
pub fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (code(*v).to_string(), label(*v).to_string()))
        .collect()
}
