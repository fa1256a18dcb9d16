//! The two ways the domain says no: a value that does not parse, and a rule that forbids.

use std::fmt;

use crate::codes::Code;

/// Bad input at the edge: which field, and why. The message is safe to show to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// A refused action, naming the rule of `RULES.md` it would break and a stable machine code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation {
    /// The rule id, e.g. `"SEC-03"`.
    pub rule: &'static str,
    /// A stable machine-readable code from the catalogue, e.g. `role.grant_not_held_above`.
    pub code: Code,
    /// A message safe to show to the user.
    pub message: String,
}

impl RuleViolation {
    pub fn new(rule: &'static str, code: Code, message: impl Into<String>) -> Self {
        Self {
            rule,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.rule, self.code, self.message)
    }
}

impl std::error::Error for RuleViolation {}
