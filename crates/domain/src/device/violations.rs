//! The violation types a device may enforce (DEV-04 publishes them). The built-in catalogue is
//! an extract of the types non-site enforcement uses most; codes of a type outside it are
//! refused so that a device never claims to enforce something nobody can name.

use serde::Serialize;

use crate::org::Country;
use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ViolationType {
    pub code: &'static str,
    pub country: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub vi: &'static str,
}

const fn vt(
    code: &'static str,
    country: &'static str,
    zh: &'static str,
    en: &'static str,
    vi: &'static str,
) -> ViolationType {
    ViolationType {
        code,
        country,
        zh,
        en,
        vi,
    }
}

pub const CATALOGUE: &[ViolationType] = &[
    vt(
        "1625",
        "CN",
        "驾驶机动车违反道路交通信号灯通行",
        "Running a red light",
        "Vượt đèn đỏ",
    ),
    vt(
        "1208",
        "CN",
        "不按所需行进方向驶入导向车道",
        "Entering a lane against its direction arrow",
        "Đi sai làn đường theo mũi tên chỉ hướng",
    ),
    vt(
        "1344",
        "CN",
        "机动车违反禁令标志指示",
        "Disobeying a prohibition sign",
        "Không chấp hành biển báo cấm",
    ),
    vt(
        "1345",
        "CN",
        "机动车违反禁止标线指示",
        "Disobeying a prohibition marking",
        "Không chấp hành vạch kẻ đường cấm",
    ),
    vt(
        "1301",
        "CN",
        "机动车逆向行驶",
        "Driving against the traffic",
        "Đi ngược chiều",
    ),
    vt(
        "1352",
        "CN",
        "超过规定时速20%以上未达50%",
        "Speeding by 20% to 50%",
        "Chạy quá tốc độ từ 20% đến 50%",
    ),
    vt(
        "1636",
        "CN",
        "超过规定时速未达20%",
        "Speeding by less than 20%",
        "Chạy quá tốc độ dưới 20%",
    ),
    vt(
        "1603",
        "CN",
        "超过规定时速50%以上",
        "Speeding by 50% or more",
        "Chạy quá tốc độ từ 50% trở lên",
    ),
    vt(
        "1039",
        "CN",
        "机动车违反规定停放",
        "Illegal parking",
        "Đỗ xe sai quy định",
    ),
    vt(
        "1357",
        "CN",
        "不按规定让行人",
        "Not yielding to pedestrians",
        "Không nhường đường cho người đi bộ",
    ),
    vt(
        "6011",
        "CN",
        "驾驶时不按规定使用安全带",
        "Not wearing a seat belt",
        "Không thắt dây an toàn",
    ),
    vt(
        "1223",
        "CN",
        "驾驶时拨打接听手持电话",
        "Using a hand-held phone while driving",
        "Dùng điện thoại cầm tay khi lái xe",
    ),
    vt(
        "2001",
        "CN",
        "驾驶电动自行车闯红灯",
        "E-bike running a red light",
        "Xe đạp điện vượt đèn đỏ",
    ),
    vt(
        "2002",
        "CN",
        "驾驶电动自行车逆向行驶",
        "E-bike riding against the traffic",
        "Xe đạp điện đi ngược chiều",
    ),
    vt(
        "2003",
        "CN",
        "驾驶电动自行车未戴安全头盔",
        "E-bike rider without a helmet",
        "Người đi xe đạp điện không đội mũ bảo hiểm",
    ),
    vt(
        "2004",
        "CN",
        "电动自行车驶入机动车道",
        "E-bike in a motor-vehicle lane",
        "Xe đạp điện đi vào làn xe cơ giới",
    ),
    vt(
        "VN01",
        "VN",
        "不遵守交通信号灯",
        "Not obeying traffic lights",
        "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông",
    ),
    vt(
        "VN02",
        "VN",
        "超速行驶",
        "Speeding",
        "Điều khiển xe chạy quá tốc độ quy định",
    ),
    vt(
        "VN03",
        "VN",
        "不按规定车道行驶",
        "Wrong lane or road part",
        "Không đi đúng phần đường, làn đường quy định",
    ),
    vt(
        "VN04",
        "VN",
        "违反规定停车",
        "Stopping or parking illegally",
        "Dừng, đỗ xe không đúng quy định",
    ),
    vt(
        "VN05",
        "VN",
        "未戴头盔",
        "Riding without a helmet",
        "Không đội mũ bảo hiểm",
    ),
    vt(
        "VN06",
        "VN",
        "逆向行驶",
        "Driving against the traffic",
        "Đi ngược chiều",
    ),
];

pub fn lookup(code: &str) -> Option<&'static ViolationType> {
    CATALOGUE.iter().find(|v| v.code == code)
}

/// The catalogue entries of one country.
pub fn of_country(country: Country) -> impl Iterator<Item = &'static ViolationType> {
    CATALOGUE
        .iter()
        .filter(move |v| v.country == country.code())
}

/// Checks a list of codes for a device in `country`: known, of that country, no repeats;
/// an enforcing device names at least one.
pub fn parse_list(
    codes: &[String],
    country: Country,
    enforcing: bool,
) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for raw in codes {
        let code = raw.trim().to_ascii_uppercase();
        if code.is_empty() {
            continue;
        }
        match lookup(&code) {
            Some(v) if v.country == country.code() => {
                if !out.contains(&code) {
                    out.push(code);
                }
            }
            Some(_) => {
                return Err(FieldError::new(
                    "violation_types",
                    format!("{code} is not a violation type of {}", country.code()),
                ))
            }
            None => {
                return Err(FieldError::new(
                    "violation_types",
                    format!("{code} is not a known violation type"),
                ))
            }
        }
    }
    if enforcing && out.is_empty() {
        return Err(FieldError::new(
            "violation_types",
            "an enforcing device names the violation types it may enforce",
        ));
    }
    Ok(out)
}

impl ViolationType {
    pub fn name(&self, lang: &str) -> &'static str {
        match lang {
            "en" => self.en,
            "vi" => self.vi,
            _ => self.zh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_04_published_violation_types_come_from_the_catalogue() {
        let ok = parse_list(
            &["1625".into(), " 1208".into(), "1625".into()],
            Country::China,
            true,
        )
        .unwrap();
        assert_eq!(ok, vec!["1625", "1208"]);
        assert!(parse_list(&["9999".into()], Country::China, true).is_err());
        assert!(parse_list(&["VN01".into()], Country::China, true).is_err());
        assert!(parse_list(&[], Country::China, true).is_err());
        assert!(parse_list(&[], Country::China, false).unwrap().is_empty());
        assert_eq!(
            lookup("VN02").unwrap().name("vi"),
            "Điều khiển xe chạy quá tốc độ quy định"
        );
    }
}
