-- Evidence files (証跡ファイル): per-tenant data keys and the evidence
-- register. The files themselves are encrypted blobs in a blob store (a
-- directory, later S3-compatible storage), never in the database.
--
-- tenant_keys holds each tenant's 256-bit data key wrapped (AES-256-GCM) by
-- the master key, which lives outside the database (key file or environment
-- variable); master_key_id (the first 8 hex digits of SHA-256 of the master
-- key) lets a wrong master key be detected before any decryption is tried.
-- wrapped_key is hex of nonce (12 bytes) || ciphertext (32) || tag (16).

CREATE TABLE tenant_keys (
    tenant_id      TEXT PRIMARY KEY REFERENCES tenants (id),
    key_id         TEXT NOT NULL UNIQUE,
    master_key_id  TEXT NOT NULL,
    wrapped_key    TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

-- One row per uploaded file. sha256 is hex of the plaintext; size is the
-- plaintext size in bytes; blob_key names the encrypted blob.
CREATE TABLE evidence (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    owner_user_id  TEXT NOT NULL REFERENCES users (id),
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL CHECK (size > 0),
    sha256         TEXT NOT NULL,
    key_id         TEXT NOT NULL REFERENCES tenant_keys (key_id),
    blob_key       TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL
);
CREATE INDEX evidence_tenant ON evidence (tenant_id, created_at);
