//! Changxing's face base library as the demo imports it: residents of 城东社区 and 城西社区
//! (雉城街道) with their ID numbers, employers and party membership. Fictional people; the ID
//! numbers are made with the GB 11643 check character so they pass the import's check.

/// A resident: (key, name, village unit code, village, employer, party member, phone, born).
pub(super) type Resident = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
    &'static str,
);

pub(super) const CD: &str = "330522-ZC-CD";
pub(super) const CX: &str = "330522-ZC-CX";

pub(super) const RESIDENTS: &[Resident] = &[
    (
        "wang",
        "王建明",
        CD,
        "城东社区",
        "长兴县城东物流有限公司",
        false,
        "13905721101",
        "19860412",
    ),
    (
        "li",
        "李秀英",
        CD,
        "城东社区",
        "",
        true,
        "13905721102",
        "19790903",
    ),
    (
        "zhang",
        "张伟民",
        CD,
        "城东社区",
        "长兴县雉城第二小学",
        false,
        "13905721103",
        "19920117",
    ),
    (
        "chen",
        "陈芳",
        CX,
        "城西社区",
        "",
        false,
        "13905721104",
        "19980521",
    ),
    (
        "liu",
        "刘洋",
        CD,
        "城东社区",
        "",
        false,
        "13905721105",
        "20010730",
    ),
    (
        "zhao",
        "赵磊",
        CX,
        "城西社区",
        "长兴县天能电池配件厂",
        false,
        "13905721106",
        "19880214",
    ),
    (
        "zhou",
        "周强",
        CD,
        "城东社区",
        "长兴县雉城建筑工程有限公司",
        false,
        "13905721107",
        "19750628",
    ),
    (
        "wu",
        "吴婷",
        CX,
        "城西社区",
        "",
        false,
        "13905721108",
        "19951109",
    ),
    (
        "huang",
        "黄海",
        CD,
        "城东社区",
        "",
        false,
        "13905721109",
        "19830305",
    ),
    (
        "sun",
        "孙建国",
        CD,
        "城东社区",
        "长兴县城东物流有限公司",
        true,
        "13905721110",
        "19680822",
    ),
    (
        "qian",
        "钱丽",
        CX,
        "城西社区",
        "",
        true,
        "13905721111",
        "19900416",
    ),
];

/// The 18-character resident ID of someone born on `born` (YYYYMMDD) in 长兴县 (330522), the
/// `seq`-th registered that day, with its check character (GB 11643-1999).
pub(super) fn id_number(born: &str, seq: u32) -> String {
    let body = format!("330522{born}{:03}", seq % 1000);
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// The library sheet (CSV, the import's English headings).
pub(super) fn library_csv() -> String {
    let mut csv =
        String::from("id_number,name,unit_code,village,employer,party_member,phone,photo\n");
    for (i, (_, name, unit, village, employer, party, phone, born)) in RESIDENTS.iter().enumerate()
    {
        let party = if *party { "是" } else { "否" };
        csv.push_str(&format!(
            "{},{name},{unit},{village},{employer},{party},{phone},\n",
            id_number(born, 101 + 2 * i as u32)
        ));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_id_numbers_carry_their_check_character() {
        // 11010519491231002X is the standard's own example.
        let body = "11010519491231002";
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body
            .chars()
            .zip(WEIGHTS)
            .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
            .sum();
        assert_eq!(b"10X98765432"[(sum % 11) as usize], b'X');
        let id = id_number("19860412", 101);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("33052219860412101"));
    }
}
