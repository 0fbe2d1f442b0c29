-- Services (the external services a tenant uses or plans to use) and their
-- assessments: the applicable items (requirement x party x level), vendor
-- answers, item reviews, invitations, verdicts, and the full history.
-- Structured sub-records that are read and written as a whole (the service
-- profile, certifications, the nested subcontractor chain, conditions) are
-- JSON documents validated by kijun-core's types.

CREATE TABLE services (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants (id),
    name               TEXT NOT NULL,
    purpose            TEXT NOT NULL,
    department         TEXT NOT NULL,
    provider_org_id    TEXT REFERENCES organisations (id),
    integrator_org_id  TEXT REFERENCES organisations (id),
    details            TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX services_tenant ON services (tenant_id, name);

CREATE TABLE assessments (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    service_id   TEXT NOT NULL REFERENCES services (id),
    phase        TEXT NOT NULL,
    catalogs     TEXT NOT NULL,
    profile      TEXT NOT NULL,
    status       TEXT NOT NULL,
    due_date     TEXT,
    opened_by    TEXT NOT NULL,
    opened_at    TEXT NOT NULL,
    verdict      TEXT,
    decision     TEXT,
    updated_at   TEXT NOT NULL
);
CREATE INDEX assessments_tenant ON assessments (tenant_id, status);

CREATE TABLE assessment_invitations (
    assessment_id  TEXT NOT NULL REFERENCES assessments (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    party          TEXT NOT NULL CHECK (party IN ('integrator', 'provider')),
    invited_at     TEXT NOT NULL,
    submitted_at   TEXT,
    PRIMARY KEY (assessment_id, user_id)
);

CREATE TABLE assessment_items (
    assessment_id   TEXT NOT NULL REFERENCES assessments (id),
    catalog_id      TEXT NOT NULL,
    requirement_id  TEXT NOT NULL,
    party           TEXT NOT NULL CHECK (party IN ('integrator', 'provider')),
    level           TEXT NOT NULL,
    position        INTEGER NOT NULL,
    answer          TEXT,
    state           TEXT NOT NULL,
    review_comment  TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (assessment_id, catalog_id, requirement_id, party)
);

CREATE TABLE assessment_history (
    assessment_id  TEXT NOT NULL REFERENCES assessments (id),
    seq            INTEGER NOT NULL,
    at             TEXT NOT NULL,
    actor_id       TEXT,
    actor_name     TEXT,
    event          TEXT NOT NULL,
    item           TEXT,
    details        TEXT NOT NULL,
    PRIMARY KEY (assessment_id, seq)
);
