-- Termination of an overseen service (issue 7, 更改・廃棄). A termination
-- case belongs to a service and records the notice (announced and
-- effective dates), its status (open / closed) and the vendor's deletion
-- certificate (データ消去証明書: the evidence file, its name and SHA-256 as
-- uploaded, the issue date). Each case has one row per checklist item
-- (kijun-core's `termination::ItemKind`) with its responsible party, due
-- date, state, the latest submission (note, evidence ids as a JSON array)
-- and the reviewer's sign-off or return comment. Every table carries the
-- tenant id so a tenant's rows can be found directly.

CREATE TABLE termination_cases (
    id                       TEXT PRIMARY KEY,
    tenant_id                TEXT NOT NULL REFERENCES tenants (id),
    service_id               TEXT NOT NULL REFERENCES services (id),
    status                   TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    announced_on             TEXT NOT NULL,
    effective_on             TEXT NOT NULL,
    note                     TEXT NOT NULL,
    certificate_evidence_id  TEXT REFERENCES evidence (id),
    certificate_filename     TEXT,
    certificate_sha256       TEXT,
    certificate_issued_on    TEXT,
    certificate_recorded_at  TEXT,
    certificate_recorded_by  TEXT,
    opened_at                TEXT NOT NULL,
    opened_by                TEXT,
    closed_at                TEXT,
    closed_by                TEXT,
    updated_at               TEXT NOT NULL
);
CREATE INDEX termination_cases_service ON termination_cases (service_id, opened_at);
CREATE INDEX termination_cases_tenant ON termination_cases (tenant_id);
-- At most one open case per service.
CREATE UNIQUE INDEX termination_cases_one_open ON termination_cases (service_id) WHERE status = 'open';

CREATE TABLE termination_items (
    case_id            TEXT NOT NULL REFERENCES termination_cases (id),
    tenant_id          TEXT NOT NULL REFERENCES tenants (id),
    kind               TEXT NOT NULL,
    position           BIGINT NOT NULL,
    responsible        TEXT NOT NULL CHECK (responsible IN ('provider', 'integrator', 'municipality')),
    required           BOOLEAN NOT NULL,
    due_on             TEXT,
    state              TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'returned', 'signed_off')),
    note               TEXT NOT NULL,
    evidence_ids       TEXT NOT NULL,
    organisation_id    TEXT REFERENCES organisations (id),
    submitted_at       TEXT,
    submitted_by       TEXT,
    submitted_by_name  TEXT,
    review_comment     TEXT,
    reviewed_at        TEXT,
    reviewed_by        TEXT,
    reviewed_by_name   TEXT,
    PRIMARY KEY (case_id, kind)
);
CREATE INDEX termination_items_tenant ON termination_items (tenant_id);
