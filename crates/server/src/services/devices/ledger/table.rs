//! Reading a ledger file: XLSX, or CSV in UTF-8 or GBK, into headings and rows of text, and
//! the columns a ledger has.

use std::collections::HashMap;

use super::*;

/// The ledger's columns: the English name, and the Chinese heading a ledger may use instead.
pub const COLUMNS: &[(&str, &str)] = &[
    ("number", "设备编号"),
    ("kind", "设备类型"),
    ("unit_code", "管理单位代码"),
    ("name", "设备名称"),
    ("maintainer", "维护单位"),
    ("leader", "责任领导"),
    ("department", "责任部门"),
    ("violation_types", "违法类型"),
    ("make", "品牌"),
    ("model", "型号"),
    ("serial", "序列号"),
    ("mac", "MAC地址"),
    ("channel", "通道"),
    ("road", "道路"),
    ("road_class", "道路等级"),
    ("km_marker", "公里桩"),
    ("place", "地点"),
    ("nearest_village", "附近村庄"),
    ("direction", "方向"),
    ("longitude", "经度"),
    ("latitude", "纬度"),
    ("state", "状态"),
    ("installed_on", "安装日期"),
    ("in_use_since", "正式启用日期"),
    ("notice_started", "公示开始日期"),
    ("trial_started", "试用开始日期"),
    ("evaluated_on", "效果评估日期"),
    ("last_valid_capture_on", "最近有效抓拍日期"),
    ("registered_on", "备案日期"),
    ("platform_ref", "备案编号"),
    ("calibration_issuer", "检定机构"),
    ("calibration_no", "检定证书编号"),
    ("calibration_valid_from", "检定有效期起"),
    ("calibration_valid_until", "检定有效期止"),
];

pub(super) const REQUIRED: &[&str] = &[
    "number",
    "kind",
    "unit_code",
    "name",
    "maintainer",
    "leader",
    "department",
    "state",
];

/// A decoded table: headings and rows of text cells.
pub struct Table {
    pub encoding: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Reads a ledger file: XLSX by its signature, otherwise CSV in UTF-8 (with or without BOM)
/// or, failing that, GBK/GB18030.
pub fn read_table(bytes: &[u8]) -> Result<Table, RowError> {
    let file_error = |reason: String| RowError {
        line: 0,
        field: "file".into(),
        reason,
    };
    if bytes.starts_with(b"PK\x03\x04") {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes))
            .map_err(|e| file_error(format!("not a readable XLSX workbook: {e}")))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| file_error("the workbook has no sheet".into()))?
            .map_err(|e| file_error(format!("the first sheet cannot be read: {e}")))?;
        let mut rows = range
            .rows()
            .map(|r| r.iter().map(cell_text).collect::<Vec<_>>());
        let header = rows
            .next()
            .ok_or_else(|| file_error("the sheet is empty".into()))?;
        return Ok(Table {
            encoding: "xlsx",
            header,
            rows: rows.collect(),
        });
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(file_error(
            "the file is UTF-16 text: save the ledger as CSV in UTF-8 or GBK, or as XLSX".into(),
        ));
    }
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.trim_start_matches('\u{feff}').to_owned(), "utf-8"),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(file_error(
                    "the file is neither UTF-8 nor GBK text, nor an XLSX workbook".into(),
                ));
            }
            (decoded.into_owned(), "gbk")
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| RowError {
            line: i + 1,
            field: "file".into(),
            reason: format!("not valid CSV: {e}"),
        })?;
        records.push(rec.iter().map(|c| c.trim().to_owned()).collect::<Vec<_>>());
    }
    let mut it = records.into_iter();
    let header = it
        .next()
        .ok_or_else(|| file_error("the file is empty".into()))?;
    Ok(Table {
        encoding,
        header,
        rows: it.collect(),
    })
}

pub(super) fn cell_text(c: &calamine::Data) -> String {
    match c {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        // Excel serial days since 1899-12-30.
        calamine::Data::DateTime(d) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|base| base.checked_add_days(chrono::Days::new(d.as_f64().max(0.0) as u64)))
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        other => other.to_string().trim().to_owned(),
    }
}

/// Column positions by English name.
pub(super) fn column_map(header: &[String]) -> Result<HashMap<&'static str, usize>, RowError> {
    let mut map = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if let Some((en, _)) = COLUMNS
            .iter()
            .find(|(en, zh)| en.eq_ignore_ascii_case(h) || *zh == h)
        {
            map.insert(*en, i);
        }
    }
    for req in REQUIRED {
        if !map.contains_key(req) {
            return Err(RowError {
                line: 1,
                field: (*req).into(),
                reason: "this column is missing from the header".into(),
            });
        }
    }
    Ok(map)
}
