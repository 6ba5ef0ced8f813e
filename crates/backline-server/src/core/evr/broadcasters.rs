//! Broadcasters: EVR game servers that register, heartbeat and host matches.

use super::{Actor, Core, CoreError, CoreResult};
use crate::core::Entity;
use backline_domain::events::EventKind;
use backline_domain::evr::bounds::MAX_REGIONS;
use backline_domain::evr::features::normalise;
use backline_domain::evr::records::{Broadcaster, EvrMatch};
use backline_domain::evr::symbol::Symbol;
use backline_domain::ids::BroadcasterId;
use backline_store::Store;
use serde::Serialize;
use serde_json::json;
use std::net::IpAddr;

/// What a game server registers with.
#[derive(Clone, Debug)]
pub struct Registration {
    pub server_id: u64,
    pub internal_ip: String,
    pub external_ip: Option<String>,
    pub port: u16,
    pub regions: Vec<String>,
    pub version_lock: u64,
    pub features: Vec<String>,
    pub tags: Vec<String>,
    pub group_ids: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Registered {
    pub sid: String,
    pub endpoint: String,
    pub match_id: String,
}

fn check_ip(field: &'static str, text: &str) -> CoreResult<String> {
    text.trim()
        .parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| CoreError::invalid(field, format!("`{text}` is not an IP address")))
}

impl<S: Store> Core<S> {
    pub async fn register_broadcaster(
        &self,
        actor: &Actor,
        reg: Registration,
        caller_ip: Option<IpAddr>,
    ) -> CoreResult<Registered> {
        let operator = actor.claims()?.user_id();
        if reg.port == 0 {
            return Err(CoreError::invalid("port", "must be 1 to 65535"));
        }
        let internal_ip = check_ip("internal_ip", &reg.internal_ip)?;
        let external_ip = match reg.external_ip.as_deref().filter(|s| !s.is_empty()) {
            Some(ip) => check_ip("external_ip", ip)?,
            None => caller_ip
                .map(|ip| ip.to_string())
                .ok_or_else(|| CoreError::invalid("external_ip", "required"))?,
        };
        if reg.regions.len() > MAX_REGIONS {
            return Err(CoreError::invalid(
                "regions",
                format!("at most {MAX_REGIONS} regions"),
            ));
        }
        let regions = if reg.regions.is_empty() {
            vec!["default".to_owned()]
        } else {
            reg.regions
        };
        // Names stay names (queries match them as written); `0x…` symbols are normalised.
        let regions = regions
            .iter()
            .map(|r| {
                let r = r.trim().to_ascii_lowercase();
                if r.starts_with("0x") {
                    Symbol::parse(&r).token()
                } else {
                    r
                }
            })
            .collect();
        let features =
            normalise(&reg.features).map_err(|e| CoreError::invalid("features", e.to_string()))?;
        let now = self.now();
        let broadcaster = Broadcaster {
            sid: BroadcasterId::generate(),
            operator_id: operator,
            server_id: reg.server_id,
            internal_ip,
            external_ip,
            port: reg.port,
            regions,
            version_lock: reg.version_lock,
            features,
            tags: reg.tags,
            group_ids: reg.group_ids,
            registered_at: now,
            heartbeat_at: now,
        };
        let match_id = EvrMatch::new_id(&self.settings.node);
        self.store
            .insert_broadcaster(&broadcaster, &match_id)
            .await?;
        let payload = json!({
            "sid": broadcaster.sid,
            "endpoint": broadcaster.endpoint(),
            "regions": broadcaster.regions,
            "version_lock": broadcaster.version_lock,
            "features": broadcaster.features,
            "idle_match_id": match_id,
        });
        self.publish_now(EventKind::BroadcasterUp, payload).await;
        Ok(Registered {
            sid: broadcaster.sid.to_string(),
            endpoint: broadcaster.endpoint(),
            match_id,
        })
    }

    pub async fn heartbeat_broadcaster(&self, actor: &Actor, sid: &str) -> CoreResult<()> {
        let operator = actor.claims()?.user_id();
        if self
            .store
            .touch_broadcaster(&BroadcasterId::from_string(sid), &operator, self.now())
            .await?
        {
            Ok(())
        } else {
            Err(CoreError::none_found(Entity::Broadcaster))
        }
    }

    pub async fn unregister_broadcaster(&self, actor: &Actor, sid: &str) -> CoreResult<()> {
        let operator = actor.claims()?.user_id();
        if self
            .store
            .remove_broadcaster(
                &BroadcasterId::from_string(sid),
                Some(&operator),
                self.now(),
                None,
            )
            .await?
        {
            self.publish_now(
                EventKind::BroadcasterDown,
                json!({"sid": sid, "reason": "unregistered"}),
            )
            .await;
            Ok(())
        } else {
            Err(CoreError::none_found(Entity::Broadcaster))
        }
    }
}
