//! The demo's organisation: a realistic Chinese deployment (Zhejiang → Huzhou → Changxing
//! county with its squads, departments, a township and villages) and a Vietnamese one (Quảng
//! Trị), with an account for every role. Passwords are generated and printed once.

use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::accounts::{self, AgreementInput, CreateUserInput};
use roadwarden_server::services::units::CreateUnitInput;
use roadwarden_server::services::Authority;
use roadwarden_server::AppState;
use roadwarden_store::units::Unit;

use crate::seed;

/// (code, parent code, name, level, kind)
const CN_UNITS: &[(&str, &str, &str, &str, &str)] = &[
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

const VN_UNITS: &[(&str, &str, &str, &str, &str)] = &[
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
const CONTACT_PHONES: &[(&str, &str)] = &[
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

/// One demo account.
struct DemoAccount {
    username: &'static str,
    unit: &'static str,
    full_name: &'static str,
    person_kind: &'static str,
    roles: &'static [&'static str],
    language: &'static str,
}

const fn acct(
    username: &'static str,
    unit: &'static str,
    full_name: &'static str,
    person_kind: &'static str,
    roles: &'static [&'static str],
    language: &'static str,
) -> DemoAccount {
    DemoAccount {
        username,
        unit,
        full_name,
        person_kind,
        roles,
        language,
    }
}

/// Every role of the Chinese province operator, so it can grant each of them below (SEC-03),
/// except collection: collection and review are separate posts (REV-02), so collectors are
/// registered by the operator at setup (`user create`) or granted by a collection-post holder.
const ALL_ROLES: &[&str] = &[
    "admin",
    "device_manager",
    "tech_reviewer",
    "legal_reviewer",
    "opinion_reviewer",
    "reviewer",
    "notice_clerk",
    "objection_handler",
    "supervisor",
    "ebike_officer",
    "grid_worker",
    "recorder_admin",
    "unit_head",
    "auditor",
    "interface_client",
];

const QT_ADMIN_ROLES: &[&str] = &[
    "admin",
    "reviewer",
    "unit_head",
    "auditor",
    "supervisor",
    "notice_clerk",
    "objection_handler",
    "device_manager",
    "interface_client",
];

const ACCOUNTS: &[DemoAccount] = &[
    acct(
        "zj.admin",
        "330000",
        "王建国",
        "police_officer",
        ALL_ROLES,
        "zh-CN",
    ),
    acct(
        "cx.admin",
        "330522",
        "陈立群",
        "police_officer",
        &["admin"],
        "zh-CN",
    ),
    acct(
        "hz.supervisor",
        "330500",
        "沈国平",
        "police_officer",
        &["supervisor"],
        "zh-CN",
    ),
    acct(
        "hz.auditor",
        "330500",
        "钱慧敏",
        "police_officer",
        &["auditor"],
        "zh-CN",
    ),
    acct(
        "cx.head",
        "330522",
        "李振华",
        "police_officer",
        &["unit_head"],
        "zh-CN",
    ),
    acct(
        "cx.reviewer",
        "330522",
        "张伟",
        "police_officer",
        &["reviewer"],
        "zh-CN",
    ),
    acct(
        "cx.clerk",
        "330522",
        "刘芳",
        "staff",
        &["notice_clerk"],
        "zh-CN",
    ),
    acct(
        "cx.objection",
        "330522",
        "赵敏",
        "police_officer",
        &["objection_handler"],
        "zh-CN",
    ),
    acct(
        "cx.ebike",
        "330522",
        "孙浩",
        "police_officer",
        &["ebike_officer"],
        "zh-CN",
    ),
    acct(
        "cx.recorder",
        "330522",
        "周杰",
        "police_officer",
        &["recorder_admin"],
        "zh-CN",
    ),
    acct(
        "cx.recadmin",
        "330522",
        "冯立新",
        "police_officer",
        &["recorder_admin"],
        "zh-CN",
    ),
    acct(
        "cx.head2",
        "330522",
        "韩卫东",
        "police_officer",
        &["unit_head"],
        "zh-CN",
    ),
    acct(
        "zc.device",
        "330522-01",
        "吴磊",
        "police_officer",
        &["device_manager"],
        "zh-CN",
    ),
    acct(
        "cx.device",
        "330522",
        "钱伟",
        "police_officer",
        &["device_manager"],
        "zh-CN",
    ),
    acct(
        "zc.collector",
        "330522-01",
        "郑强",
        "police_officer",
        &["collector"],
        "zh-CN",
    ),
    // BWC-08: the squad's own head decides requests for its officers' footage.
    acct(
        "zc.head",
        "330522-01",
        "沈国平",
        "police_officer",
        &["unit_head"],
        "zh-CN",
    ),
    acct(
        "cx.tech",
        "330522-KJ",
        "何静",
        "staff",
        &["tech_reviewer"],
        "zh-CN",
    ),
    acct(
        "cx.legal",
        "330522-FZ",
        "高洁",
        "police_officer",
        &["legal_reviewer"],
        "zh-CN",
    ),
    acct(
        "cx.opinion",
        "330522-YQ",
        "林晓",
        "staff",
        &["opinion_reviewer"],
        "zh-CN",
    ),
    acct(
        "cd.grid",
        "330522-ZC-CD",
        "马红梅",
        "outside_body",
        &["grid_worker"],
        "zh-CN",
    ),
    acct(
        "cx.station",
        "330522-JC",
        "胡建军",
        "outside_body",
        &["interface_client"],
        "zh-CN",
    ),
    acct(
        "wx.reviewer",
        "330502",
        "罗斌",
        "police_officer",
        &["reviewer"],
        "zh-CN",
    ),
    acct(
        "qt.admin",
        "VN-45",
        "Nguyễn Văn Hùng",
        "police_officer",
        QT_ADMIN_ROLES,
        "vi",
    ),
    acct(
        "qt.supervisor",
        "VN-45-PC08",
        "Trần Thị Lan",
        "police_officer",
        &["supervisor", "auditor"],
        "vi",
    ),
    acct(
        "dh.head",
        "VN-45-DH",
        "Lê Văn Nam",
        "police_officer",
        &["unit_head"],
        "vi",
    ),
    acct(
        "dh.reviewer",
        "VN-45-DH-CSGT",
        "Phạm Minh Tuấn",
        "police_officer",
        &["reviewer"],
        "vi",
    ),
    acct(
        "dh.collector",
        "VN-45-DH-CSGT",
        "Hoàng Văn Đức",
        "police_officer",
        &["collector"],
        "vi",
    ),
    acct(
        "dk.station",
        "VN-45-DK",
        "Võ Thị Mai",
        "outside_body",
        &["interface_client"],
        "vi",
    ),
    // Đông Hà's body-worn recorders: the ledger and the hand-ins (BWC-01, BWC-05).
    acct(
        "dh.recorder",
        "VN-45-DH",
        "Đặng Văn Long",
        "police_officer",
        &["recorder_admin"],
        "vi",
    ),
];

/// An operator account whose agreement is not on file yet (SEC-04), to show the pending state.
const PENDING: (&str, &str, &str) = ("cx.newadmin", "330522", "许文博");

/// A demo account's sign-in, printed once in the banner.
pub struct Login {
    pub role: String,
    pub username: String,
    pub password: String,
    pub unit: String,
}

/// Creates the units of one country, parents first.
async fn create_tree(
    state: &AppState,
    rows: &[(&str, &str, &str, &str, &str)],
    country: &str,
) -> anyhow::Result<Vec<Unit>> {
    let mut made: Vec<Unit> = Vec::new();
    for (code, parent, name, level, kind) in rows {
        let parent_id = made.iter().find(|u| u.code == *parent).map(|u| u.id.0);
        let input = CreateUnitInput {
            parent_id,
            code: (*code).into(),
            name: (*name).into(),
            level: (*level).into(),
            kind: (*kind).into(),
            country: Some(country.into()),
            time_zone: None,
            contact_phone: CONTACT_PHONES
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, phone)| (*phone).to_owned()),
        };
        made.push(seed::unit(state, &input).await?);
    }
    Ok(made)
}

