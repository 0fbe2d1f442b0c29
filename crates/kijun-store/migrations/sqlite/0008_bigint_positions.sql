-- Nothing to do on SQLite: INTEGER is already 64-bit. (On PostgreSQL this
-- version widens assessment_items.position and assessment_history.seq.)
SELECT 1;
