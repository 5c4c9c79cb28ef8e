-- An enterprise's unified social credit code (统一社会信用代码, GB 32100-2015), the key a park
-- office knows its enterprises by (issue #15): an import matches a row to a stored enterprise
-- by it first, so a renamed enterprise stays the same one. NULL until it is given; no two
-- enterprises hold one code. The application checks its 18 characters and check character.
--
-- Keep the other dialect's 0022_enterprise_credit_codes.sql in step.
ALTER TABLE enterprises ADD COLUMN credit_code TEXT;
CREATE UNIQUE INDEX enterprises_credit_code ON enterprises (credit_code)
    WHERE credit_code IS NOT NULL;
