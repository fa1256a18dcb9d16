//! SHR-05 on the interface registry page: which outside systems are reached through the
//! gateway, through which folders and under which keys, and the packages carried lately.
//! Only the envelope is shown (no answer bodies), so the page carries no personal data.

use roadwarden_domain::outside::OutsideSystem;
use roadwarden_store::ferry as rows;
use serde::Serialize;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::policy::PartnerReaders;
use crate::services::context::ServiceContext;
use crate::services::riders::need;

/// How many packages the page lists.
const RECENT: i64 = 50;

/// One system reached through the gateway.
#[derive(Debug, Clone, Serialize)]
pub struct FerrySystem {
    pub system: &'static str,
    pub out_dir: String,
    pub in_dir: String,
    /// The peer's public key, as configured (hex).
    pub peer_key: String,
}

/// One package carried, either way.
#[derive(Debug, Clone, Serialize)]
pub struct FerryPackageView {
    pub id: String,
    pub direction: String,
    pub system: String,
    pub kind: String,
    pub in_reply_to: String,
    pub sha256: String,
    pub file_name: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FerryOverview {
    pub systems: Vec<FerrySystem>,
    /// Our public key (hex), for the other side's configuration; empty when no system is
    /// reached through the gateway (no key is made just to be shown).
    pub our_key: String,
    pub packages: Vec<FerryPackageView>,
}

/// The gateway ferry as the registry page shows it.
pub async fn overview(ctx: &ServiceContext, p: &Principal) -> AppResult<FerryOverview> {
    need::<PartnerReaders>(
        p,
        "the gateway ferry is read by operators, technology, heads and auditors",
    )?;
    let systems: Vec<FerrySystem> = OutsideSystem::ALL
        .into_iter()
        .filter_map(|s| {
            let conf = super::super::system_settings(&ctx.settings.outside, s);
            conf.is_ferry().then(|| FerrySystem {
                system: s.as_str(),
                out_dir: conf.ferry_out.display().to_string(),
                in_dir: conf.ferry_in.display().to_string(),
                peer_key: conf.ferry_peer_key.clone(),
            })
        })
        .collect();
    let our_key = if systems.is_empty() {
        String::new()
    } else {
        hex::encode(super::our_key(&ctx.settings)?.verifying_key().as_bytes())
    };
    let mut tx = ctx.store.begin_read().await?;
    let packages = rows::recent(&mut tx, RECENT)
        .await?
        .into_iter()
        .map(|r| FerryPackageView {
            id: r.id,
            direction: r.direction,
            system: r.system,
            kind: r.kind,
            in_reply_to: r.in_reply_to,
            sha256: r.sha256,
            file_name: r.file_name,
            at: r.at.to_rfc3339(),
        })
        .collect();
    Ok(FerryOverview {
        systems,
        our_key,
        packages,
    })
}
