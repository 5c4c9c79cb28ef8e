-- A need or an offer raised on an on-site visit remembers the visit (#16): the commissioner
-- who found it there, and who reads the visit later, can follow it. Nullable: most listings are
-- posted away from a visit.
ALTER TABLE listings ADD COLUMN visit_id BIGINT REFERENCES visits (id);
CREATE INDEX listings_by_visit ON listings (visit_id) WHERE visit_id IS NOT NULL;
