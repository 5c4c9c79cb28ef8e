-- The open issues (assigned or started) by id, newest first: a list of them, such as the
-- overdue sweep, pages down the ids and stops after a page; the due columns let the overdue
-- test run on the index before a row is read (issue 17).
--
-- Keep migrations/sqlite/0020_open_issues_by_id.sql in step.
CREATE INDEX issues_open_by_id ON issues (id)
    INCLUDE (resolve_due_at, response_due_at, responded_at)
    WHERE status IN ('assigned', 'in_progress');
