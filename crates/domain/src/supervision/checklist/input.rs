//! SUP-03: what a person writes on the list, validated once at the edge.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::device::{text, SuspensionReason};
use crate::FieldError;

/// A bounded free text: what was done, a progress note, a reason for sending back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        text(field, raw, Self::MAX_CHARS, true).map(Note)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// One of the three questions of the re-check, answered: does it hold, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub holds: bool,
    pub note: String,
}

impl Answer {
    pub const MAX_CHARS: usize = 1000;

    /// The explanation is required either way: "yes" must say why as much as "no".
    pub fn parse(field: &'static str, holds: bool, note: &str) -> Result<Self, FieldError> {
        Ok(Self {
            holds,
            note: text(field, note, Self::MAX_CHARS, true)?,
        })
    }
}

/// SUP-03: the re-check of necessity, rationality and conformity, each answered, and whether
/// it found a SUP-04 ground that suspends the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recheck {
    pub necessity: Answer,
    pub rationality: Answer,
    pub conformity: Answer,
    pub suspend_for: Option<SuspensionReason>,
}

impl Recheck {
    /// The answers as the item's history keeps them: JSON, so the page labels them in the
    /// reader's language.
    pub fn to_json(&self) -> String {
        // Plain strings, booleans and an enum always serialize.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// SUP-03: a rectification plan and its deadline (the last day, in the unit's local dates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    text: String,
    deadline: NaiveDate,
}

impl Plan {
    /// The furthest a deadline may be set.
    pub const MAX_DAYS: u64 = 366;

    /// A deadline before `today` is refused: a plan cannot be late when it is made.
    pub fn parse(raw: &str, deadline: NaiveDate, today: NaiveDate) -> Result<Self, FieldError> {
        let text = text("plan", raw, Note::MAX_CHARS, true)?;
        Ok(Self {
            text,
            deadline: Self::check_deadline(deadline, today)?,
        })
    }

    /// A new deadline alone (sending a submitted plan back with more time).
    pub fn new_deadline(deadline: NaiveDate, today: NaiveDate) -> Result<Self, FieldError> {
        Ok(Self {
            text: String::new(),
            deadline: Self::check_deadline(deadline, today)?,
        })
    }

    fn check_deadline(deadline: NaiveDate, today: NaiveDate) -> Result<NaiveDate, FieldError> {
        if deadline < today {
            return Err(FieldError::new("deadline", "is in the past"));
        }
        if today
            .checked_add_days(Days::new(Self::MAX_DAYS))
            .is_some_and(|max| deadline > max)
        {
            return Err(FieldError::new(
                "deadline",
                format!("is more than {} days away", Self::MAX_DAYS),
            ));
        }
        Ok(deadline)
    }

    pub fn deadline(&self) -> NaiveDate {
        self.deadline
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn into_text(self) -> String {
        self.text
    }
}
