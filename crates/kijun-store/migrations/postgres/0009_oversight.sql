-- Oversight of services in operation (issue 6). Records per service —
-- outages, inquiries, incidents, change/termination notices, security-plan
-- items and their monthly status, issues and risks — are JSON documents
-- validated by kijun-core's `oversight::records` types, with the columns
-- lists and filters need beside them: the time the record is filed under
-- (`filed_at`: a UTC timestamp in the store's fixed-width form, a date
-- YYYY-MM-DD or a month YYYY-MM depending on the kind), whether it is still
-- open, the record it refers to (a plan status: its item) and the vendor
-- organisation that filed it (NULL: the municipality's staff).
-- Contract deliverables (per service, kind and period) carry the due date a
-- reviewer set and their submitted versions; each service may have SLA
-- settings (kijun-core's `oversight::SlaSettings` as JSON).

CREATE TABLE oversight_records (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    service_id       TEXT NOT NULL REFERENCES services (id),
    kind             TEXT NOT NULL CHECK (kind IN ('outage', 'inquiry', 'incident', 'notice', 'plan_item', 'plan_status', 'issue')),
    organisation_id  TEXT REFERENCES organisations (id),
    filed_at         TEXT NOT NULL,
    is_open          BOOLEAN NOT NULL,
    ref_id           TEXT,
    data             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    created_by       TEXT,
    updated_at       TEXT NOT NULL,
    updated_by       TEXT
);
CREATE INDEX oversight_records_service ON oversight_records (service_id, kind, filed_at);
CREATE INDEX oversight_records_tenant ON oversight_records (tenant_id, kind);
-- One status per plan item and month.
CREATE UNIQUE INDEX oversight_plan_status_month ON oversight_records (ref_id, filed_at) WHERE kind = 'plan_status';

CREATE TABLE oversight_deliverables (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    service_id  TEXT NOT NULL REFERENCES services (id),
    kind        TEXT NOT NULL,
    period      TEXT NOT NULL,
    due_on      TEXT,
    required    BOOLEAN NOT NULL,
    note        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (service_id, kind, period)
);
CREATE INDEX oversight_deliverables_tenant ON oversight_deliverables (tenant_id);

CREATE TABLE oversight_deliverable_versions (
    deliverable_id     TEXT NOT NULL REFERENCES oversight_deliverables (id),
    version            BIGINT NOT NULL,
    organisation_id    TEXT REFERENCES organisations (id),
    submitted_by       TEXT,
    submitted_by_name  TEXT,
    submitted_at       TEXT NOT NULL,
    data               TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'returned', 'superseded')),
    review_comment     TEXT,
    reviewed_by        TEXT,
    reviewed_at        TEXT,
    PRIMARY KEY (deliverable_id, version)
);

CREATE TABLE oversight_settings (
    service_id  TEXT PRIMARY KEY REFERENCES services (id),
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    settings    TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT
);
CREATE INDEX oversight_settings_tenant ON oversight_settings (tenant_id);
