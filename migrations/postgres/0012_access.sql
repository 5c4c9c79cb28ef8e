-- Access hardening (issue #8): token scopes, the deployment's delivery-report secret, and the
-- public note a unit gives the requester when it resolves an issue.
--
-- Keep the other dialect's 0012_access.sql in step.

-- What a token opens: 'api' (bearer tokens under /api/v1) or 'open311' (an Open311 api_key
-- under /open311/v2, nothing else). Existing tokens of users whose only role is `enterprise`
-- were Open311 keys (that is what the README told operators to mint for their 311 clients), so
-- they become 'open311': their 311 clients keep working, and they lose the /api/v1 access they
-- should never have had. Every other token becomes 'api', which can no longer serve as an
-- api_key. Either way no token gains anything it could not do before.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'api'
    CHECK (scope IN ('api', 'open311'));
UPDATE api_tokens SET scope = 'open311'
WHERE user_id IN (
    SELECT user_id FROM user_roles GROUP BY user_id
    HAVING COUNT(*) = 1 AND MIN(role) = 'enterprise'
);

-- Secrets generated once per deployment and shared by every instance on this database (the
-- first instance to need one inserts it; the others read it). `dlr`: the secret Kannel's
-- delivery-report URL carries when `notify.dlr_secret` is not configured.
CREATE TABLE deployment_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- The note a unit wrote for the requester when resolving (Open311's status_notes); NULL when
-- it wrote none. The internal `resolution` note never leaves through Open311.
ALTER TABLE issues ADD COLUMN public_resolution TEXT;
