-- Stored documents and the review of what vendors submit (issue 26). A document's bytes live
-- in the document store under their SHA-256; this is its metadata, never deleted. Every
-- download of one is a row of document_downloads (who, when).
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- the vendor whose evidence it is (NULL: one of our own documents)
    vendor_id   INTEGER REFERENCES vendors (id),
    sha256      TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    media_type  TEXT NOT NULL,
    -- the name it was uploaded with (shown, and given to a download), cleaned
    file_name   TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX documents_vendor ON documents (vendor_id);

CREATE TABLE document_downloads (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id   INTEGER NOT NULL REFERENCES documents (id),
    downloaded_by TEXT NOT NULL,
    downloaded_at TEXT NOT NULL
);
CREATE INDEX document_downloads_document ON document_downloads (document_id);

-- An assessment carries the document it rests on, and its review: 'approved' (what a
-- manager enters, and every row before this migration), 'pending' (submitted by a vendor
-- contact, waiting), 'changes_requested' or 'rejected' (with the reviewer's comment).
-- Compliance, the public pages and the exports read approved rows only.
ALTER TABLE assessments ADD COLUMN document_id INTEGER REFERENCES documents (id);
ALTER TABLE assessments ADD COLUMN review_state TEXT NOT NULL DEFAULT 'approved'
    CHECK (review_state IN ('pending', 'approved', 'changes_requested', 'rejected'));
ALTER TABLE assessments ADD COLUMN submitted_by TEXT;
ALTER TABLE assessments ADD COLUMN reviewed_by TEXT;
ALTER TABLE assessments ADD COLUMN reviewed_at TEXT;
ALTER TABLE assessments ADD COLUMN review_comment TEXT NOT NULL DEFAULT '';
CREATE INDEX assessments_review ON assessments (review_state, created_at);
