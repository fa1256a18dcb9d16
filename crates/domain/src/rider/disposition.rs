//! RID-09, RID-10: what follows from a tier (Table 2 of seed 002 §8.3, with the cross-agency
//! measures a-c).

use serde::{Deserialize, Serialize};

use super::tier::RiderTier;
use crate::FieldError;

/// One measure taken against a rider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// RID-09 occasional: a text message.
    SmsReminder,
    /// RID-09 occasional: a voice call.
    VoiceReminder,
    /// RID-09 occasional: the rider studies cases (a passed safety quiz counts, RID-12).
    SelfStudy,
    /// RID-09 frequent: safety education by the employer or the village/community.
    EducationTask,
    /// RID-09 incorrigible: wide public notice by the employer or the village/community.
    PublicNotice,
    /// RID-09/RID-10 b: civility credit points deducted (incorrigible).
    CivilityCreditDeduction,
    /// RID-10 a: party-member pioneer index points deducted (frequent party members).
    PartyIndexDeduction,
    /// RID-10 c: a grid worker visits and educates (high-frequency offenders).
    GridVisitTask,
}

impl Disposition {
    pub const ALL: [Disposition; 8] = [
        Disposition::SmsReminder,
        Disposition::VoiceReminder,
        Disposition::SelfStudy,
        Disposition::EducationTask,
        Disposition::PublicNotice,
        Disposition::CivilityCreditDeduction,
        Disposition::PartyIndexDeduction,
        Disposition::GridVisitTask,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::SmsReminder => "sms_reminder",
            Disposition::VoiceReminder => "voice_reminder",
            Disposition::SelfStudy => "self_study",
            Disposition::EducationTask => "education_task",
            Disposition::PublicNotice => "public_notice",
            Disposition::CivilityCreditDeduction => "civility_credit_deduction",
            Disposition::PartyIndexDeduction => "party_index_deduction",
            Disposition::GridVisitTask => "grid_visit_task",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("disposition", "is not a known disposition (RID-09)"))
    }

    /// The task a person must carry out for this measure, if it is one (RID-11); the others
    /// are messages to the rider or requests to an outside system.
    pub fn task_kind(self) -> Option<TaskKind> {
        match self {
            Disposition::EducationTask => Some(TaskKind::Education),
            Disposition::PublicNotice => Some(TaskKind::PublicNotice),
            Disposition::GridVisitTask => Some(TaskKind::GridVisit),
            _ => None,
        }
    }

    /// A request to an outside system that is read back to confirm it (RID-10 a, b).
    pub fn is_cross_agency(self) -> bool {
        matches!(
            self,
            Disposition::CivilityCreditDeduction | Disposition::PartyIndexDeduction
        )
    }
}

crate::stored_as_text!(Disposition);

/// The kinds of task a disposition creates (RID-11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Education,
    PublicNotice,
    GridVisit,
}

impl TaskKind {
    pub const ALL: [TaskKind; 3] = [
        TaskKind::Education,
        TaskKind::PublicNotice,
        TaskKind::GridVisit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Education => "education",
            TaskKind::PublicNotice => "public_notice",
            TaskKind::GridVisit => "grid_visit",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new("kind", "must be education, public_notice or grid_visit")
            })
    }
}

crate::stored_as_text!(TaskKind);

/// Who carries out an education or a public notice: the rider's employer when they have one,
/// else their village or community (RID-09 "所在单位或村社区").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Addressee {
    Employer,
    Village,
}

impl Addressee {
    pub const ALL: [Addressee; 2] = [Addressee::Employer, Addressee::Village];

    pub fn as_str(self) -> &'static str {
        match self {
            Addressee::Employer => "employer",
            Addressee::Village => "village",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("addressee", "must be employer or village"))
    }
}

crate::stored_as_text!(Addressee);

/// RID-10: where one measure stands. A reminder is sent; a request to an outside system
/// (party index, civility credit) is sent and then read back to confirm it was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureState {
    Pending,
    Sent,
    /// Read back from the outside system: the deduction is in place.
    Confirmed,
    /// Gave up after retries; an officer looks at it.
    Failed,
}

impl MeasureState {
    pub const ALL: [MeasureState; 4] = [
        MeasureState::Pending,
        MeasureState::Sent,
        MeasureState::Confirmed,
        MeasureState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureState::Pending => "pending",
            MeasureState::Sent => "sent",
            MeasureState::Confirmed => "confirmed",
            MeasureState::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("state", "must be pending, sent, confirmed or failed"))
    }

    /// Whether the measure is finished: a reminder once sent, an outside request once read
    /// back (RID-10 "the deduction is read back to confirm").
    pub fn is_done(self, disposition: Disposition) -> bool {
        match self {
            MeasureState::Confirmed | MeasureState::Failed => true,
            MeasureState::Sent => !disposition.is_cross_agency(),
            MeasureState::Pending => false,
        }
    }
}

crate::stored_as_text!(MeasureState);

/// What the dispositions need to know about the rider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RiderFacts {
    pub party_member: bool,
    pub has_employer: bool,
}

impl RiderFacts {
    /// RID-09: the employer educates and gives notice when there is one, else the village.
    pub fn addressee(self) -> Addressee {
        if self.has_employer {
            Addressee::Employer
        } else {
            Addressee::Village
        }
    }
}

