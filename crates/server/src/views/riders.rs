//! The e-bike programme's answers (RID-05..11, SEC-08): rider files shown per audience (a
//! phone number and face photos only to the roles that need them), events, tasks, measures,
//! the identity queue, the library import's report and the township's assessment.

use chrono::{DateTime, Utc};
use roadwarden_store::riders::dispositions::RiderDisposition;
use roadwarden_store::riders::events::RiderEvent;
use roadwarden_store::riders::persons::RiderPerson;
use roadwarden_store::riders::tasks::RiderTask;
use serde::Serialize;
use utoipa::ToSchema;

/// What the reader may see of a file beside its name and tier (SEC-08, SEC-10).
#[derive(Debug, Clone, Copy, Default)]
pub struct Audience {
    /// The full ID number and the phone (officers and grid workers, who call and visit).
    pub contact: bool,
    /// Face photos (officers, who confirm identities).
    pub faces: bool,
}

/// A rider's file as a list row or the head of the file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiderView {
    pub id: i64,
    pub unit_id: i64,
    /// The ID number, masked (first 3 and last 2) unless the reader calls or visits riders;
    /// empty while the file is provisional.
    pub id_number: String,
    pub name: String,
    pub village: String,
    pub employer: String,
    /// Only for the roles that need it (SEC-08); absent otherwise.
    pub phone: Option<String>,
    pub party_member: bool,
    /// A cluster of faces no officer has confirmed as a person yet (RID-06).
    pub provisional: bool,
    /// clear, occasional, frequent or incorrigible (RID-08).
    pub tier: String,
    pub tier_since: DateTime<Utc>,
    pub last_education_at: Option<DateTime<Utc>>,
    /// RID-06: this file was merged into that one.
    pub merged_into: Option<i64>,
    pub created_at: DateTime<Utc>,
}

fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 5 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 5))
}

impl RiderView {
    pub fn new(p: RiderPerson, a: Audience) -> Self {
        let id_number = p.id_number.as_deref().unwrap_or_default();
        Self {
            id: p.id.0,
            unit_id: p.unit_id.0,
            id_number: if a.contact {
                id_number.to_owned()
            } else {
                mask(id_number)
            },
            name: p.name,
            village: p.village,
            employer: p.employer,
            phone: a.contact.then_some(p.phone),
            party_member: p.party_member,
            provisional: p.provisional,
            tier: p.tier.as_str().to_owned(),
            tier_since: p.tier_since,
            last_education_at: p.last_education_at,
            merged_into: p.merged_into,
            created_at: p.created_at,
        }
    }
}

/// A page of files, with the count of each tier in the reader's units.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiderList {
    pub items: Vec<RiderView>,
    /// Capped: 10,001 means "more than 10,000".
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// The purpose the read was made for (SEC-08).
    pub purpose: String,
    pub tiers: Vec<TierCount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TierCount {
    pub tier: String,
    pub count: i64,
}

/// An event in a file or the identity queue. Photos are read through their audited routes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiderEventView {
    pub id: i64,
    pub device_id: i64,
    pub person_id: Option<i64>,
    /// no_helmet, wrong_way or red_light (RID-01).
    pub violation: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// matched, unconfirmed, unmatched or held (RID-05).
    pub match_state: String,
    pub match_reason: String,
    pub match_score: Option<f64>,
    /// Whether a face photo is kept and this reader may see it.
    pub face_photo: bool,
    pub scene_photo: bool,
    pub clip: bool,
    pub received_at: DateTime<Utc>,
}

impl RiderEventView {
    pub fn new(e: RiderEvent, a: Audience) -> Self {
        Self {
            id: e.id.0,
            device_id: e.device_id.0,
            person_id: e.person_id,
            violation: e.violation.as_str().to_owned(),
            occurred_at: e.occurred_at,
            place: e.place,
            latitude: e.latitude,
            longitude: e.longitude,
            match_state: e.match_state.as_str().to_owned(),
            match_reason: e.match_reason,
            match_score: e.match_score,
            face_photo: a.faces && e.face_blob.is_some(),
            scene_photo: e.scene_blob.is_some(),
            clip: e.clip_blob.is_some(),
            received_at: e.received_at,
        }
    }
}

/// A task a tier called for (RID-09..11).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiderTaskView {
    pub id: i64,
    pub person_id: i64,
    /// The rider's name (for the board); empty while the file is provisional.
    pub person_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    /// education, public_notice or grid_visit.
    pub kind: String,
    /// employer or village.
    pub addressee: String,
    /// dispatched, accepted, reported or passed.
    pub state: String,
    pub due_at: DateTime<Utc>,
    /// Past its due date and not passed (RID-10 c).
    pub overdue: bool,
    pub accepted_at: Option<DateTime<Utc>>,
    pub result: String,
    /// How many photos the result carries (read at `/api/v1/rider-tasks/{id}/photos/{n}`).
    pub photos: usize,
    pub reported_at: Option<DateTime<Utc>>,
    pub evaluated_at: Option<DateTime<Utc>>,
    pub send_back_reason: String,
    pub passed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl RiderTaskView {
    pub fn new(t: RiderTask, person_name: String, unit_name: String, now: DateTime<Utc>) -> Self {
        Self {
            id: t.id.0,
            person_id: t.person_id.0,
            person_name,
            unit_id: t.unit_id.0,
            unit_name,
            kind: t.kind.as_str().to_owned(),
            addressee: t.addressee.as_str().to_owned(),
            state: t.state.as_str().to_owned(),
            overdue: roadwarden_domain::rider::task::is_overdue(t.state, t.due_at, now),
            due_at: t.due_at,
            accepted_at: t.accepted_at,
            result: t.result,
            photos: t.photos.0.len(),
            reported_at: t.reported_at,
            evaluated_at: t.evaluated_at,
            send_back_reason: t.send_back_reason,
            passed_at: t.passed_at,
            created_at: t.created_at,
        }
    }
}

