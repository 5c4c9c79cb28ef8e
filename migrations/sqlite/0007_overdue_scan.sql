-- The overdue scan (Issue::is_overdue over open issues) read from the index alone: the
-- deadlines and the response time are all it needs, and the rowid is the issue's id.
--
-- Keep migrations/postgres/0007_overdue_scan.sql in step.
CREATE INDEX issues_open_overdue ON issues (resolve_due_at, response_due_at, responded_at, escalation_level)
    WHERE status IN ('assigned', 'in_progress');
