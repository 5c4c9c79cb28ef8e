-- The industry chain's matchmaking (issue #16, first slice): a chain's ordered stages, each
-- enterprise's stage and tags, and the needs and offers (供需) enterprises post, with the
-- character bigrams their text is searched by.
--
-- Keep the other dialect's 0015_chain.sql in step.

-- A chain's stages, upstream first. `position` orders them (1 = most upstream); codes are
-- unique per chain. A stage an enterprise holds is never removed.
CREATE TABLE chain_stages (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    position BIGINT NOT NULL CHECK (position > 0),
    code     TEXT NOT NULL,
    name     TEXT NOT NULL,
    UNIQUE (chain_id, code)
);
CREATE INDEX chain_stages_by_position ON chain_stages (chain_id, position);

-- An enterprise's stage in its grid's chain; NULL until someone sets it.
ALTER TABLE enterprises ADD COLUMN stage_id BIGINT REFERENCES chain_stages (id);

-- What an enterprise makes, uses up and can do, as tags (lowercased, one form).
CREATE TABLE enterprise_tags (
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    kind          TEXT NOT NULL CHECK (kind IN ('product', 'material', 'capability')),
    tag           TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, kind, tag)
);
CREATE INDEX enterprise_tags_by_tag ON enterprise_tags (tag);

-- Needs and offers. `grid_id` is the enterprise's grid when posted: who may see a listing is
-- decided as for issues, by the grid it was posted in. `valid_until` is YYYY-MM-DD, the last
-- day it is open; expiry is read from it, never stored. `withdrawn_at` set means withdrawn.
CREATE TABLE listings (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    side          TEXT NOT NULL CHECK (side IN ('need', 'offer')),
    kind          TEXT NOT NULL CHECK (kind IN ('supplier', 'byproduct_buyer', 'capacity',
                                               'technology', 'labour', 'logistics')),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    grid_id       BIGINT NOT NULL REFERENCES grids (id),
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    quantity      TEXT,
    valid_until   TEXT NOT NULL,
    posted_by     BIGINT NOT NULL REFERENCES users (id),
    posted_at     TIMESTAMPTZ NOT NULL,
    withdrawn_by  BIGINT REFERENCES users (id),
    withdrawn_at  TIMESTAMPTZ
);
CREATE INDEX listings_open ON listings (side, valid_until) WHERE withdrawn_at IS NULL;
CREATE INDEX listings_by_enterprise ON listings (enterprise_id);
CREATE INDEX listings_by_grid ON listings (grid_id);

CREATE TABLE listing_tags (
    listing_id BIGINT NOT NULL REFERENCES listings (id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (listing_id, tag)
);
CREATE INDEX listing_tags_by_tag ON listing_tags (tag, listing_id);

-- The distinct character bigrams of each listing's title and text (core::chain::grams): a
-- search finds the listings holding every bigram of its text, on either backend, with no word
-- segmenter. Keyed by gram first, the way searches read it.
CREATE TABLE listing_grams (
    gram       TEXT NOT NULL,
    listing_id BIGINT NOT NULL REFERENCES listings (id),
    PRIMARY KEY (gram, listing_id)
);
