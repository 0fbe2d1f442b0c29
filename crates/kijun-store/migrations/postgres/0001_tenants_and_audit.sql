-- Tenants (municipalities) and the hash-chained audit log.
-- Timestamps are UTC text in a fixed-width ISO 8601 form (2026-11-24T21:35:00.123456Z),
-- the same representation as on SQLite so that one query text serves both.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- One chain per tenant plus the `system` chain; `seq` counts from 1 in each.
CREATE TABLE audit_log (
    chain        TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    at           TEXT NOT NULL,
    tenant_id    TEXT,
    actor_id     TEXT,
    actor_name   TEXT,
    action       TEXT NOT NULL,
    target       TEXT,
    source_addr  TEXT,
    details      TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);

-- The last entry of each chain, updated in the same transaction as each
-- append: a deleted tail shows as a head ahead of the last row.
CREATE TABLE audit_heads (
    chain  TEXT PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   TEXT NOT NULL
);

-- Append-only at the database level too.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