/// A measure a tier called for (RID-09, RID-10).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DispositionView {
    pub id: i64,
    pub disposition: String,
    pub tier: String,
    /// pending, sent, confirmed or failed.
    pub state: String,
    /// RID-09 reminders: why it is where it is, as a stable code (`no_phone`, `retrying`,
    /// `gateway_failed`, or `no_gateway` / `no_voice_gateway` while its gateway is not
    /// configured); empty otherwise.
    pub reason: String,
    /// Attempts made (reminders and outside requests).
    pub attempts: i32,
    /// The last error or the read-back, as the outside system or gateway gave it.
    pub detail: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// A reminder to be tried again: when.
    pub next_at: Option<DateTime<Utc>>,
}

impl From<RiderDisposition> for DispositionView {
    fn from(d: RiderDisposition) -> Self {
        Self {
            id: d.id,
            disposition: d.disposition.as_str().to_owned(),
            tier: d.tier.as_str().to_owned(),
            state: d.state.as_str().to_owned(),
            next_at: (d.reason == "retrying").then_some(d.next_at).flatten(),
            reason: d.reason,
            attempts: d.attempts,
            detail: d.detail,
            created_at: d.created_at,
            sent_at: d.sent_at,
            confirmed_at: d.confirmed_at,
        }
    }
}

/// Why a file holds its tier (RID-08): the counts in each window at the time of reading.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TierReason {
    pub tier: String,
    /// Confirmed violations in the short window.
    pub short: u32,
    pub short_days: u32,
    /// Confirmed violations in the long window.
    pub long: u32,
    pub long_days: u32,
    /// A violation after education or a fine within the incorrigible window.
    pub incorrigible: bool,
    pub incorrigible_days: u32,
    /// Events of the file still waiting for an officer: they never raise the tier (RID-05).
    pub unconfirmed: i64,
}

/// One line of a file's timeline, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// event, tier, task_dispatched, task_reported, task_passed or measure.
    pub kind: String,
    /// The violation, tier, task kind or measure it concerns.
    pub what: String,
    pub id: i64,
}

/// A rider's file (RID-06), read for a purpose (SEC-08).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiderFile {
    pub person: RiderView,
    pub unit_name: String,
    pub reason: TierReason,
    /// Newest first (at most 200).
    pub events: Vec<RiderEventView>,
    pub events_total: i64,
    pub tasks: Vec<RiderTaskView>,
    pub measures: Vec<DispositionView>,
    /// RID-10, SHR-04: the requests to outside systems about this rider, and the systems off.
    pub outside: super::outside::OutsideOnFile,
    /// SHR-04: what the recognition system screened under this rider's ID number, newest
    /// first (corroboration only: never counted toward the tier).
    pub screened: Vec<crate::services::riders::screened::ScreenedView>,
    pub timeline: Vec<TimelineEntry>,
    pub purpose: String,
}

/// An event waiting for an officer's decision, with the file it probably belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchItem {
    pub event: RiderEventView,
    pub person: Option<RiderView>,
}

/// The queue of uncertain matches (RID-05, RID-06), oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchQueue {
    pub items: Vec<MatchItem>,
    /// Capped: 10,001 means "more than 10,000".
    pub total: i64,
    pub purpose: String,
}

/// The outcome of an identity act (RID-05, RID-06).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActOutcome {
    /// The file the act leaves the event(s) in, if any.
    pub person_id: Option<i64>,
    /// That file's tier after the act (recomputed from confirmed events only).
    pub tier: Option<String>,
    /// The tasks the act's tier rise dispatched.
    pub dispatched: Vec<i64>,
}

/// One bad row of a library import: its line (the header is line 1), the column and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LibraryRowError {
    pub line: usize,
    pub field: String,
    pub reason: String,
    /// For a photo: the reason's code the pages translate (`rider.hold.face.none`,
    /// `rider_library.photo.missing` …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// What a face base library import did (RID-05).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LibraryReport {
    pub file_name: String,
    pub encoding: String,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
    /// Rows naming a photo file.
    pub with_photo: usize,
    /// Photos that passed the quality gates and were enrolled (a photo the person already
    /// has is not enrolled twice). Without a photo archive, none.
    pub enrolled: usize,
    pub errors: Vec<LibraryRowError>,
    /// False when bad rows stopped the import (nothing was written).
    pub committed: bool,
}

/// A village's line in the township's monthly assessment (RID-10 c).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VillageAssessment {
    pub unit_id: i64,
    pub unit_name: String,
    /// Tasks overdue at some time in the month.
    pub overdue_tasks: u32,
    pub deducted: u32,
    pub score: u32,
    /// Open tasks past their due date right now.
    pub overdue_now: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assessment {
    /// YYYY-MM.
    pub month: String,
    pub base_points: u32,
    pub points_per_overdue_task: u32,
    pub villages: Vec<VillageAssessment>,
}