/// RID-09 Table 2 with the RID-10 measures: every disposition for a rider of this tier.
pub fn dispositions(tier: RiderTier, facts: RiderFacts) -> Vec<Disposition> {
    use Disposition::*;
    match tier {
        RiderTier::Clear => Vec::new(),
        RiderTier::Occasional => vec![SmsReminder, VoiceReminder, SelfStudy],
        RiderTier::Frequent => {
            let mut measures = vec![EducationTask];
            // RID-10 a: only frequent offenders who are party members.
            if facts.party_member {
                measures.push(PartyIndexDeduction);
            }
            // RID-10 c: high-frequency offenders become grid-worker visits.
            measures.push(GridVisitTask);
            measures
        }
        RiderTier::Incorrigible => vec![PublicNotice, CivilityCreditDeduction, GridVisitTask],
    }
}

/// The dispositions a tier change calls for: those of the new tier when it is higher than the
/// old one; none when the tier stays or falls (a falling tier closes nothing by itself).
pub fn dispositions_on_change(
    from: RiderTier,
    to: RiderTier,
    facts: RiderFacts,
) -> Vec<Disposition> {
    if to > from {
        dispositions(to, facts)
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Disposition::*;

    const CITIZEN: RiderFacts = RiderFacts {
        party_member: false,
        has_employer: false,
    };
    const MEMBER: RiderFacts = RiderFacts {
        party_member: true,
        has_employer: true,
    };

    #[test]
    fn rid_09_occasional_riders_get_reminders_and_self_study() {
        assert_eq!(
            dispositions(RiderTier::Occasional, CITIZEN),
            vec![SmsReminder, VoiceReminder, SelfStudy]
        );
        // Party membership changes nothing for occasional riders.
        assert_eq!(
            dispositions(RiderTier::Occasional, MEMBER),
            dispositions(RiderTier::Occasional, CITIZEN)
        );
        assert!(dispositions(RiderTier::Clear, MEMBER).is_empty());
    }

    #[test]
    fn rid_09_frequent_riders_are_educated_by_employer_or_village() {
        assert!(dispositions(RiderTier::Frequent, CITIZEN).contains(&EducationTask));
        assert_eq!(CITIZEN.addressee(), Addressee::Village);
        assert_eq!(MEMBER.addressee(), Addressee::Employer);
        assert_eq!(EducationTask.task_kind(), Some(TaskKind::Education));
    }

    #[test]
    fn rid_09_incorrigible_riders_get_public_notice_and_lose_civility_credit() {
        let d = dispositions(RiderTier::Incorrigible, MEMBER);
        assert_eq!(
            d,
            vec![PublicNotice, CivilityCreditDeduction, GridVisitTask]
        );
        assert!(!d.contains(&PartyIndexDeduction));
        assert!(!d.contains(&SmsReminder));
        assert_eq!(PublicNotice.task_kind(), Some(TaskKind::PublicNotice));
    }

    #[test]
    fn rid_09_only_a_rise_in_tier_calls_for_dispositions() {
        assert_eq!(
            dispositions_on_change(RiderTier::Clear, RiderTier::Frequent, CITIZEN),
            dispositions(RiderTier::Frequent, CITIZEN)
        );
        assert!(
            dispositions_on_change(RiderTier::Frequent, RiderTier::Frequent, CITIZEN).is_empty()
        );
        assert!(
            dispositions_on_change(RiderTier::Frequent, RiderTier::Occasional, CITIZEN).is_empty()
        );
        assert!(
            dispositions_on_change(RiderTier::Incorrigible, RiderTier::Clear, MEMBER).is_empty()
        );
    }

    #[test]
    fn rid_10_party_index_deduction_only_for_frequent_party_members() {
        assert!(dispositions(RiderTier::Frequent, MEMBER).contains(&PartyIndexDeduction));
        assert!(!dispositions(RiderTier::Frequent, CITIZEN).contains(&PartyIndexDeduction));
        for tier in [
            RiderTier::Clear,
            RiderTier::Occasional,
            RiderTier::Incorrigible,
        ] {
            assert!(
                !dispositions(tier, MEMBER).contains(&PartyIndexDeduction),
                "{tier:?}"
            );
        }
        assert!(PartyIndexDeduction.is_cross_agency());
        assert!(CivilityCreditDeduction.is_cross_agency());
        assert!(!SmsReminder.is_cross_agency());
    }

    #[test]
    fn rid_10_grid_workers_visit_frequent_and_incorrigible_riders() {
        for tier in RiderTier::ALL {
            let visits = dispositions(tier, CITIZEN).contains(&GridVisitTask);
            assert_eq!(visits, tier >= RiderTier::Frequent, "{tier:?}");
        }
        assert_eq!(GridVisitTask.task_kind(), Some(TaskKind::GridVisit));
    }

    #[test]
    fn rid_10_outside_requests_are_done_only_once_read_back() {
        assert!(MeasureState::Sent.is_done(SmsReminder));
        assert!(!MeasureState::Sent.is_done(PartyIndexDeduction));
        assert!(!MeasureState::Sent.is_done(CivilityCreditDeduction));
        assert!(MeasureState::Confirmed.is_done(CivilityCreditDeduction));
        assert!(!MeasureState::Pending.is_done(SmsReminder));
        for s in MeasureState::ALL {
            assert_eq!(MeasureState::try_from(s.as_str().to_owned()), Ok(s));
        }
    }

    #[test]
    fn rid_09_dispositions_and_task_kinds_round_trip_as_text() {
        for d in Disposition::ALL {
            assert_eq!(Disposition::try_from(d.as_str().to_owned()), Ok(d));
        }
        for k in TaskKind::ALL {
            assert_eq!(TaskKind::try_from(k.as_str().to_owned()), Ok(k));
        }
        for a in Addressee::ALL {
            assert_eq!(Addressee::try_from(a.as_str().to_owned()), Ok(a));
        }
        assert!(Disposition::parse("fine").is_err());
    }
}
