-- Availability monitoring (稼働監視, seed 001): a service's optional HTTP(S)
-- probe and the last state of its probes (not every sample). See
-- docs/oversight.md.
--
-- settings: kijun_core::oversight::monitoring::MonitorSettings as JSON.
-- consecutive_failures … open_outage_id: the last state
-- (MonitorState); open_outage_id is the outage record opened for the
-- current run of failures. next_probe_at: when the probe is due.
-- claimed_until/claim_token: the lease of the instance probing it, so that
-- several instances on one PostgreSQL database never probe (nor open an
-- outage for) one service at once; the state is written only under the
-- lease's token.
CREATE TABLE service_monitors (
    service_id            TEXT PRIMARY KEY REFERENCES services (id),
    tenant_id             TEXT NOT NULL REFERENCES tenants (id),
    settings              TEXT NOT NULL,
    consecutive_failures  BIGINT NOT NULL DEFAULT 0,
    first_failure_at      TEXT,
    last_status           BIGINT,
    last_error            TEXT,
    last_checked_at       TEXT,
    open_outage_id        TEXT,
    next_probe_at         TEXT NOT NULL,
    claimed_until         TEXT,
    claim_token           TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX service_monitors_due ON service_monitors (next_probe_at);
CREATE INDEX service_monitors_tenant ON service_monitors (tenant_id);
