//! Who may do what: every role set of the platform, named once. Handlers state the set they
//! need in their signature (`Require<NoticeClerks>`), the menu and the pages ask the same sets
//! (`p.may::<ViolationReaders>()`), and services check the same sets where a use case is reached
//! by more than one path. What remains inside services is unit scope (ORG-02), which depends
//! on the record, not on the person alone.
//!
//! A role appears by name nowhere else in the HTTP layer: `tests/layers.rs` checks it.

use roadwarden_domain::roles::Role;

/// A set of roles, any of which grants access.
pub trait RoleSet: Send + Sync + 'static {
    const ROLES: &'static [Role];
}

macro_rules! role_sets {
    ($($(#[$doc:meta])* $name:ident = [$($role:ident),+ $(,)?];)+) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl RoleSet for $name {
                const ROLES: &'static [Role] = &[$(Role::$role),+];
            }
        )+
    };
}

role_sets! {
    // The organisation (ORG-*, SEC-*).
    /// System operators: units, accounts, calendars.
    Admins = [Admin];
    /// Who may read the audit trail: discipline / audit, unit heads, operators (SEC-05).
    AuditReaders = [Auditor, UnitHead, Admin];
    /// Who may see the organisation's accounts: operators, unit heads, auditors.
    AccountReaders = [Admin, UnitHead, Auditor];
    /// Interface clients of other systems (the inspection feed, CAP-07).
    InterfaceClients = [InterfaceClient];

    // Devices (DEV-*).
    /// Who proposes and keeps devices (DEV-02, DEV-10, DEV-13, DEV-15).
    DeviceManagers = [DeviceManager];
    /// The three reviewing departments of DEV-03.
    DeviceReviewers = [TechReviewer, LegalReviewer, OpinionReviewer];
    /// Supervisors of upper units (SUP-*).
    Supervisors = [Supervisor];
    /// Who acts on devices: managers, and supervisors of upper units (SUP-04..06, ORG-03).
    DeviceActors = [DeviceManager, Supervisor];

    // Supervision (SUP-01..03, SUP-07, AUD-09).
    /// Who reads the check and rectification list: the managing unit's device managers and
    /// head, supervisors, auditors.
    CheckListReaders = [DeviceManager, Supervisor, UnitHead, Auditor];
    /// Who takes steps on the list: the managing unit re-checks and rectifies, the raising
    /// unit accepts or sends back (the unit is checked in the service).
    CheckListActors = [DeviceManager, Supervisor, UnitHead];
    /// Who registers, checks and answers complaints (AUD-09).
    ComplaintHandlers = [Supervisor, UnitHead, ObjectionHandler];

    // Captures and violations (CAP-*, REV-*, NOT-*, OBJ-*).
    /// Who reviews captures (REV-01).
    Reviewers = [Reviewer];
    /// Who watches reviewers' work and overdue reviews (REV-06).
    ReviewOverseers = [UnitHead, Supervisor, Reviewer];
    /// Who reads violation records and the captures behind them.
    ViolationReaders = [NoticeClerk, Reviewer, ObjectionHandler, UnitHead, Supervisor];
    /// Who sends notices and keeps the vehicle registry (NOT-*).
    NoticeClerks = [NoticeClerk];
    /// Who eliminates a violation record (REV-07).
    Eliminators = [Reviewer, ObjectionHandler];
    /// Who verifies an elimination (REV-07).
    EliminationVerifiers = [Reviewer, ObjectionHandler, NoticeClerk];
    /// Who decides objections (OBJ-*).
    ObjectionHandlers = [ObjectionHandler];
    /// Who reads objections.
    ObjectionReaders = [ObjectionHandler, UnitHead, Supervisor];
    /// Who keeps the exemption list (CAP-05).
    ExemptionKeepers = [Supervisor, UnitHead];

    // Data governance (SEC-06, DAT-01).
    /// Who asks for a correction of a record's facts: the business departments.
    CorrectionRequesters = [NoticeClerk, Reviewer, ObjectionHandler, UnitHead];
    /// Who approves or refuses a correction: the business department's head.
    CorrectionApprovers = [UnitHead];
    /// Who carries out an approved correction: the technology department and system operators.
    CorrectionExecutors = [TechReviewer, Admin];
    /// Who, seated in the technology department, acts on corrections for the bureau the
    /// department belongs to (its parent unit's records), as it reviews devices there (DEV-03).
    CorrectionDepartmentActors = [TechReviewer];
    /// Who reads corrections: those who ask, decide or carry them out, and supervisors.
    CorrectionReaders = [NoticeClerk, Reviewer, ObjectionHandler, UnitHead, Supervisor, TechReviewer, Admin];

    // Recorders and footage (BWC-*).
    /// Who registers, issues and takes back recorders.
    RecorderAdmins = [RecorderAdmin];
    /// Who reads the recorder register and the footage programme's reports.
    RecorderReaders = [RecorderAdmin, UnitHead, Supervisor];
    /// Who uploads footage (BWC-05).
    Uploaders = [RecorderAdmin, Collector];
    /// Who browses the footage library (BWC-09).
    FootageBrowsers = [RecorderAdmin, UnitHead, Supervisor, Collector, Reviewer, ObjectionHandler, Auditor];
    /// Who puts a hold on footage or asks for its early deletion (BWC-07).
    FootageKeepers = [UnitHead, RecorderAdmin];
    /// Who reads every footage request of their units (BWC-09).
    RequestReaders = [UnitHead, RecorderAdmin, Auditor, Supervisor];
    /// Unit heads: decide footage requests, work records, holds and deletions.
    UnitHeads = [UnitHead];
    /// Legal reviewers read the duties' supervision list too (BWC-12).
    LegalReviewers = [LegalReviewer];

    // The e-bike programme (RID-*, SEC-08).
    /// E-bike officers: confirm identities, run the programme, evaluate tasks (RID-05, RID-11).
    RiderOfficers = [EbikeOfficer];
    /// Grid workers of a village or community: take and answer visit tasks (RID-10 c, RID-11).
    GridWorkers = [GridWorker];
    /// Who reads rider files, always with a purpose (SEC-08).
    RiderReaders = [EbikeOfficer, GridWorker, UnitHead, Supervisor];
    /// Who sees a rider's phone number: those who call or visit them (SEC-08, SEC-10).
    RiderPhoneReaders = [EbikeOfficer, GridWorker];
    /// Who sees face photos: the officers who confirm identities (SEC-08, SEC-10).
    RiderFaceReaders = [EbikeOfficer];
    /// Who works the task board: officers evaluate, grid workers answer (RID-11).
    RiderTaskActors = [EbikeOfficer, GridWorker];
    /// Who reads the township's assessment of its villages (RID-10 c).
    RiderAssessors = [EbikeOfficer, UnitHead, Supervisor];

    // Reports and the cockpit (issue 16: DEV-11, SUP-07a, SUP-03, AUD-09, RID-13).
    /// Who reads the monthly supervision reports: they rate units and devices, never officers.
    ReportReaders = [Supervisor, UnitHead, DeviceManager, Auditor];
    /// Who watches the cockpit, the command centre's wall (RID-13).
    CockpitViewers = [Supervisor, UnitHead, Admin];

    // Data sharing (DAT-02, DAT-03, SEC-07, SHR-01, SHR-02).
    /// Who files an outside body's query or statistics application, or an export application.
    SharingApplicants = [NoticeClerk, Reviewer, ObjectionHandler, DeviceManager, Supervisor, UnitHead, TechReviewer];
    /// Who signs off applications and consents to hand results over: the providing unit's head.
    SharingApprovers = [UnitHead];
    /// Who runs an approved query: the technology department and system operators.
    SharingOperators = [TechReviewer, Admin];
    /// Who reads applications: those who file, decide or run them, and auditors.
    SharingReaders = [NoticeClerk, Reviewer, ObjectionHandler, DeviceManager, Supervisor, UnitHead, TechReviewer, Admin, Auditor];
    /// Who registers partners and proposes or approves their grants (two different people).
    PartnerKeepers = [Admin, TechReviewer, UnitHead];
    /// Who reads the interface registry, partners, grants and their usage.
    PartnerReaders = [Admin, TechReviewer, UnitHead, Supervisor, Auditor];
}
