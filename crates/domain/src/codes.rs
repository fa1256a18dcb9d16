//! Every error code the platform answers with, in one catalogue. A refusal names its code
//! from here (`Code::RoleMissing`), the API's error body carries its string (`role.missing`),
//! the OpenAPI document lists them all, and the web UI shows each in the person's language
//! (`error.code.<code>` in the strings file; a test proves none is missing).

use std::fmt;

macro_rules! codes {
    ($($variant:ident = $code:literal,)+) => {
        /// A stable machine-readable error code clients can branch on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant),+
        }

        impl Code {
            /// Every code, in the catalogue's order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code),+
                }
            }
        }
    };
}

codes! {
    AccessBadState = "access.bad_state",
    AccessCopyByRecorderAdmin = "access.copy_by_recorder_admin",
    AccessExpired = "access.expired",
    AccessNoRequest = "access.no_request",
    AccessNotApproved = "access.not_approved",
    AccessNotPending = "access.not_pending",
    AccessNotRevocable = "access.not_revocable",
    AccessNotSuperiorBody = "access.not_superior_body",
    AccessNotUnitHead = "access.not_unit_head",
    AccessRefusalNeedsReason = "access.refusal_needs_reason",
    AccessRefused = "access.refused",
    AccessRevoked = "access.revoked",
    AccessSameApprover = "access.same_approver",
    AccessSelfApproval = "access.self_approval",
    AccessViewOnly = "access.view_only",
    AccountAgreementMissing = "account.agreement_missing",
    AuthBadCredentials = "auth.bad_credentials",
    AuthCsrf = "auth.csrf",
    AuthInactive = "auth.inactive",
    AuthLocked = "auth.locked",
    AuthPasswordChangeRequired = "auth.password_change_required",
    AuthRequired = "auth.required",
    AuthThrottled = "auth.throttled",
    CalendarNotProvinceOperator = "calendar.not_province_operator",
    CaptureSourceNotForDevice = "capture.source_not_for_device",
    CaptureViolationNotPublished = "capture.violation_not_published",
    CleanupAlreadyResolved = "cleanup.already_resolved",
    ComplaintOutOfScope = "complaint.out_of_scope",
    ComplaintStepOutOfOrder = "complaint.step_out_of_order",
    CorrectionFactChanged = "correction.fact_changed",
    CorrectionNotApproved = "correction.not_approved",
    CorrectionNotFact = "correction.not_fact",
    CorrectionNotPending = "correction.not_pending",
    CorrectionOutOfScope = "correction.out_of_scope",
    CorrectionReasonRequired = "correction.reason_required",
    CorrectionSelfApproval = "correction.self_approval",
    CorrectionSelfExecution = "correction.self_execution",
    DeviceAuth = "device.auth",
    DeviceCalibrationInvalid = "device.calibration_invalid",
    DeviceCalibrationStillInvalid = "device.calibration_still_invalid",
    DeviceCircuitBroken = "device.circuit_broken",
    DeviceCoordinatesOutsideCountry = "device.coordinates_outside_country",
    DeviceEvaluationNotDue = "device.evaluation_not_due",
    DeviceFacilitiesNotInOrder = "device.facilities_not_in_order",
    DeviceKmMarkerRequired = "device.km_marker_required",
    DeviceNotRegistered = "device.not_registered",
    DeviceNotUpperUnit = "device.not_upper_unit",
    DeviceNoticeNotProven = "device.notice_not_proven",
    DeviceNoticeRunning = "device.notice_running",
    DeviceNoticeTooShort = "device.notice_too_short",
    DeviceNumberInvalid = "device.number_invalid",
    DeviceNumberReused = "device.number_reused",
    DeviceResponsibilityMissing = "device.responsibility_missing",
    DeviceResponsibilityTooLong = "device.responsibility_too_long",
    DeviceRetired = "device.retired",
    DeviceSiteLocked = "device.site_locked",
    DeviceStillNotRegistered = "device.still_not_registered",
    DeviceTransitionOutOfOrder = "device.transition_out_of_order",
    DeviceTrialNotProven = "device.trial_not_proven",
    DeviceTrialTooShort = "device.trial_too_short",
    DeviceVillageRequired = "device.village_required",
    EvidenceDuplicate = "evidence.duplicate",
    EvidencePurged = "evidence.purged",
    EvidenceWriteOnce = "evidence.write_once",
    ExtensionAlready = "extension.already",
    ExtensionNotLater = "extension.not_later",
    ExtensionNotOpen = "extension.not_open",
    ExtensionTooLong = "extension.too_long",
    FaultAlreadyFixed = "fault.already_fixed",
    HttpError = "http.error",
    InputConflict = "input.conflict",
    InputInvalid = "input.invalid",
    InputTooLarge = "input.too_large",
    Internal = "internal",
    MethodNotAllowed = "method.not_allowed",
    NonRecordingAlreadyDecided = "non_recording.already_decided",
    NonRecordingSelfApproval = "non_recording.self_approval",
    NotFound = "not_found",
    NoticeNoLetter = "notice.no_letter",
    ObjectionAlreadyAnswered = "objection.already_answered",
    ObjectionAlreadyDecided = "objection.already_decided",
    ObjectionAlreadyOpen = "objection.already_open",
    ObjectionCaseClosed = "objection.case_closed",
    ObjectionReplyRequired = "objection.reply_required",
    PublicTooManyAttempts = "public.too_many_attempts",
    RangeNotSatisfiable = "range.not_satisfiable",
    RecorderCannotReportDamage = "recorder.cannot_report_damage",
    RecorderCheckFailed = "recorder.check_failed",
    RecorderNotChecked = "recorder.not_checked",
    RecorderNotDamaged = "recorder.not_damaged",
    RecorderNotInRepair = "recorder.not_in_repair",
    RecorderNotInStore = "recorder.not_in_store",
    RecorderNotIssued = "recorder.not_issued",
    RecorderOutsideRepairForbidden = "recorder.outside_repair_forbidden",
    ReportContactUnproven = "report.contact_unproven",
    ReportNoSmsGateway = "report.no_sms_gateway",
    ReportSmsFailed = "report.sms_failed",
    RetentionEarlyDeletionNotGeneral = "retention.early_deletion_not_general",
    RetentionNotDue = "retention.not_due",
    RetentionNotKept = "retention.not_kept",
    RetentionNotPurged = "retention.not_purged",
    RetentionOnHold = "retention.on_hold",
    RetentionRestoreWindowClosed = "retention.restore_window_closed",
    RetentionSameApprover = "retention.same_approver",
    ReviewAlreadyDecided = "review.already_decided",
    ReviewDeviceNotInService = "review.device_not_in_service",
    ReviewNotAReviewer = "review.not_a_reviewer",
    ReviewNotPlaceOfViolation = "review.not_place_of_violation",
    ReviewOneDepartmentPerPerson = "review.one_department_per_person",
    ReviewOutOfScope = "review.out_of_scope",
    ReviewOwnAssessment = "review.own_assessment",
    ReviewOwnCollection = "review.own_collection",
    ReviewOwnUnit = "review.own_unit",
    ReviewPlateUnidentified = "review.plate_unidentified",
    ReviewReasonRequired = "review.reason_required",
    ReviewRoleMissing = "review.role_missing",
    ReviewSecondByFirst = "review.second_by_first",
    RiderPointNotEbike = "rider.point_not_ebike",
    RiderPointNotInService = "rider.point_not_in_service",
    RiderMatchNotOpen = "rider.match_not_open",
    RiderMergeConfirmedFile = "rider.merge_confirmed_file",
    RiderOutsideNotFailed = "rider.outside_not_failed",
    RiderPurposeRequired = "rider.purpose_required",
    RiderScreenedDecided = "rider.screened_decided",
    RiderTaskNotGridWorker = "rider.task_not_grid_worker",
    RiderTaskNotOfficer = "rider.task_not_officer",
    RiderTaskOutOfOrder = "rider.task_out_of_order",
    RiderTaskReasonRequired = "rider.task_reason_required",
    RiderPublicUnproven = "rider.public_unproven",
    RiderPublicSessionRequired = "rider.public_session_required",
    RiderQuizAnswered = "rider.quiz_answered",
    RoleCollectorReviewerSeparated = "role.collector_reviewer_separated",
    RoleGrantNotHeldAbove = "role.grant_not_held_above",
    RoleMissing = "role.missing",
    RoleNotAllowedInUnitKind = "role.not_allowed_in_unit_kind",
    RoleRequiresPoliceOfficer = "role.requires_police_officer",
    ServerBusy = "server.busy",
    ServerTimeout = "server.timeout",
    SharingBadFilter = "sharing.bad_filter",
    SharingBadPartnerKey = "sharing.bad_partner_key",
    SharingBadValue = "sharing.bad_value",
    SharingBodyRequired = "sharing.body_required",
    SharingExportNeedsApproval = "sharing.export_needs_approval",
    SharingExportUsed = "sharing.export_used",
    SharingFieldMasked = "sharing.field_masked",
    SharingFieldNotGranted = "sharing.field_not_granted",
    SharingGrantExpired = "sharing.grant_expired",
    SharingGrantNotApproved = "sharing.grant_not_approved",
    SharingNotApproved = "sharing.not_approved",
    SharingNotPending = "sharing.not_pending",
    SharingNotRun = "sharing.not_run",
    SharingPurposeRequired = "sharing.purpose_required",
    SharingSelfApproval = "sharing.self_approval",
    SharingSpanInvalid = "sharing.span_invalid",
    SharingTooMany = "sharing.too_many",
    SharingUnknownField = "sharing.unknown_field",
    SharingUnknownInterface = "sharing.unknown_interface",
    SupervisionBreakerNotDue = "supervision.breaker_not_due",
    SupervisionNotManagingUnit = "supervision.not_managing_unit",
    SupervisionNotRaisingUnit = "supervision.not_raising_unit",
    SupervisionOwnFix = "supervision.own_fix",
    SupervisionStepOutOfOrder = "supervision.step_out_of_order",
    UnitCountryDiffersFromParent = "unit.country_differs_from_parent",
    UnitLevelAboveParent = "unit.level_above_parent",
    UploadBusy = "upload.busy",
    UploadComplete = "upload.complete",
    UploadContentType = "upload.content_type",
    UploadEnded = "upload.ended",
    UploadExpired = "upload.expired",
    UploadHashMismatch = "upload.hash_mismatch",
    UploadInterrupted = "upload.interrupted",
    UploadLost = "upload.lost",
    UploadNotMedia = "upload.not_media",
    UploadPastLength = "upload.past_length",
    UploadTooLarge = "upload.too_large",
    UploadTusVersion = "upload.tus_version",
    UploadWrongOffset = "upload.wrong_offset",
    UserConsoleBootstrapOnly = "user.console_bootstrap_only",
    UserConsoleFirstOperatorOnly = "user.console_first_operator_only",
    UserSelfStanding = "user.self_standing",
    VehicleOtherCountry = "vehicle.other_country",
    VehicleOtherUnit = "vehicle.other_unit",
    ViolationAlreadyNotified = "violation.already_notified",
    ViolationChanged = "violation.changed",
    ViolationClosed = "violation.closed",
    ViolationEliminationAlreadyVerified = "violation.elimination_already_verified",
    ViolationNotDecided = "violation.not_decided",
    ViolationStepNotAllowed = "violation.step_not_allowed",
}

impl Code {
    /// The code for a string, if it is in the catalogue.
    pub fn parse(raw: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == raw)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Tests and callers compare a code with its string.
impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(
                c.as_str()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '.' || ch == '_'),
                "{c}"
            );
            assert_eq!(Code::parse(c.as_str()), Some(*c));
        }
    }
}
