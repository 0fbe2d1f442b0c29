-- Audit retention: entries older than a tenant's retention period may be
-- pruned. The last pruned entry of each chain is kept as a checkpoint, from
-- which verification continues; the prune itself is an audit entry that
-- records the checkpoint, so a forged checkpoint is detected.

CREATE TABLE audit_checkpoints (
    chain      TEXT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL,
    pruned_at  TEXT NOT NULL
);

-- Deletion is possible only while the prune transaction holds the gate open.
CREATE TABLE audit_gate (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    open  INTEGER NOT NULL
);
INSERT INTO audit_gate (id, open) VALUES (1, 0);

DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN (SELECT open FROM audit_gate WHERE id = 1) = 0
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
