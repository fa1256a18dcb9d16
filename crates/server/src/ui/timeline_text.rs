//! A violation record's timeline in words: an entry's detail is free text for most steps, and a
//! JSON object for the steps of a data-modification request (DAT-01), whose before and after
//! a person must read as "Place: A → B", not as `{"changes":[…]}`.

use serde_json::Value;

use super::audit_text;
use crate::i18n::{self, Lang};

/// The detail of one timeline entry as a person reads it in `lang`.
pub fn detail(lang: Lang, raw: &str) -> String {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(raw) else {
        return raw.to_owned();
    };
    let mut parts = Vec::new();
    if let Some(changes) = fields.get("changes").and_then(Value::as_array) {
        for c in changes {
            let field = c["field"].as_str().unwrap_or_default();
            let label = i18n::t(lang, &format!("corrections.field.{field}"));
            let before = text(&c["before"]);
            let after = text(&c["after"]);
            parts.push(if before.is_empty() && after.is_empty() {
                label
            } else {
                format!("{label}: {before} → {after}")
            });
        }
    }
    if let Some(asked) = fields.get("fields").and_then(Value::as_array) {
        let names: Vec<String> = asked
            .iter()
            .filter_map(Value::as_str)
            .map(|f| i18n::t(lang, &format!("corrections.field.{f}")))
            .collect();
        parts.push(names.join(", "));
    }
    if let Some(files) = fields.get("attachments").and_then(Value::as_array) {
        if !files.is_empty() {
            parts.push(format!(
                "{}: {}",
                i18n::t(lang, "corrections.files"),
                files.len()
            ));
        }
    }
    if let Some(id) = fields.get("correction").and_then(Value::as_i64) {
        parts.push(format!("{} #{id}", i18n::t(lang, "nav.corrections")));
    }
    let rest: serde_json::Map<String, Value> = fields
        .into_iter()
        .filter(|(k, _)| !["changes", "fields", "attachments", "correction"].contains(&k.as_str()))
        .collect();
    if !rest.is_empty() {
        let raw = Value::Object(rest).to_string();
        for line in audit_text::detail(lang, &raw) {
            parts.push(if line.label.is_empty() {
                line.value
            } else {
                format!("{}: {}", line.label, line.value)
            });
        }
    }
    parts.join(" · ")
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correction_reads_as_before_and_after() {
        let raw = r#"{"changes":[{"field":"place","before":"金陵路口","after":"长兴大道口"}],"correction":7}"#;
        assert_eq!(
            detail(Lang::En, raw),
            "Place: 金陵路口 → 长兴大道口 · Data corrections #7"
                .replace("Data corrections", &i18n::t(Lang::En, "nav.corrections"))
        );
    }

    #[test]
    fn a_request_names_its_fields_and_counts_its_files() {
        let raw =
            r#"{"fields":["place","plate_colour"],"attachments":["ab12","cd34"],"correction":3}"#;
        let text = detail(Lang::En, raw);
        assert!(text.starts_with("Place, "), "{text}");
        assert!(
            !text.contains("plate_colour") && !text.contains("ab12"),
            "{text}"
        );
        assert!(text.contains(": 2"), "{text}");
    }

    #[test]
    fn free_text_stays_as_it_is() {
        assert_eq!(
            detail(Lang::ZhCn, "SMS to 139****1000"),
            "SMS to 139****1000"
        );
        assert_eq!(detail(Lang::ZhCn, "#12"), "#12");
    }
}
