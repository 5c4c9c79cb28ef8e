-- The matchmaking meeting (对接会) a match was made at, if any (issue #16: "record the matches
-- made there"). NULL for a match introduced elsewhere.
--
-- Keep the other dialect's 0021_match_meetings.sql in step.
ALTER TABLE matches ADD COLUMN meeting_id BIGINT REFERENCES chain_meetings (id);
CREATE INDEX matches_by_meeting ON matches (meeting_id) WHERE meeting_id IS NOT NULL;
