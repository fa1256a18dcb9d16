//! RID-05, RID-06: where an event stands in identifying its rider.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The outcome of matching an event's face against the gallery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchState {
    /// Identity confirmed (by a match above the threshold on a confirmed person, or by an
    /// officer): the event counts toward the person's tier.
    Matched,
    /// A likely person, waiting for an officer: never raises a tier on its own (RID-06).
    Unconfirmed,
    /// No match: the face joins the clustering of provisional persons.
    Unmatched,
    /// The photo failed a quality gate (no face, several faces, too small, blurred …): held
    /// for a person to look at, never matched. The reason says which gate.
    Held,
}

impl MatchState {
    pub const ALL: [MatchState; 4] = [
        MatchState::Matched,
        MatchState::Unconfirmed,
        MatchState::Unmatched,
        MatchState::Held,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchState::Matched => "matched",
            MatchState::Unconfirmed => "unconfirmed",
            MatchState::Unmatched => "unmatched",
            MatchState::Held => "held",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "match_state",
                    "must be matched, unconfirmed, unmatched or held",
                )
            })
    }

    /// Only a confirmed identity moves a person's tier (RID-06, issue 15 §3).
    pub fn counts_toward_tier(self) -> bool {
        self == MatchState::Matched
    }
}

crate::stored_as_text!(MatchState);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rid_06_only_a_confirmed_match_counts_toward_the_tier() {
        for s in MatchState::ALL {
            assert_eq!(MatchState::try_from(s.as_str().to_owned()), Ok(s));
            assert_eq!(s.counts_toward_tier(), s == MatchState::Matched);
        }
        assert!(MatchState::parse("maybe").is_err());
    }
}
