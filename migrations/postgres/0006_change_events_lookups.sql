-- A vendor page lists its upcoming changes by slug, and the changes page and the JSON API pick
-- out removals on every request: both were full scans of change_events.
CREATE INDEX change_events_slug ON change_events (slug, effective_on);
CREATE INDEX change_events_kind ON change_events (kind, effective_on);
