//! RID-09, RID-10: the reminders an occasional rider gets (a text message and a voice call),
//! sent through the site's gateways. Pure rules: which measures are reminders, what they say in
//! the rider's language, and when a failed one is tried again or given up. Time is a parameter.

use chrono::{DateTime, Utc};

use super::Disposition;
use crate::org::Country;
use crate::outside::backoff;

/// How a reminder reaches the rider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReminderKind {
    /// A text message through the SMS gateway.
    Sms,
    /// A call through the voice gateway, which reads the text out.
    Voice,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 2] = [ReminderKind::Sms, ReminderKind::Voice];

    /// RID-09: the reminder a measure is, if it is one.
    pub fn of(d: Disposition) -> Option<Self> {
        match d {
            Disposition::SmsReminder => Some(ReminderKind::Sms),
            Disposition::VoiceReminder => Some(ReminderKind::Voice),
            _ => None,
        }
    }

    pub fn disposition(self) -> Disposition {
        match self {
            ReminderKind::Sms => Disposition::SmsReminder,
            ReminderKind::Voice => Disposition::VoiceReminder,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::Sms => "sms",
            ReminderKind::Voice => "voice",
        }
    }
}

/// The language a rider is written to in: the language of their unit's country (the rider's
/// own language is not on file).
pub fn reminder_language(country: Country) -> &'static str {
    match country {
        Country::China => "zh-CN",
        Country::Vietnam => "vi",
    }
}

/// RID-09: what the reminder says. The text message carries the rider services page (RID-12),
/// where the rider studies the cases and takes the safety quiz; a voice call, which cannot
/// carry a link, names the page in words.
pub fn reminder_text(kind: ReminderKind, lang: &str, services_url: &str) -> String {
    match (kind, lang) {
        (ReminderKind::Sms, "vi") => format!(
            "[CSGT] Bạn có vi phạm khi đi xe đạp điện gần đây. Hãy đội mũ bảo hiểm và tuân thủ \
             luật giao thông. Học tình huống và làm bài kiểm tra an toàn tại {services_url}"
        ),
        (ReminderKind::Voice, "vi") => "Đây là cảnh sát giao thông. Bạn có vi phạm khi đi xe \
             đạp điện gần đây. Hãy đội mũ bảo hiểm và tuân thủ luật giao thông. Xem tin nhắn \
             để học tình huống và làm bài kiểm tra an toàn trên trang dịch vụ người đi xe."
            .to_owned(),
        (ReminderKind::Sms, _) => format!(
            "【交警】您近期骑电动自行车有交通违法记录。请佩戴安全头盔、遵守交通规则。\
             请到{services_url}学习安全案例并完成安全测试。"
        ),
        (ReminderKind::Voice, _) => "您好，这里是交警部门。您近期骑电动自行车有交通违法记录。\
             请佩戴安全头盔、遵守交通规则，并按短信提示到骑行服务页面学习安全案例、完成安全测试。"
            .to_owned(),
    }
}

/// After a failed attempt (`attempts` counts it): when to try again, or `None` once
/// `max_attempts` are spent and the reminder is given up.
pub fn retry_at(attempts: i32, max_attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (attempts < max_attempts.max(1)).then(|| now + backoff(attempts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn rid_09_only_the_two_reminders_are_sent_through_a_gateway() {
        for d in Disposition::ALL {
            let kind = ReminderKind::of(d);
            assert_eq!(
                kind.is_some(),
                matches!(d, Disposition::SmsReminder | Disposition::VoiceReminder),
                "{d:?}"
            );
            if let Some(k) = kind {
                assert_eq!(k.disposition(), d);
            }
        }
    }

    #[test]
    fn rid_09_the_text_message_carries_the_rider_services_page_in_the_riders_language() {
        let url = "https://jj.example.cn/public/riders";
        let zh = reminder_text(ReminderKind::Sms, reminder_language(Country::China), url);
        assert!(zh.contains(url) && zh.contains("安全测试"), "{zh}");
        let vi = reminder_text(ReminderKind::Sms, reminder_language(Country::Vietnam), url);
        assert!(vi.contains(url) && vi.contains("mũ bảo hiểm"), "{vi}");
        // A call cannot carry a link.
        let voice = reminder_text(ReminderKind::Voice, "zh-CN", url);
        assert!(!voice.contains("http"), "{voice}");
        // An unknown language falls back to Chinese.
        assert_eq!(reminder_text(ReminderKind::Sms, "en", url), zh);
    }

    #[test]
    fn rid_10_a_failed_reminder_backs_off_and_is_given_up_after_its_attempts() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        assert_eq!(retry_at(1, 5, now), Some(now + Duration::seconds(30)));
        assert_eq!(retry_at(2, 5, now), Some(now + Duration::seconds(60)));
        assert_eq!(retry_at(5, 5, now), None);
        assert_eq!(retry_at(1, 0, now), None);
    }
}
