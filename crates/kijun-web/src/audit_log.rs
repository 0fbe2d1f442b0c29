//! Writing the audit log from the web edge: one call per event, with the
//! actor, tenant, source address and target taken from the request.

use kijun_store::NewAuditEntry;

use crate::error::ApiError;
use crate::principal::Principal;
use crate::state::AppState;

/// One event to record.
pub struct Event<'a> {
    pub action: &'a str,
    pub tenant_id: Option<&'a str>,
    pub target: Option<String>,
    pub details: serde_json::Value,
}

impl AppState {
    /// Appends `event` performed by `actor` (or an anonymous caller from
    /// `source_addr`, e.g. a failed login).
    pub async fn audit(
        &self,
        actor: Option<&Principal>,
        source_addr: Option<String>,
        event: Event<'_>,
    ) -> Result<(), ApiError> {
        let entry = self.audit_entry(actor, source_addr, event);
        self.store.append_audit(&entry, self.now()).await?;
        Ok(())
    }

    /// The entry [`AppState::audit`] would append, for a store call that
    /// writes it in the same transaction as the change it records.
    pub fn audit_entry(
        &self,
        actor: Option<&Principal>,
        source_addr: Option<String>,
        event: Event<'_>,
    ) -> NewAuditEntry {
        let (actor_id, actor_name) = actor.map_or((None, None), Principal::actor);
        NewAuditEntry {
            tenant_id: event.tenant_id.map(str::to_owned),
            actor_id,
            actor_name,
            action: event.action.to_owned(),
            target: event.target,
            source_addr: source_addr.or_else(|| actor.and_then(|p| p.source_addr.clone())),
            details: event.details,
        }
    }
}
