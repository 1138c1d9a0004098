-- What a contact typed into an attestation the server refused (issue 26): kept so the form
-- comes back as they left it, and with the documents they had sent (recorded in `documents`,
-- not left unreferenced in the store). One per contact, replaced by the next refusal, deleted
-- when the attestation is signed. `answers` is JSON: [{question_key, answer, explanation,
-- document_id}].
CREATE TABLE attestation_drafts (
    contact_id       INTEGER PRIMARY KEY REFERENCES vendor_contacts (id) ON DELETE CASCADE,
    questionnaire_id INTEGER NOT NULL REFERENCES questionnaires (id),
    answers          TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
