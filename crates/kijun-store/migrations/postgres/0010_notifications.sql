-- Notifications (通知): alerts sent by e-mail (SMTP) and signed webhooks,
-- with retries and a delivery log. See docs/notifications.md.
--
-- notification_channels: a tenant's recipients. channel 'email' has the
-- address in target; channel 'webhook' has the URL in target and the HMAC
-- secret sealed (AES-256-GCM under the master key, never returned) in
-- secret. kinds is a JSON array of alert kinds; an empty array means every
-- kind.
CREATE TABLE notification_channels (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    name        TEXT NOT NULL,
    target      TEXT NOT NULL,
    secret      TEXT,
    kinds       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX notification_channels_tenant ON notification_channels (tenant_id, created_at);

-- The outbox: one row per alert. dedupe_key is unique per tenant, so the
-- same alert enqueued twice is stored (and sent) once. payload is JSON.
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    dedupe_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (tenant_id, dedupe_key)
);

-- One row per notification and channel. target is the e-mail address or
-- the webhook's channel id. status: pending (not tried yet), failed (the
-- last attempt failed; retried at next_attempt_at), sent, gave_up.
-- claimed_until/claim_token: the lease of the worker sending it, so that
-- several instances on one PostgreSQL database never send it twice at once.
CREATE TABLE notification_deliveries (
    id               TEXT PRIMARY KEY,
    notification_id  TEXT NOT NULL REFERENCES notifications (id),
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    channel_id       TEXT,
    target           TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'failed', 'sent', 'gave_up')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    claimed_until    TEXT,
    claim_token      TEXT,
    last_error       TEXT,
    sent_at          TEXT,
    created_at       TEXT NOT NULL
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
CREATE INDEX notification_deliveries_tenant ON notification_deliveries (tenant_id, created_at);
CREATE INDEX notification_deliveries_notification ON notification_deliveries (notification_id);

-- Every attempt of a delivery, for the delivery log.
CREATE TABLE notification_attempts (
    delivery_id  TEXT NOT NULL REFERENCES notification_deliveries (id),
    attempt      BIGINT NOT NULL,
    at           TEXT NOT NULL,
    ok           BOOLEAN NOT NULL,
    error        TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
