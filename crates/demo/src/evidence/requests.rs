//! This morning's decisions on the footage: the head's retention reasons (BWC-06), and access
//! requests in each state (BWC-08..10): one waiting, one approved and exported, one restricted
//! file with one of the two approvals it needs.

use chrono::Duration;
use roadwarden_server::services::evidence::access::{self, Decision, RequestInput};
use roadwarden_server::services::evidence::retention;

use super::{Kept, Scene};

/// BWC-06: a litigation hold and a long-term trigger, set by the head.
pub(super) async fn retention_reasons(s: &Scene<'_>, kept: &Kept) -> anyhow::Result<()> {
    let (state, head, meta) = (s.state, &s.people.head, &s.meta);
    s.at(s.now - Duration::minutes(50));
    retention::add_reason(
        state,
        head,
        meta,
        kept.hold,
        "hold",
        "",
        "行政诉讼 (2026)浙0522行初12号 证据保全",
    )
    .await?;
    retention::add_reason(
        state,
        head,
        meta,
        kept.objected,
        "long_term",
        "party_objection",
        "当事人当场对处罚提出异议",
    )
    .await?;
    Ok(())
}

/// BWC-08..10: a view request of `viewed` waiting for the head; a copy approved and made for
/// the procuratorate; a copy of the restricted file with one of the two approvals it needs.
pub(super) async fn access_requests(s: &Scene<'_>, kept: &Kept, viewed: i64) -> anyhow::Result<()> {
    let (state, reviewer, meta) = (s.state, &s.people.reviewer, &s.meta);
    s.at(s.now - Duration::minutes(40));
    access::file(
        state,
        reviewer,
        meta,
        RequestInput {
            evidence_ids: vec![viewed],
            requester_kind: "officer".into(),
            purpose: "view".into(),
            reason: "复核画溪检查点现场处置是否规范，核对当事人陈述".into(),
            register: String::new(),
            committee_approval: String::new(),
        },
    )
    .await?;
    let copy = access::file(
        state,
        reviewer,
        meta,
        RequestInput {
            evidence_ids: vec![kept.copied],
            requester_kind: "procuratorate".into(),
            purpose: "copy".into(),
            reason: "长兴县人民检察院调取交通事故现场执法录像".into(),
            register: "长兴县人民检察院 王检察官 长检调〔2026〕31号".into(),
            committee_approval: String::new(),
        },
    )
    .await?;
    s.at(s.now - Duration::minutes(30));
    access::decide(
        state,
        &s.people.squad_head,
        meta,
        copy.request.id,
        Decision::Approve,
    )
    .await?;
    s.at(s.now - Duration::minutes(20));
    access::export(state, &s.people.admin, meta, copy.request.id).await?;
    let restricted = access::file(
        state,
        reviewer,
        meta,
        RequestInput {
            evidence_ids: vec![kept.restricted],
            requester_kind: "court".into(),
            purpose: "copy".into(),
            reason: "长兴县人民法院审理信访人起诉案件，调取接待录像".into(),
            register: "长兴县人民法院 李法官 (2026)浙0522民初88号调取函".into(),
            committee_approval: String::new(),
        },
    )
    .await?;
    s.at(s.now - Duration::minutes(10));
    // The second approval is cx.head2's to give in the demo.
    access::decide(
        state,
        &s.people.head,
        meta,
        restricted.request.id,
        Decision::Approve,
    )
    .await?;
    Ok(())
}
