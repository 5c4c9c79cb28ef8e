-- The open issues (assigned or started) by id, newest first: a list of them, such as the
-- overdue sweep, pages down the ids and stops after a page. Without it such a list walks the
-- whole table by id (every closed issue too: a sweep over the 50,000 overdue of 1,000,000
-- issues read all million rows); the partial index holds only the open ones, and the due
-- columns let SQLite test overdue on the index before it reads a row (issue 17).
--
-- Keep migrations/postgres/0020_open_issues_by_id.sql in step.
CREATE INDEX issues_open_by_id ON issues (id, resolve_due_at, response_due_at, responded_at)
    WHERE status IN ('assigned', 'in_progress');
