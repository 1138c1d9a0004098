//! A log leaf: the canonical JSON (RFC 8785) of a change event's stable fields.
//!
//! The fields, and only these (nothing that changes with time, such as days left, and no
//! staff address): `id`, `kind` (`added`, `scope_changed`, `removed`), `slug`, `legal_name`,
//! `announced_on` and `effective_on` (`YYYY-MM-DD`), `scope_before` and `scope_after` (the
//! public scope as recorded with the event, or `null`), `recorded_at` (UTC, RFC 3339 with
//! milliseconds, as stored). RFC 8785 fixes the bytes: members sorted by their UTF-16 code
//! units, no whitespace, strings in UTF-8 with only the escapes JSON requires, numbers in
//! their shortest form. The leaf's hash is `SHA-256(0x00 || bytes)` ([`super::leaf_hash`]).

use serde::Serialize;

/// The stable fields of one change event, as the log records them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeafEvent {
    pub id: i64,
    pub kind: String,
    pub slug: String,
    pub legal_name: String,
    pub announced_on: String,
    pub effective_on: String,
    pub scope_before: Option<serde_json::Value>,
    pub scope_after: Option<serde_json::Value>,
    pub recorded_at: String,
}

impl LeafEvent {
    /// The leaf's bytes: this event as canonical JSON.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(256);
        let mut ser =
            serde_json::Serializer::with_formatter(&mut out, canon_json::CanonicalFormatter::new());
        self.serialize(&mut ser).map_err(|e| e.to_string())?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leaf_is_the_events_canonical_json_byte_for_byte() {
        let e = LeafEvent {
            id: 7,
            kind: "scope_changed".into(),
            slug: "brightwater-hosting".into(),
            legal_name: "Brightwater Hosting GmbH \u{e9}\u{1f600} \"quoted\"\n".into(),
            announced_on: "2026-11-02".into(),
            effective_on: "2026-12-02".into(),
            scope_before: Some(serde_json::json!({"countries": ["DE"], "b": 1.0, "a": null})),
            scope_after: None,
            recorded_at: "2026-11-02T09:30:00.000Z".into(),
        };
        let bytes = e.bytes().expect("json");
        assert_eq!(
            String::from_utf8(bytes).expect("utf-8"),
            "{\"announced_on\":\"2026-11-02\",\"effective_on\":\"2026-12-02\",\"id\":7,\
             \"kind\":\"scope_changed\",\"legal_name\":\"Brightwater Hosting GmbH \u{e9}\u{1f600} \
             \\\"quoted\\\"\\n\",\"recorded_at\":\"2026-11-02T09:30:00.000Z\",\
             \"scope_after\":null,\"scope_before\":{\"a\":null,\"b\":1,\"countries\":[\"DE\"]},\
             \"slug\":\"brightwater-hosting\"}"
        );
    }
}
