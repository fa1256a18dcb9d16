//! The audit trail in words (issue 14): an entry's action and its details as a person reads
//! them in their language, instead of `session.sign_in` and `{"role":"unit_head"}`.
//!
//! The API keeps the stable codes and the JSON; only pages go through here. A key missing from
//! `strings.toml` falls back to the code itself, which the page walk (`tests/browser/walk`)
//! reports, so a new action or detail field cannot slip onto a page unnoticed.

use serde::Serialize;
use serde_json::Value;

use crate::i18n::{self, Lang};

/// One detail of an entry: its label and its value, both ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetailLine {
    pub label: String,
    pub value: String,
}

/// The action's name in `lang`, e.g. `session.sign_in` → 登录.
/// A device step (`device.suspend`) and a violation record's step (`violation.notified`) read
/// as their timeline entries do.
pub fn action(lang: Lang, action: &str) -> String {
    let timeline = match action.split_once('.') {
        Some(("device", step)) => translated(lang, &format!("event.{step}")),
        Some(("violation", step)) => translated(lang, &format!("vevent.{step}")),
        // SUP-03: a check-list step reads as the item's own history names it.
        Some(("supervision", step)) => translated(lang, &format!("supervision.step.{step}")),
        // AUD-09: a complaint's step reads as its button did.
        Some(("complaint", step)) => translated(lang, &format!("complaint.{step}")),
        _ => None,
    };
    translated(lang, &format!("audit_action.{action}"))
        .or(timeline)
        .unwrap_or_else(|| action.to_owned())
}

/// The entry's details (a JSON object as text) as label/value lines. Text that is not a JSON
/// object is shown as one line without a label.
pub fn detail(lang: Lang, raw: &str) -> Vec<DetailLine> {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(fields)) => fields
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(key, v)| DetailLine {
                label: field_label(lang, key),
                value: value_text(lang, key, v),
            })
            .collect(),
        Ok(Value::Null) => Vec::new(),
        _ if raw.trim().is_empty() || raw.trim() == "{}" => Vec::new(),
        _ => vec![DetailLine {
            label: String::new(),
            value: raw.to_owned(),
        }],
    }
}

fn field_label(lang: Lang, key: &str) -> String {
    translated(lang, &format!("detail.{key}"))
        .or_else(|| translated(lang, &format!("field.{key}")))
        .unwrap_or_else(|| key.replace('_', " "))
}

/// A value as words: roles, states and other codes through their strings; lists joined; a
/// nested object as its own `label: value` pairs.
fn value_text(lang: Lang, key: &str, v: &Value) -> String {
    match v {
        Value::Bool(b) => i18n::t(lang, if *b { "common.yes" } else { "common.no" }),
        Value::String(s) => code_text(lang, key, s),
        Value::Array(items) => items
            .iter()
            .map(|i| value_text(lang, key, i))
            .collect::<Vec<_>>()
            .join(separator(lang)),
        Value::Object(fields) => fields
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{}: {}", field_label(lang, k), value_text(lang, k, v)))
            .collect::<Vec<_>>()
            .join(separator(lang)),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
    }
}

