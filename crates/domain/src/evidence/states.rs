//! The states of the evidence records that have no rule of their own here: why a file is kept
//! (a BWC-06 long-term trigger or a legal hold), an early deletion (BWC-06: two approvers), and
//! an upload in flight (BWC-05). Each is stored as its `as_str()`.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// What a BWC-06 reason to keep a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// A long-term trigger, named by its `reason_code`.
    LongTerm,
    /// A legal hold: kept until released.
    Hold,
}

impl ReasonKind {
    pub const ALL: [ReasonKind; 2] = [ReasonKind::LongTerm, ReasonKind::Hold];

    pub fn as_str(self) -> &'static str {
        match self {
            ReasonKind::LongTerm => "long_term",
            ReasonKind::Hold => "hold",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("kind", "must be long_term or hold"))
    }
}

/// Where an early deletion stands: asked for, approved by two, refused by the purge (the file
/// is no longer general footage), or carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletionState {
    Pending,
    Approved,
    Refused,
    Done,
}

impl DeletionState {
    pub const ALL: [DeletionState; 4] = [
        DeletionState::Pending,
        DeletionState::Approved,
        DeletionState::Refused,
        DeletionState::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeletionState::Pending => "pending",
            DeletionState::Approved => "approved",
            DeletionState::Refused => "refused",
            DeletionState::Done => "done",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("state", "is not an early-deletion state"))
    }
}

/// Where an upload stands: bytes still arriving, turned into footage, or ended without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    Receiving,
    Completed,
    Failed,
}

impl UploadState {
    pub const ALL: [UploadState; 3] = [
        UploadState::Receiving,
        UploadState::Completed,
        UploadState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Receiving => "receiving",
            UploadState::Completed => "completed",
            UploadState::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("state", "is not an upload state"))
    }
}

crate::stored_as_text!(ReasonKind, DeletionState, UploadState);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_reads_back_from_its_text() {
        for k in ReasonKind::ALL {
            assert_eq!(ReasonKind::parse(k.as_str()), Ok(k));
        }
        for s in DeletionState::ALL {
            assert_eq!(DeletionState::parse(s.as_str()), Ok(s));
        }
        for s in UploadState::ALL {
            assert_eq!(UploadState::parse(s.as_str()), Ok(s));
        }
        assert!(UploadState::parse("uploading").is_err());
        assert!(DeletionState::parse("cancelled").is_err());
    }
}
