//! A device alert in the reader's language (issue 14). The alert's `detail` is written once, in
//! English, for the API and the audit trail; a page shows the sentence of the alert's kind from
//! `strings.toml` instead, with the one figure the detail carries (the clock drift in seconds,
//! the date a certificate runs out). Warnings and rectification orders are written by a person:
//! their detail is their text and is shown as it is.

use crate::i18n::{self, Lang};

/// The sentence for an alert of `kind` whose stored detail is `detail`.
pub fn sentence(lang: Lang, kind: &str, detail: &str) -> String {
    if matches!(kind, "warn" | "order_rectification") {
        return detail.to_owned();
    }
    let key = format!("alert_detail.{kind}");
    if !i18n::has_key(lang, &key) {
        return detail.to_owned();
    }
    let text = i18n::t(lang, &key);
    match figure(detail) {
        Some(value) => text.replace("{value}", value),
        None => text.replace("{value}", "").trim().to_owned(),
    }
}

/// The last number or date of the detail: `125` in "device clock off by 125 s", `2027-01-31`
/// in "DEV-13: … expires on 2027-01-31" (a rule id such as `DEV-13:` is neither).
fn figure(detail: &str) -> Option<&str> {
    detail
        .split_whitespace()
        .map(|w| w.trim_end_matches(['.', ',']))
        .rev()
        .find(|w| is_number(w) || is_date(w))
}

fn is_number(w: &str) -> bool {
    w.trim_start_matches(['+', '-']).parse::<f64>().is_ok()
}

fn is_date(w: &str) -> bool {
    chrono::NaiveDate::parse_from_str(w, "%Y-%m-%d").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figure_goes_into_the_readers_sentence() {
        assert_eq!(
            sentence(Lang::ZhCn, "clock_drift", "device clock off by 125 s"),
            "设备时钟偏差 125 秒"
        );
        assert_eq!(
            sentence(
                Lang::Vi,
                "calibration_expiring",
                "DEV-13: the calibration certificate expires on 2027-01-31"
            ),
            "Giấy chứng nhận kiểm định hết hạn ngày 2027-01-31 (DEV-13)"
        );
    }

    #[test]
    fn a_persons_warning_is_shown_as_written() {
        assert_eq!(sentence(Lang::ZhCn, "warn", "抓拍量异常"), "抓拍量异常");
    }

    #[test]
    fn the_rule_sentences_are_translated() {
        let s = sentence(
            Lang::ZhCn,
            "evaluation_due",
            "DEV-06: the effectiveness evaluation is due",
        );
        assert!(!s.contains("evaluation"), "{s}");
    }
}
