-- Proposals of a new country and of a new contact (issue 26) beside a new sub-processor.
ALTER TABLE proposals DROP CONSTRAINT proposals_kind_check;
ALTER TABLE proposals ADD CONSTRAINT proposals_kind_check
    CHECK (kind IN ('sub_processor', 'country', 'contact'));
