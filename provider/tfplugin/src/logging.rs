//! Logs as hclog JSON lines on stderr, which Terraform parses and re-logs under the provider's
//! name: `TF_LOG_PROVIDER` (falling back to `TF_LOG`) picks the level, as for Go providers.
//! Nothing here ever formats a value: callers log names, ids and counts, never secrets.

use std::io::Write;

use serde_json::{Map, Value as J};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{Layer, Registry};

/// The level Terraform asked for, or `None` when provider logging is off.
pub fn level_from_env() -> Option<Level> {
    let raw = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("TF_LOG").ok())?;
    match raw.to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => Some(Level::TRACE),
        "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" => Some(Level::WARN),
        "ERROR" => Some(Level::ERROR),
        _ => None,
    }
}

/// Installs the hclog writer as the global subscriber (no-op when logging is off).
pub fn init() {
    let Some(max) = level_from_env() else {
        return;
    };
    let subscriber = Registry::default().with(HclogLayer { max });
    let _ = tracing::subscriber::set_global_default(subscriber);
}

pub struct HclogLayer {
    max: Level,
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for HclogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        *metadata.level() <= self.max
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = FieldMap::default();
        event.record(&mut fields);
        // Fields of the enclosing spans (operation name, resource type) give every line its context.
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(stored) = span.extensions().get::<FieldMap>() {
                    for (k, v) in &stored.0 {
                        fields.0.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
        let line = hclog_line(
            event.metadata().level(),
            event.metadata().target(),
            fields.0,
        );
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }

    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut fields = FieldMap::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }
}

/// One hclog JSON entry: `@level`, `@message`, `@timestamp`, `@module`, then the event's fields.
pub fn hclog_line(level: &Level, target: &str, mut fields: Map<String, J>) -> String {
    let message = fields.remove("message").unwrap_or(J::String(String::new()));
    let mut entry = Map::new();
    entry.insert(
        "@level".into(),
        J::String(level.as_str().to_ascii_lowercase()),
    );
    entry.insert("@message".into(), message);
    entry.insert("@timestamp".into(), J::String(timestamp()));
    entry.insert("@module".into(), J::String(target.replace("::", ".")));
    entry.extend(fields);
    J::Object(entry).to_string()
}

/// hclog's format: `2006-01-02T15:04:05.000000Z07:00`.
fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    now.format(&fmt).unwrap_or_default()
}

#[derive(Default)]
struct FieldMap(Map<String, J>);

impl Visit for FieldMap {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), J::String(value.into()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), J::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), J::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), J::Bool(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), J::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_has_hclog_keys_and_fields() {
        let mut fields = Map::new();
        fields.insert("message".into(), J::String("planned".into()));
        fields.insert("resource".into(), J::String("multicloud_psk".into()));
        let line = hclog_line(&Level::DEBUG, "multicloud::psk", fields);
        let parsed: J = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["@level"], "debug");
        assert_eq!(parsed["@message"], "planned");
        assert_eq!(parsed["@module"], "multicloud.psk");
        assert_eq!(parsed["resource"], "multicloud_psk");
        let ts = parsed["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), "2006-01-02T15:04:05.000000Z".len(), "{ts}");
    }
}
