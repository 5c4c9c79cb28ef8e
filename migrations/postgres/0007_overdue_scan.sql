-- The overdue scan (Issue::is_overdue over open issues) as an index-only scan: the deadlines,
-- the response time and the level are all it needs.
--
-- Keep migrations/sqlite/0007_overdue_scan.sql in step.
CREATE INDEX issues_open_overdue ON issues (resolve_due_at)
    INCLUDE (id, response_due_at, responded_at, escalation_level)
    WHERE status IN ('assigned', 'in_progress');
