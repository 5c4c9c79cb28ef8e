-- What the weekly report reads: the issues changed since a trend's first week began.
--
-- Keep the other dialect's 0010_report_feed.sql in step.
CREATE INDEX issues_updated ON issues (updated_at);
