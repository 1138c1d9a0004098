//! The log: `RUST_LOG` filters it (default `info,sqlx=warn`); every line names the instance
//! (`INSTANCE_ID`); `LOG_FORMAT=json` writes one JSON object per line (time, level, target,
//! instance, message and the event's fields), for a log collector.

use std::fmt;

use tracing::{field::Field, Event, Subscriber};
use tracing_subscriber::{
    fmt::{format::Writer, FmtContext, FormatEvent, FormatFields},
    registry::LookupSpan,
};

/// Install the process's logger.
pub fn init(json: bool, instance: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    // colours only on a terminal, never in a file or a collector's pipe
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let instance = instance.to_string();
    let installed = if json {
        builder.event_format(JsonLine { instance }).try_init()
    } else {
        builder
            .event_format(Named {
                instance,
                inner: tracing_subscriber::fmt::format(),
            })
            .try_init()
    };
    if let Err(e) = installed {
        eprintln!("logging: {e}");
    }
}

/// The default text format, with `instance=NAME` first.
struct Named<F> {
    instance: String,
    inner: F,
}

impl<S, N, F> FormatEvent<S, N> for Named<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "instance={} ", self.instance)?;
        self.inner.format_event(ctx, writer, event)
    }
}

/// One JSON object per event.
struct JsonLine {
    instance: String,
}

impl<S, N> FormatEvent<S, N> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        writeln!(writer, "{}", json_line(&self.instance, event))
    }
}

fn json_line(instance: &str, event: &Event<'_>) -> serde_json::Value {
    let meta = event.metadata();
    let mut fields = serde_json::Map::new();
    fields.insert(
        "time".into(),
        chrono::Utc::now()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .into(),
    );
    fields.insert("level".into(), meta.level().as_str().into());
    fields.insert("target".into(), meta.target().into());
    fields.insert("instance".into(), instance.into());
    event.record(&mut Fields(&mut fields));
    serde_json::Value::Object(fields)
}

/// Collects an event's fields into a JSON object, numbers and booleans as such.
struct Fields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl tracing::field::Visit for Fields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}
