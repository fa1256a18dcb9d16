//! RID: the e-bike safe-riding programme's rules (seed 002): what a capture point reports, the
//! tiers riders fall into, what each tier calls for, the task loop and the township's monthly
//! assessment of its villages. Pure: no I/O, time is always a parameter.

pub mod assessment;
pub mod disposition;
pub mod matching;
pub mod reminder;
pub mod screened;
pub mod task;
pub mod tier;
pub mod violation;

pub use disposition::{
    dispositions, dispositions_on_change, Addressee, Disposition, MeasureState, RiderFacts,
    TaskKind,
};
pub use matching::MatchState;
pub use reminder::{reminder_language, reminder_text, ReminderKind};
pub use task::{take_step, TaskActor, TaskFacts, TaskResult, TaskState, TaskStep};
pub use tier::{tier_from_history, RiderTier, TierConfig, TierDecision, TierState, WindowCounts};
pub use violation::RiderViolation;