/// The two organisations and their people; returns the logins to print.
pub async fn seed(state: &AppState) -> anyhow::Result<Vec<Login>> {
    let mut all = create_tree(state, CN_UNITS, "CN").await?;
    all.extend(create_tree(state, VN_UNITS, "VN").await?);
    let mut logins = Vec::new();
    for (i, a) in ACCOUNTS.iter().enumerate() {
        logins.push(demo_account(state, &all, i, a).await?);
    }
    pending_admin(state, &all).await?;
    Ok(logins)
}

fn find<'a>(units: &'a [Unit], code: &str) -> anyhow::Result<&'a Unit> {
    units
        .iter()
        .find(|u| u.code == code)
        .ok_or_else(|| anyhow::anyhow!("unit {code}"))
}

/// Demo person `i`, ready to use with a generated password (an administrator with the
/// confidentiality agreement on file).
async fn demo_account(
    state: &AppState,
    units: &[Unit],
    i: usize,
    a: &DemoAccount,
) -> anyhow::Result<Login> {
    let unit = find(units, a.unit)?;
    let password = roadwarden_server::auth::token::generate_password();
    let id_number = if unit.country.code() == "CN" {
        cn_id(i)
    } else {
        vn_id(i)
    };
    let input = CreateUserInput {
        unit_id: unit.id.0,
        username: a.username.into(),
        full_name: a.full_name.into(),
        id_number,
        phone: Some(format!("1390572{:04}", 1000 + i)),
        person_kind: a.person_kind.into(),
        badge_number: (a.person_kind == "police_officer").then(|| format!("{:06}", 330_100 + i)),
        roles: a.roles.iter().map(|r| (*r).to_owned()).collect(),
        password: Some(password.clone()),
        language: Some(a.language.into()),
    };
    let agreement = AgreementInput {
        kind: "confidentiality".into(),
        reference: format!("BM-2026-{:03}", i + 1),
        signed_on: "2026-01-05".into(),
    };
    seed::account(state, &input, &agreement).await?;
    Ok(Login {
        role: match a.roles {
            [only] => (*only).into(),
            [first, ..] if a.roles.len() <= 3 => (*first).into(),
            _ => "admin (many roles)".into(),
        },
        username: a.username.into(),
        password,
        unit: unit.name.clone(),
    })
}

