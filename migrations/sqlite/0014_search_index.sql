-- Search and counts at 100,000 vendors without reading the whole table.
--
-- `q` matches a substring of `search_text`. A trigram index (FTS5, external content: it keeps
-- only the index, `vendors` keeps the text) finds the vendors holding every three-letter piece
-- of a search of three or more letters; the query then checks `search_text LIKE` on those
-- alone, so the index only narrows and never changes what matches. Triggers keep it in step
-- with every write, in the writer's own transaction.
CREATE VIRTUAL TABLE vendor_search USING fts5 (
    search_text, content = 'vendors', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO vendor_search (vendor_search) VALUES ('rebuild');

CREATE TRIGGER vendor_search_insert AFTER INSERT ON vendors BEGIN
    INSERT INTO vendor_search (rowid, search_text) VALUES (NEW.id, NEW.search_text);
END;
CREATE TRIGGER vendor_search_delete AFTER DELETE ON vendors BEGIN
    INSERT INTO vendor_search (vendor_search, rowid, search_text)
        VALUES ('delete', OLD.id, OLD.search_text);
END;
CREATE TRIGGER vendor_search_update AFTER UPDATE OF search_text ON vendors BEGIN
    INSERT INTO vendor_search (vendor_search, rowid, search_text)
        VALUES ('delete', OLD.id, OLD.search_text);
    INSERT INTO vendor_search (rowid, search_text) VALUES (NEW.id, NEW.search_text);
END;

-- A vendor's status on a day reads these three dates only: counting the registry scans this
-- index (a few MB at 100,000 vendors) instead of every vendor's row.
CREATE INDEX vendors_lifecycle ON vendors (announced_on, effective_on, removed_on);
