//! BWC-10, SEC-07: the export's PDF, apart from the request flow in `access` because it is a
//! document of its own: a recording sheet per file, the SHA-256 manifest and the chain of
//! custody, watermarked on every page with who printed it and when.

use chrono::{DateTime, Utc};
use roadwarden_domain::calendar::format_local;
use roadwarden_domain::{UnitId, UserId};
use roadwarden_letter::{Document, Section};
use roadwarden_store::evidence_access as access_store;
use roadwarden_store::{audit, recorders, units, users};
use serde_json::json;

use super::access::{audit_request, load_export};
use super::time_zone;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;

/// BWC-10: the export's PDF: a recording sheet per file, the SHA-256 manifest and the chain
/// of custody, watermarked on every page with who printed it and when.
pub async fn sheet(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    export_id: i64,
) -> AppResult<Vec<u8>> {
    let (export, request, files) = load_export(ctx, p, export_id).await?;
    let now = ctx.clock.now();
    let tz = time_zone(&p.user.unit_time_zone);
    let mut tx = ctx.store.begin_read().await?;
    let mut sections = Vec::new();
    let t = |d: DateTime<Utc>| format_local(d, tz);
    let requester = users::get(&mut tx, UserId(request.requester_id)).await?;
    // BWC-08: the administrator who provided the copy and recorded the retrieval, and the
    // unit the retrieval is recorded for.
    let provider = users::get(&mut tx, UserId(export.created_by))
        .await?
        .map(|u| format!("{} ({})", u.full_name, u.username))
        .unwrap_or_default();
    let requesting_unit = match request.requesting_unit_id {
        Some(u) => units::get(&mut tx, UnitId(u))
            .await?
            .map(|u| u.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let approvers = access_store::approvals(&mut tx, request.id).await?;
    let mut approver_names = Vec::new();
    for a in &approvers {
        approver_names.push(
            users::get(&mut tx, UserId(*a))
                .await?
                .map(|u| u.full_name)
                .unwrap_or_default(),
        );
    }
    sections.push(Section {
        heading: "调取审批 Request and approval".into(),
        rows: vec![
            ("申请编号 Request".into(), format!("#{}", request.id)),
            (
                "申请人 Requester".into(),
                requester
                    .map(|u| format!("{} ({})", u.full_name, u.username))
                    .unwrap_or_default(),
            ),
            ("类别 Kind".into(), request.requester_kind.as_str().into()),
            ("申请单位 Requesting unit".into(), requesting_unit),
            ("事由 Reason".into(), request.reason.clone()),
            ("登记 Register".into(), request.register.clone()),
            ("批准人 Approved by".into(), approver_names.join(", ")),
            (
                "批准时间 Approved".into(),
                request.decided_at.map(t).unwrap_or_default(),
            ),
            (
                "有效至 Valid until".into(),
                request.expires_at.map(t).unwrap_or_default(),
            ),
            (
                "复制编号 Export".into(),
                format!("#{} {}", export.id, t(export.created_at)),
            ),
            ("提供人 Provided by".into(), provider),
        ],
        paragraphs: vec![],
        new_page: false,
    });
    for f in &files {
        let officer = users::get(&mut tx, UserId(f.officer_id))
            .await?
            .map(|u| format!("{} {}", u.full_name, u.badge_number.unwrap_or_default()))
            .unwrap_or_default();
        let recorder = match f.recorder_id {
            Some(r) => recorders::get(&mut tx, r).await?,
            None => None,
        };
        let unit = units::get(&mut tx, UnitId(f.unit_id)).await?;
        let seconds = (f.ended_at - f.started_at).num_seconds();
        sections.push(Section {
            heading: format!("录制情况说明 Recording sheet — #{} {}", f.id, f.file_name),
            rows: vec![
                ("执法人员 Officer".into(), officer.clone()),
                // The officer wears the recorder and is the camera operator.
                ("摄录人员 Camera operator".into(), officer),
                ("单位 Unit".into(), unit.map(|u| u.name).unwrap_or_default()),
                ("开始 Start".into(), t(f.started_at)),
                ("结束 End".into(), t(f.ended_at)),
                ("地点 Place".into(), f.place.clone()),
                ("执法活动 Activity".into(), f.activity.clone()),
                ("案件 Case".into(), f.case_ref.clone()),
                (
                    "设备 Device".into(),
                    recorder
                        .map(|r| format!("{} {} {}", r.number, r.brand, r.model))
                        .unwrap_or_default(),
                ),
                ("格式 Format".into(), f.mime.clone()),
                (
                    "时长 Length".into(),
                    format!(
                        "{}:{:02}:{:02} · {} bytes",
                        seconds / 3600,
                        seconds / 60 % 60,
                        seconds % 60,
                        f.length
                    ),
                ),
                ("SHA-256".into(), f.sha256.clone()),
                ("入库 Stored".into(), t(f.stored_at)),
            ],
            paragraphs: vec!["签名 Signature: ____________________    盖章 Seal:".into()],
            new_page: false,
        });
    }
    sections.push(Section {
        heading: "文件清单 Manifest (SHA-256)".into(),
        rows: files.iter().map(|f| (format!("#{} {}", f.id, f.file_name), f.sha256.clone())).collect(),
        paragraphs: vec!["每个文件按原样提供，未作任何修改；可用 sha256sum 核对。Every file is provided unaltered; check it with sha256sum.".into()],
        new_page: true,
    });
    let mut custody = Vec::new();
    for f in &files {
        let filter = audit::AuditFilter {
            object_type: Some("evidence".into()),
            object_id: Some(f.id.to_string()),
            ..audit::AuditFilter::default()
        };
        let entries = audit::list(
            &mut tx,
            &roadwarden_domain::org::UnitPath::from_stored("/".into()),
            true,
            &filter,
            200,
        )
        .await?;
        for e in entries.into_iter().rev() {
            custody.push((
                format!(
                    "#{} {}",
                    f.id,
                    t(DateTime::from_timestamp_micros(e.entry.at_micros).unwrap_or(now))
                ),
                format!("{} · {}", e.entry.action, e.entry.actor),
            ));
        }
    }
    sections.push(Section {
        heading: "保管链 Chain of custody".into(),
        rows: custody,
        paragraphs: vec![],
        new_page: true,
    });
    drop(tx);
    let watermark = format!(
        "{} ({}) · {} · request #{} · export #{}",
        p.user.full_name,
        p.user.username,
        t(now),
        request.id,
        export.id
    );
    let doc = Document {
        language: roadwarden_letter::Language::ZhCn,
        title: format!("执法记录仪证据复制件 Evidence copy #{}", export.id),
        watermark,
        sections,
    };
    let pdf = tokio::task::spawn_blocking(move || roadwarden_letter::render_document(&doc))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = ctx.store.begin().await?;
    audit_request(
        &mut tx,
        p,
        meta,
        "evidence.export_sheet",
        request.id,
        request.unit_id,
        json!({"export": export.id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(pdf)
}
