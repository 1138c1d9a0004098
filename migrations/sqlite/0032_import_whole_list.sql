-- Whole-list imports (issue 29): a run marked whole_list removes the registry's vendors its
-- file does not name; kept with the run so the apply of its dry run runs the same way.
ALTER TABLE imports ADD COLUMN whole_list INTEGER NOT NULL DEFAULT 0 CHECK (whole_list IN (0, 1));
