//! The letter's wording in each language, and date formatting.
//!
//! Every sentence is written here in full so a reviewer fluent in the
//! language can check it in one place. User-supplied values are slotted in
//! by the `format!` calls below; they never change the surrounding wording.

use chrono::{Datelike, NaiveDate};

use crate::{Language, Letter};

/// A paragraph or cell made of fixed wording and already-clipped user values.
pub(crate) type Text = String;

/// Everything the layout needs, already localised.
pub(crate) struct Wording {
    pub issuing_unit: Text,
    pub title: Text,
    pub reference: Text,
    pub date: Text,
    pub addressee: Text,
    pub address: Text,
    pub intro: Text,
    /// (label, value) rows of the facts table.
    pub facts: Vec<(Text, Text)>,
    /// Numbered paragraphs after the table.
    pub paragraphs: Vec<Text>,
    pub signature_unit: Text,
    pub signature_date: Text,
    /// Document title in the PDF metadata.
    pub meta_title: Text,
    /// BCP 47 tag for the PDF catalogue.
    pub lang_tag: &'static str,
}

/// Longest user value (in characters) slotted into a running paragraph.
/// Longer values are shortened with an ellipsis so the page cannot overflow.
const PARA_FIELD_MAX: usize = 120;
/// Longest objection URL kept whole; a longer one is shortened like the rest.
const URL_MAX: usize = 200;

/// Formats a date the way each language writes dates in official letters.
pub(crate) fn format_date(language: Language, date: NaiveDate) -> String {
    let (y, m, d) = (date.year(), date.month(), date.day());
    match language {
        Language::ZhCn => format!("{y}年{m}月{d}日"),
        // Vietnamese administrative style (Nghị định 30/2020): days below 10
        // and the months 1 and 2 take a leading zero.
        Language::Vi => {
            let day = if d < 10 {
                format!("0{d}")
            } else {
                d.to_string()
            };
            let month = if m < 3 {
                format!("0{m}")
            } else {
                m.to_string()
            };
            format!("ngày {day} tháng {month} năm {y}")
        }
        Language::En => {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            let name = MONTHS[(m as usize).saturating_sub(1) % 12];
            format!("{d} {name} {y}")
        }
    }
}

/// Shortens `s` to at most `max` characters, ending it with "…" when cut.
/// Control characters become spaces and surrounding blanks are trimmed.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.chars().count() <= max {
        return trimmed.to_owned();
    }
    let mut out: String = trimmed.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

