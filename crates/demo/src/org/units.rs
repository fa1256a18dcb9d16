//! The demo's unit trees, parents first, and the telephone numbers their letters print.

/// (code, parent code, name, level, kind)
pub(super) const CN_UNITS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "330000",
        "",
        "浙江省公安厅交通警察总队",
        "province",
        "police",
    ),
    (
        "330500",
        "330000",
        "湖州市公安局交通警察支队",
        "city",
        "police",
    ),
    (
        "330522",
        "330500",
        "长兴县公安局交通警察大队",
        "county",
        "police",
    ),
    ("330522-01", "330522", "雉城中队", "squad", "police"),
    ("330522-02", "330522", "泗安中队", "squad", "police"),
    ("330522-03", "330522", "和平中队", "squad", "police"),
    (
        "330522-FZ",
        "330522",
        "长兴县公安局法制大队",
        "county",
        "legal_department",
    ),
    (
        "330522-KJ",
        "330522",
        "长兴县公安局科技信息化大队",
        "county",
        "technology_department",
    ),
    (
        "330522-YQ",
        "330522",
        "长兴县公安局舆情中心",
        "county",
        "public_opinion_centre",
    ),
    (
        "330522-JC",
        "330522",
        "长兴县机动车检测站",
        "county",
        "inspection_station",
    ),
    ("330522-ZC", "330522", "雉城街道", "squad", "township"),
    ("330522-ZC-CD", "330522-ZC", "城东社区", "squad", "village"),
    ("330522-ZC-CX", "330522-ZC", "城西社区", "squad", "village"),
    (
        "330502",
        "330500",
        "湖州市公安局交通警察支队吴兴大队",
        "county",
        "police",
    ),
    ("330502-01", "330502", "吴兴一中队", "squad", "police"),
];

pub(super) const VN_UNITS: &[(&str, &str, &str, &str, &str)] = &[
    ("VN-45", "", "Công an tỉnh Quảng Trị", "province", "police"),
    (
        "VN-45-PC08",
        "VN-45",
        "Phòng Cảnh sát giao thông",
        "city",
        "police",
    ),
    (
        "VN-45-SGTVT",
        "VN-45",
        "Sở Giao thông vận tải Quảng Trị",
        "city",
        "transport_department",
    ),
    (
        "VN-45-DH",
        "VN-45",
        "Công an thành phố Đông Hà",
        "county",
        "police",
    ),
    (
        "VN-45-DH-CSGT",
        "VN-45-DH",
        "Đội Cảnh sát giao thông Đông Hà",
        "squad",
        "police",
    ),
    (
        "VN-45-GL",
        "VN-45",
        "Công an huyện Gio Linh",
        "county",
        "police",
    ),
    (
        "VN-45-GL-CSGT",
        "VN-45-GL",
        "Đội Cảnh sát giao thông Gio Linh",
        "squad",
        "police",
    ),
    (
        "VN-45-DK",
        "VN-45-SGTVT",
        "Trung tâm Đăng kiểm 74-01D",
        "county",
        "inspection_station",
    ),
];

/// The numbers owners call about a unit's records, printed on its letters (the units that
/// handle records; fictional numbers in each country's format).
pub(super) const CONTACT_PHONES: &[(&str, &str)] = &[
    ("330000", "0571-87280000"),
    ("330500", "0572-2399122"),
    ("330522", "0572-6022110"),
    ("330522-01", "0572-6021122"),
    ("330522-02", "0572-6561122"),
    ("330522-03", "0572-6681122"),
    ("330502", "0572-2081122"),
    ("330502-01", "0572-2081133"),
    ("VN-45", "0233 3852 113"),
    ("VN-45-PC08", "0233 3852 668"),
    ("VN-45-DH", "0233 3852 400"),
    ("VN-45-DH-CSGT", "0233 3855 246"),
    ("VN-45-GL", "0233 3870 113"),
    ("VN-45-GL-CSGT", "0233 3870 246"),
];
