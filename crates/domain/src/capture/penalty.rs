//! The tariff: what each violation type of the catalogue costs, and NOT-02e's procedure.
//!
//! Amounts are the common figures (Zhejiang's implementing measures for China; Decree
//! 168/2024/NĐ-CP for Vietnam, upper bound for cars). They are a demonstration tariff: a
//! deployment replaces it with its province's; nothing else depends on the numbers.

use serde::Serialize;

use crate::org::Country;
use crate::FieldError;

/// An amount in the currency's smallest unit: fen for CNY, đồng for VND (no minor unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Currency {
    #[serde(rename = "CNY")]
    Cny,
    #[serde(rename = "VND")]
    Vnd,
}

impl Currency {
    pub const ALL: [Currency; 2] = [Currency::Cny, Currency::Vnd];

    pub fn of(country: Country) -> Self {
        match country {
            Country::China => Currency::Cny,
            Country::Vietnam => Currency::Vnd,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
            Currency::Vnd => "VND",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == raw.trim())
            .ok_or_else(|| FieldError::new("currency", "must be CNY or VND"))
    }

    fn minor_per_major(self) -> i64 {
        match self {
            Currency::Cny => 100,
            Currency::Vnd => 1,
        }
    }
}

impl Money {
    pub fn major(amount: i64, currency: Currency) -> Self {
        Self {
            minor: amount * currency.minor_per_major(),
            currency,
        }
    }

    /// The amount as the reader writes it (issue 14 item 7): `200.00 元`, `CNY 200.00`,
    /// `200,00 CNY`; `1.500.000 ₫` in Vietnamese, `VND 1,500,000` in English,
    /// `1,500,000 越南盾` in Chinese.
    pub fn display(self, lang: &str) -> String {
        use crate::locale::{decimal_mark, grouped};
        match self.currency {
            Currency::Cny => {
                let cents = self.minor.rem_euclid(100);
                let yuan = format!(
                    "{}{}{cents:02}",
                    grouped(self.minor.div_euclid(100), lang),
                    decimal_mark(lang)
                );
                match lang {
                    "zh-CN" => format!("{yuan} 元"),
                    "vi" => format!("{yuan} CNY"),
                    _ => format!("CNY {yuan}"),
                }
            }
            Currency::Vnd => {
                let dong = grouped(self.minor, lang);
                match lang {
                    "vi" => format!("{dong} ₫"),
                    "en" => format!("VND {dong}"),
                    _ => format!("{dong} 越南盾"),
                }
            }
        }
    }
}

/// The fine and licence points for one violation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tariff {
    pub fine: Money,
    pub points: u8,
    /// Licence revocation is possible (forces the general procedure, NOT-02e).
    pub may_revoke: bool,
}

/// The tariff of a catalogue code, or `None` for a code outside the catalogue.
pub fn tariff(code: &str) -> Option<Tariff> {
    let cn = |yuan, points, may_revoke| Tariff {
        fine: Money::major(yuan, Currency::Cny),
        points,
        may_revoke,
    };
    let vn = |dong, points| Tariff {
        fine: Money::major(dong, Currency::Vnd),
        points,
        may_revoke: false,
    };
    Some(match code {
        "1625" => cn(200, 6, false),
        "1208" => cn(100, 2, false),
        "1344" => cn(200, 3, false),
        "1345" => cn(200, 3, false),
        "1301" => cn(200, 3, false),
        "1352" => cn(200, 6, false),
        "1636" => cn(50, 3, false),
        "1603" => cn(1000, 12, true),
        "1039" => cn(150, 0, false),
        "1357" => cn(200, 3, false),
        "6011" => cn(50, 1, false),
        "1223" => cn(50, 3, false),
        "2001" | "2002" | "2004" => cn(20, 0, false),
        "2003" => cn(20, 0, false),
        "VN01" => vn(20_000_000, 4),
        "VN02" => vn(6_000_000, 2),
        "VN03" => vn(4_000_000, 2),
        "VN04" => vn(3_000_000, 0),
        "VN05" => vn(600_000, 0),
        "VN06" => vn(20_000_000, 4),
        _ => return None,
    })
}

/// NOT-02e: fines of 200 yuan or less may use the simple procedure; more, or a possible
/// licence revocation, the general procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    Simple,
    General,
}

impl Procedure {
    pub const ALL: [Procedure; 2] = [Procedure::Simple, Procedure::General];

    pub fn as_str(self) -> &'static str {
        match self {
            Procedure::Simple => "simple",
            Procedure::General => "general",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("procedure", "must be simple or general"))
    }
}

crate::stored_as_text!(Currency, Procedure);

pub fn procedure(t: &Tariff) -> Procedure {
    let limit = Money::major(200, Currency::Cny);
    if t.fine.currency == Currency::Cny && t.fine <= limit && !t.may_revoke {
        Procedure::Simple
    } else {
        Procedure::General
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::violations::CATALOGUE;

    #[test]
    fn every_catalogue_code_has_a_tariff() {
        for v in CATALOGUE {
            let t = tariff(v.code).unwrap_or_else(|| panic!("{} has no tariff", v.code));
            assert_eq!(
                t.fine.currency.code(),
                if v.country == "CN" { "CNY" } else { "VND" }
            );
        }
        assert!(tariff("9999").is_none());
    }

    #[test]
    fn not_02e_simple_up_to_200_yuan_general_above_or_with_revocation() {
        assert_eq!(procedure(&tariff("1625").unwrap()), Procedure::Simple);
        assert_eq!(procedure(&tariff("1603").unwrap()), Procedure::General);
        let t = Tariff {
            fine: Money::major(201, Currency::Cny),
            points: 0,
            may_revoke: false,
        };
        assert_eq!(procedure(&t), Procedure::General);
    }

    #[test]
    fn stored_words_round_trip() {
        for c in Currency::ALL {
            assert_eq!(Currency::try_from(c.code().to_owned()), Ok(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.code());
        }
        for p in Procedure::ALL {
            assert_eq!(Procedure::try_from(p.as_str().to_owned()), Ok(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert!(Currency::parse("USD").is_err());
        assert!(Procedure::parse("summary").is_err());
    }

    #[test]
    fn money_is_shown_in_the_readers_way() {
        assert_eq!(
            Money::major(200, Currency::Cny).display("zh-CN"),
            "200.00 元"
        );
        assert_eq!(
            Money::major(1000, Currency::Cny).display("en"),
            "CNY 1,000.00"
        );
        assert_eq!(
            Money::major(6_000_000, Currency::Vnd).display("vi"),
            "6.000.000 ₫"
        );
        assert_eq!(Money::major(600, Currency::Vnd).display("vi"), "600 ₫");
        assert_eq!(
            Money::major(1_500_000, Currency::Vnd).display("en"),
            "VND 1,500,000"
        );
        assert_eq!(
            Money::major(1_500_000, Currency::Vnd).display("zh-CN"),
            "1,500,000 越南盾"
        );
    }
}
