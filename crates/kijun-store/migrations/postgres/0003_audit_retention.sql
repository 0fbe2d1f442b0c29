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

-- Deletion is possible only inside the prune transaction, which sets the
-- transaction-local setting kijun.audit_prune.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('kijun.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
