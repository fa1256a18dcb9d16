//! Sample letters shared by the integration tests and the
//! `sample_letters` example.
#![allow(dead_code)]

use chrono::NaiveDate;
use roadwarden_letter::{Language, Letter};

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub fn zh() -> Letter {
    Letter {
        language: Language::ZhCn,
        reference: "NT-330522-2026-000123".into(),
        issued_on: date(2026, 11, 23),
        owner_name: "张伟".into(),
        owner_address: "浙江省湖州市长兴县雉城街道金陵北路88号3幢2单元501室".into(),
        plate: "浙E12345".into(),
        plate_colour: "蓝色".into(),
        violation: "机动车违反禁令标志指示".into(),
        violation_code: "1344".into(),
        occurred_at: "2026-11-20 08:14".into(),
        place: "长兴县G318国道K123+500米处（往湖州方向）".into(),
        device_number: "330522000000010001".into(),
        fine: "200 元".into(),
        points: Some(3),
        handle_by: date(2026, 12, 23),
        handling_office: "长兴县公安局交通警察大队违法处理窗口".into(),
        office_phone: "0572-6012345".into(),
        objection_url: "https://gab.122.gov.cn/objection".into(),
        issuing_unit: "湖州市公安局交通警察支队长兴大队".into(),
    }
}

pub fn vi() -> Letter {
    Letter {
        language: Language::Vi,
        reference: "NT-010100-2026-000456".into(),
        issued_on: date(2026, 11, 23),
        owner_name: "Nguyễn Văn Hưởng".into(),
        owner_address: "Số 12 ngõ 34 phố Trần Đại Nghĩa, phường Bạch Mai, thành phố Hà Nội".into(),
        plate: "30A-123.45".into(),
        plate_colour: "nền trắng, chữ đen".into(),
        violation: "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông".into(),
        violation_code: "NĐ168-6.9.b".into(),
        occurred_at: "2026-11-20 08:14".into(),
        place: "Nút giao Trần Duy Hưng – Phạm Hùng, quận Cầu Giấy, Hà Nội".into(),
        device_number: "HN-CAM-00127".into(),
        fine: "20.000.000 đồng".into(),
        points: Some(4),
        handle_by: date(2026, 12, 23),
        handling_office: "Phòng Cảnh sát giao thông Công an thành phố Hà Nội, số 86 Lê Thánh Tông"
            .into(),
        office_phone: "069 219 6080".into(),
        objection_url: "https://csgt.vn/phan-anh".into(),
        issuing_unit: "CÔNG AN THÀNH PHỐ HÀ NỘI — PHÒNG CẢNH SÁT GIAO THÔNG".into(),
    }
}

pub fn en() -> Letter {
    Letter {
        language: Language::En,
        reference: "NT-330522-2026-000789".into(),
        issued_on: date(2026, 11, 23),
        owner_name: "John O'Brien (Ningbo Trading Co., Ltd.)".into(),
        owner_address:
            "Room 501, Building 3, 88 Jinling North Road, Changxing County, Huzhou, Zhejiang".into(),
        plate: "浙E12345".into(),
        plate_colour: "blue".into(),
        violation: "Motor vehicle failing to obey a prohibition sign".into(),
        violation_code: "1344".into(),
        occurred_at: "2026-11-20 08:14".into(),
        place: "National Road G318, km 123+500 (towards Huzhou)".into(),
        device_number: "330522000000010001".into(),
        fine: "CNY 200".into(),
        points: None,
        handle_by: date(2026, 12, 23),
        handling_office: "Changxing Traffic Police Brigade, violations window".into(),
        office_phone: "+86 572 601 2345".into(),
        objection_url: "https://gab.122.gov.cn/objection".into(),
        issuing_unit: "Changxing Traffic Police Brigade, Huzhou Public Security Bureau".into(),
    }
}