/// An operator whose agreement is not on file yet, with the password change still due: it
/// shows the pending state (SEC-04).
async fn pending_admin(state: &AppState, units: &[Unit]) -> anyhow::Result<()> {
    let (username, unit_code, full_name) = PENDING;
    let unit = find(units, unit_code)?;
    let pending = CreateUserInput {
        unit_id: unit.id.0,
        username: username.into(),
        full_name: full_name.into(),
        id_number: cn_id(90),
        person_kind: "police_officer".into(),
        badge_number: Some("330199".into()),
        roles: vec!["admin".into()],
        ..CreateUserInput::default()
    };
    let meta = RequestMeta::default();
    accounts::create_user(state, Authority::Operator, &meta, &pending, true).await?;
    Ok(())
}

/// A valid-looking Chinese resident identity number for demo person `i` (born in Changxing).
fn cn_id(i: usize) -> String {
    let first17 = format!(
        "330522{}{:02}{:02}{:03}",
        1970 + (i % 30),
        1 + i % 12,
        1 + (i * 7) % 28,
        100 + i
    );
    let check = roadwarden_domain::account::cn_id_check_digit(&first17).expect("17 digits");
    format!("{first17}{check}")
}

/// A Vietnamese citizen identity number (province code 045, Quảng Trị) for demo person `i`.
fn vn_id(i: usize) -> String {
    format!("045{}{:02}{:06}", i % 2, 80 + i % 20, 100_000 + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadwarden_domain::account::IdNumber;
    use roadwarden_domain::org::Country;

    #[test]
    fn demo_identity_numbers_are_valid() {
        for i in 0..100 {
            assert!(
                IdNumber::parse(&cn_id(i), Country::China).is_ok(),
                "{}",
                cn_id(i)
            );
            assert!(
                IdNumber::parse(&vn_id(i), Country::Vietnam).is_ok(),
                "{}",
                vn_id(i)
            );
        }
    }
}
