-- The vendors' answer library (回答マスタ): answers kept per organisation,
-- per requirement (key "catalog/requirement") or per common control (key
-- "control"), per party, optionally for one product of the vendor; and the
-- organisation's consents to use its library in a tenant other than the one
-- an answer came from.

CREATE TABLE answer_library (
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    product          TEXT NOT NULL DEFAULT '',
    scope            TEXT NOT NULL CHECK (scope IN ('requirement', 'control')),
    entry_key        TEXT NOT NULL,
    party            TEXT NOT NULL CHECK (party IN ('integrator', 'provider')),
    answer           TEXT NOT NULL,
    origin_tenant_id TEXT REFERENCES tenants (id),
    updated_at       TEXT NOT NULL,
    updated_by       TEXT,
    PRIMARY KEY (organisation_id, product, scope, entry_key, party)
);

CREATE TABLE library_consents (
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    granted_at       TEXT NOT NULL,
    revoked_at       TEXT,
    PRIMARY KEY (organisation_id, tenant_id)
);

-- An item answered from the library waits for the vendor's confirmation.
ALTER TABLE assessment_items ADD COLUMN prefilled BOOLEAN NOT NULL DEFAULT FALSE;