/// Values that are codes: the field names where to look first, then a general table of codes
/// shared by several fields (`detail_value.*`). Anything else is data (a plate, a name) and is
/// shown as it is.
fn code_text(lang: Lang, key: &str, s: &str) -> String {
    if !looks_like_code(s) {
        return s.to_owned();
    }
    let prefixes: &[&str] = match key {
        "role" | "roles" | "granted" | "revoked" | "removed" | "added" => &["role."],
        "state" | "from" | "to" | "from_state" | "to_state" | "resume_to" => &[
            "state.",
            "violation_state.",
            "capture_state.",
            "recorder_state.",
            "supervision.state.",
            "complaint.state.",
            "rider_task_state.",
            "ferry_answer.",
        ],
        "kind" | "task_kind" => &[
            "kind.",
            "device.kind.",
            "ledger_kind.",
            "rider_task_kind.",
            "rpt.kind.",
            "outside_kind.",
        ],
        "system" | "outside_system" => &["outside_system."],
        "violation" => &["rider_violation."],
        "tier" | "from_tier" | "to_tier" => &["rider_tier."],
        "usage" => &["state."],
        "match_state" => &["rider_match."],
        "match_reason" => &["rider.hold."],
        "step" => &["supervision.step.", "complaint."],
        "outcome" => &["complaint.outcome."],
        "person_kind" | "officer_kind" => &["person_kind."],
        "requester" | "requester_kind" => &["requester."],
        "purpose" => &["purpose."],
        "department" => &["department."],
        "channel" => &["channel.", "complaint.channel."],
        "level" => &["level."],
        "status" => &["status."],
        "category" | "retention" => &["retention."],
        "restriction" => &["restriction."],
        "trigger" => &["trigger."],
        "activity" => &["activity."],
        "reason" | "reason_code" | "suspend_for" => {
            &["suspension.", "reject.", "eliminate.", "stop_reason."]
        }
        "action" => &["audit_action."],
        "refusal" => &["refusal."],
        "sort" => &["sort."],
        "dir" => &["dir."],
        // SHR-01, SHR-04: a partner's calls and the screened entries' verdicts.
        "verdict" | "states" => &["screened_state.", "detail_value."],
        "fields" => &["sharing.field."],
        "refused" => &["error.code."],
        _ => &[],
    };
    prefixes
        .iter()
        .find_map(|p| translated(lang, &format!("{p}{s}")))
        .or_else(|| translated(lang, &format!("detail_value.{s}")))
        .unwrap_or_else(|| s.to_owned())
}

/// A lower-case word with underscores or dots and no spaces: `unit_head`, `evidence.read`.
fn looks_like_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

fn separator(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "、",
        Lang::En | Lang::Vi => ", ",
    }
}

fn translated(lang: Lang, key: &str) -> Option<String> {
    i18n::has_key(lang, key).then(|| i18n::t(lang, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_words() {
        assert_eq!(action(Lang::ZhCn, "session.sign_in"), "登录");
        assert_eq!(action(Lang::En, "session.sign_in"), "Signed in");
        assert_eq!(action(Lang::ZhCn, "no.such_action"), "no.such_action");
        assert_eq!(action(Lang::ZhCn, "supervision.fix_on_spot"), "立行立改");
    }

    #[test]
    fn rider_and_check_list_codes_read_as_words() {
        let lines = detail(
            Lang::ZhCn,
            r#"{"violation":"no_helmet","from":"rechecked","to":"fixed_on_spot","match_reason":"face.several"}"#,
        );
        let values: Vec<&str> = lines.iter().map(|l| l.value.as_str()).collect();
        assert!(values.contains(&"未佩戴头盔"), "{values:?}");
        assert!(values.contains(&"已立行立改"), "{values:?}");
        assert!(values.contains(&"照片中有多张人脸"), "{values:?}");
    }

    #[test]
    fn ferry_refusals_read_as_words() {
        assert_eq!(action(Lang::En, "ferry.refused"), "Ferry file refused");
        let lines = detail(
            Lang::Vi,
            r#"{"system":"grassroots","refusal":"ferry.bad_signature","file":"a.json"}"#,
        );
        let values: Vec<&str> = lines.iter().map(|l| l.value.as_str()).collect();
        assert!(values.contains(&"Nền tảng quản trị cơ sở"), "{values:?}");
        assert!(values.iter().any(|v| v.starts_with("Chữ ký")), "{values:?}");
    }

    #[test]
    fn details_read_as_labelled_words() {
        let lines = detail(
            Lang::ZhCn,
            r#"{"role":"unit_head","plate":"浙E12345","must_change_password":true,"n":null}"#,
        );
        let shown: Vec<(&str, &str)> = lines
            .iter()
            .map(|l| (l.label.as_str(), l.value.as_str()))
            .collect();
        assert!(shown.contains(&("角色", "单位负责人")), "{shown:?}");
        assert!(shown.contains(&("号牌", "浙E12345")), "{shown:?}");
        assert!(shown.contains(&("须修改密码", "是")), "{shown:?}");
        assert_eq!(lines.len(), 3, "null fields are left out");
    }

    #[test]
    fn text_that_is_not_an_object_is_one_line() {
        assert!(detail(Lang::En, "{}").is_empty());
        assert_eq!(detail(Lang::En, "moved by hand")[0].value, "moved by hand");
    }
}
