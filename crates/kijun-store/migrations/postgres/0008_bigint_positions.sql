-- Item positions and history sequence numbers are read as 64-bit integers
-- (as on SQLite, whose INTEGER is 64-bit).
ALTER TABLE assessment_items ALTER COLUMN position TYPE BIGINT;
ALTER TABLE assessment_history ALTER COLUMN seq TYPE BIGINT;
