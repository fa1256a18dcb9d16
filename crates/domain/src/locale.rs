//! How a date, a time and an amount are written for the reader (issue 14 item 7): Vietnamese
//! writes dd/mm/yyyy and groups thousands with dots, Chinese writes yyyy-mm-dd, English gets a
//! form no reader can misread whichever side of the Atlantic they learnt it (`3 Dec 2026`).
//! Times are 24-hour `HH:MM` everywhere. Pure: the instant, its time zone and the language are
//! arguments; the API keeps its ISO dates, this is for what people read.
//!
//! Languages are given by their codes (`zh-CN`, `en`, `vi`); any other code is written the
//! Chinese (ISO) way.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// A calendar day: `03/12/2026` (vi), `2026-12-03` (zh-CN), `3 Dec 2026` (en).
pub fn date(d: NaiveDate, lang: &str) -> String {
    d.format(date_pattern(lang)).to_string()
}

/// An instant as the wall-clock time in `tz`, to the minute: `03/12/2026 14:05` (vi),
/// `2026-12-03 14:05` (zh-CN), `3 Dec 2026 14:05` (en).
pub fn local_time(t: DateTime<Utc>, tz: Tz, lang: &str) -> String {
    let local = t.with_timezone(&tz);
    format!(
        "{} {}",
        date(local.date_naive(), lang),
        local.format("%H:%M")
    )
}

/// As [`local_time`], to the second (audit entries).
pub fn local_time_seconds(t: DateTime<Utc>, tz: Tz, lang: &str) -> String {
    let local = t.with_timezone(&tz);
    format!(
        "{} {}",
        date(local.date_naive(), lang),
        local.format("%H:%M:%S")
    )
}

fn date_pattern(lang: &str) -> &'static str {
    match lang {
        "vi" => "%d/%m/%Y",
        "en" => "%-d %b %Y",
        _ => "%Y-%m-%d",
    }
}

/// A whole number with its thousands grouped the language's way: `1.500.000` (vi),
/// `1,500,000` (zh-CN, en).
pub fn grouped(n: i64, lang: &str) -> String {
    let sep = if lang == "vi" { "." } else { "," };
    let digits: Vec<char> = n.unsigned_abs().to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|g| g.iter().collect())
        .collect();
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", groups.join(sep))
}

/// The decimal mark of the language: `,` in Vietnamese, `.` otherwise.
pub fn decimal_mark(lang: &str) -> &'static str {
    if lang == "vi" {
        ","
    } else {
        "."
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn instant() -> DateTime<Utc> {
        // 07:05:09 UTC is 14:05:09 in Quảng Trị and 15:05:09 in Changxing.
        Utc.with_ymd_and_hms(2026, 12, 3, 7, 5, 9).unwrap()
    }

    #[test]
    fn dates_are_written_the_readers_way() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(date(d, "vi"), "09/03/2026");
        assert_eq!(date(d, "zh-CN"), "2026-03-09");
        assert_eq!(date(d, "en"), "9 Mar 2026");
        assert_eq!(date(d, "fr"), "2026-03-09");
    }

    #[test]
    fn times_are_local_to_the_unit_and_24_hour() {
        let hcm = chrono_tz::Asia::Ho_Chi_Minh;
        assert_eq!(local_time(instant(), hcm, "vi"), "03/12/2026 14:05");
        assert_eq!(
            local_time(instant(), chrono_tz::Asia::Shanghai, "zh-CN"),
            "2026-12-03 15:05"
        );
        assert_eq!(local_time(instant(), hcm, "en"), "3 Dec 2026 14:05");
        assert_eq!(
            local_time_seconds(instant(), hcm, "vi"),
            "03/12/2026 14:05:09"
        );
    }

    #[test]
    fn thousands_are_grouped_the_readers_way() {
        assert_eq!(grouped(1_500_000, "vi"), "1.500.000");
        assert_eq!(grouped(1_500_000, "en"), "1,500,000");
        assert_eq!(grouped(600, "vi"), "600");
        assert_eq!(grouped(-4_000, "zh-CN"), "-4,000");
        assert_eq!(grouped(0, "vi"), "0");
    }
}
