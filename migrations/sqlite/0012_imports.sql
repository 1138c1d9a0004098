-- Bulk imports: the uploaded file (kept so a dry run can be applied as checked, by whichever
-- instance), who started it, and its report and summary once done. A file is at most 10 MB.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    actor        TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content      BLOB NOT NULL,
    apply        INTEGER NOT NULL DEFAULT 0 CHECK (apply IN (0, 1)),
    skip_refused INTEGER NOT NULL DEFAULT 0 CHECK (skip_refused IN (0, 1)),
    state        TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    report       TEXT,
    -- one line for the list of recent imports (the report can be megabytes)
    summary      TEXT,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);