pub(crate) fn wording(l: &Letter) -> Wording {
    let f = |s: &str| clip(s, PARA_FIELD_MAX);
    let office = f(&l.handling_office);
    let phone = f(&l.office_phone);
    let url = clip(&l.objection_url, URL_MAX);
    let lang = l.language;
    let handle_by = format_date(lang, l.handle_by);
    let issued = format_date(lang, l.issued_on);

    match lang {
        Language::ZhCn => Wording {
            issuing_unit: l.issuing_unit.clone(),
            title: "交通技术监控违法行为通知书".to_owned(),
            reference: format!("编号：{}", l.reference),
            date: format!("日期：{issued}"),
            addressee: format!("{}：", l.owner_name),
            address: format!("地址：{}", l.owner_address),
            intro: "经交通技术监控设备记录，您所有（管理）的机动车有下列道路交通安全违法行为："
                .to_owned(),
            facts: vec![
                (
                    "号牌号码（颜色）".to_owned(),
                    format!("{}（{}）", l.plate, l.plate_colour),
                ),
                ("违法时间".to_owned(), l.occurred_at.clone()),
                ("违法地点".to_owned(), l.place.clone()),
                (
                    "违法行为".to_owned(),
                    format!("{}（代码 {}）", l.violation, l.violation_code),
                ),
                ("采集设备编号".to_owned(), l.device_number.clone()),
                ("罚款金额".to_owned(), l.fine.clone()),
                (
                    "记分".to_owned(),
                    match l.points {
                        Some(p) => format!("{p} 分"),
                        None => "不记分".to_owned(),
                    },
                ),
            ],
            paragraphs: vec![
                format!(
                    "一、请您自本通知书发出之日起30日内，即于{handle_by}前，\
                     到{office}（联系电话：{phone}）接受处理。"
                ),
                "二、因特殊情况不能在上述期限内接受处理的，可以申请延期处理，\
                 延长期限最长不超过三个月。"
                    .to_owned(),
                format!(
                    "三、对违法事实有异议的，可以通过 {url} 在线提出，\
                     也可以到任一公安机关交通管理部门窗口提出；\
                     由违法行为发生地公安机关交通管理部门在五个工作日内审核并作出处理。"
                ),
                "四、对公安机关交通管理部门作出的行政处罚决定不服的，\
                 您有权依法申请行政复议或者提起行政诉讼。"
                    .to_owned(),
                "五、到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，\
                 加处罚款的数额不超过罚款本数。"
                    .to_owned(),
            ],
            signature_unit: l.issuing_unit.clone(),
            signature_date: issued,
            meta_title: format!("交通技术监控违法行为通知书 {}", l.reference),
            lang_tag: "zh-CN",
        },
        Language::Vi => Wording {
            issuing_unit: l.issuing_unit.clone(),
            title: "THÔNG BÁO VI PHẠM HÀNH CHÍNH TRONG LĨNH VỰC GIAO THÔNG ĐƯỜNG BỘ \
                    ĐƯỢC PHÁT HIỆN QUA PHƯƠNG TIỆN, THIẾT BỊ KỸ THUẬT"
                .to_owned(),
            reference: format!("Số: {}", l.reference),
            date: issued.clone(),
            addressee: format!("Kính gửi: {}", l.owner_name),
            address: format!("Địa chỉ: {}", l.owner_address),
            intro: "Qua phương tiện, thiết bị kỹ thuật nghiệp vụ, cơ quan chức năng đã phát hiện \
                    phương tiện thuộc quyền sở hữu của Ông/Bà có hành vi vi phạm hành chính sau:"
                .to_owned(),
            facts: vec![
                (
                    "Biển số (màu biển)".to_owned(),
                    format!("{} ({})", l.plate, l.plate_colour),
                ),
                ("Thời gian vi phạm".to_owned(), l.occurred_at.clone()),
                ("Địa điểm vi phạm".to_owned(), l.place.clone()),
                (
                    "Hành vi vi phạm".to_owned(),
                    format!("{} (mã {})", l.violation, l.violation_code),
                ),
                ("Số hiệu thiết bị".to_owned(), l.device_number.clone()),
                ("Mức phạt tiền".to_owned(), l.fine.clone()),
                (
                    "Điểm bị trừ".to_owned(),
                    match l.points {
                        Some(p) => format!("{p} điểm"),
                        None => "Không trừ điểm".to_owned(),
                    },
                ),
            ],
            paragraphs: vec![
                format!(
                    "1. Đề nghị Ông/Bà đến {office} (điện thoại: {phone}) để giải quyết vụ việc \
                     vi phạm trước {handle_by}, tức là trong thời hạn 30 ngày kể từ ngày \
                     ra Thông báo này."
                ),
                "2. Trường hợp không thể đến giải quyết trong thời hạn trên, Ông/Bà có thể đề nghị \
                 gia hạn; thời gian gia hạn tối đa không quá 03 tháng."
                    .to_owned(),
                format!(
                    "3. Nếu không đồng ý với nội dung vi phạm, Ông/Bà có thể gửi ý kiến trực tuyến \
                     tại {url} hoặc tại bất kỳ bộ phận tiếp công dân nào của lực lượng Cảnh sát \
                     giao thông; cơ quan Công an nơi xảy ra vi phạm xem xét, trả lời trong thời \
                     hạn 05 ngày làm việc."
                ),
                "4. Ông/Bà có quyền khiếu nại hoặc khởi kiện vụ án hành chính đối với quyết định \
                 xử phạt theo quy định của pháp luật."
                    .to_owned(),
                "5. Trong thời gian vụ việc vi phạm chưa được giải quyết xong, phương tiện có thể \
                 bị từ chối kiểm định cho đến khi vi phạm được giải quyết."
                    .to_owned(),
            ],
            signature_unit: l.issuing_unit.clone(),
            signature_date: issued,
            meta_title: format!("Thông báo vi phạm {}", l.reference),
            lang_tag: "vi",
        },
        Language::En => Wording {
            issuing_unit: l.issuing_unit.clone(),
            title: "Notice of a traffic violation recorded by enforcement technology".to_owned(),
            reference: format!("Reference: {}", l.reference),
            date: format!("Date: {issued}"),
            addressee: format!("To: {}", l.owner_name),
            address: format!("Address: {}", l.owner_address),
            intro: "Traffic enforcement equipment has recorded that the motor vehicle registered \
                    to you committed the following traffic violation:"
                .to_owned(),
            facts: vec![
                (
                    "Plate (colour)".to_owned(),
                    format!("{} ({})", l.plate, l.plate_colour),
                ),
                ("Date and time".to_owned(), l.occurred_at.clone()),
                ("Place".to_owned(), l.place.clone()),
                (
                    "Violation".to_owned(),
                    format!("{} (code {})", l.violation, l.violation_code),
                ),
                ("Recording device".to_owned(), l.device_number.clone()),
                ("Fine".to_owned(), l.fine.clone()),
                (
                    "Penalty points".to_owned(),
                    match l.points {
                        Some(p) => p.to_string(),
                        None => "None".to_owned(),
                    },
                ),
            ],
            paragraphs: vec![
                format!(
                    "1. Please deal with this violation at {office} (telephone: {phone}) \
                     by {handle_by}, that is, within 30 days of this notice."
                ),
                "2. If you cannot do so within that period, you may apply for an extension \
                 of up to three months."
                    .to_owned(),
                format!(
                    "3. If you disagree with the recorded facts, you may object online at {url} \
                     or at any traffic police service window. The traffic police office for the \
                     place where the violation occurred will review your objection and decide \
                     within five working days."
                ),
                "4. You keep the right to apply for administrative reconsideration of, or to \
                 bring an administrative lawsuit against, any penalty decision."
                    .to_owned(),
                "5. If a fine is not paid when due, a late penalty of 3% of the fine is added \
                 for each day of delay; the late penalty never exceeds the amount of the fine."
                    .to_owned(),
            ],
            signature_unit: l.issuing_unit.clone(),
            signature_date: issued,
            meta_title: format!("Traffic violation notice {}", l.reference),
            lang_tag: "en",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_per_language() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 23).expect("valid date");
        assert_eq!(format_date(Language::ZhCn, d), "2026年12月23日");
        assert_eq!(format_date(Language::Vi, d), "ngày 23 tháng 12 năm 2026");
        assert_eq!(format_date(Language::En, d), "23 December 2026");
        let d = NaiveDate::from_ymd_opt(2027, 2, 5).expect("valid date");
        assert_eq!(format_date(Language::Vi, d), "ngày 05 tháng 02 năm 2027");
        assert_eq!(format_date(Language::ZhCn, d), "2027年2月5日");
        assert_eq!(format_date(Language::En, d), "5 February 2027");
    }

    #[test]
    fn clip_shortens_with_ellipsis() {
        assert_eq!(clip("  abc  ", 5), "abc");
        assert_eq!(clip("abcdefgh", 5), "abcd…");
        assert_eq!(clip("a\nb", 5), "a b");
    }
}
