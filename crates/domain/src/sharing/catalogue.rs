//! STO-02: one catalogue of the data types the platform shares, each field with its kind and
//! format, and SHR-01: one registry of every interface the platform offers over them. Grants,
//! the partner endpoints, the SOAP service and the pages all read these two tables, so a field
//! or an interface exists in one place only.

use serde::Serialize;

use super::application::Dataset;

/// The kind of a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A whole number.
    Integer,
    /// Free text.
    Text,
    /// A word from a closed list (a code).
    Code,
    /// An instant, RFC 3339 in UTC.
    Timestamp,
}

/// One field of a data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DataField {
    pub name: &'static str,
    pub kind: FieldKind,
    /// How values are written, for a partner reading them.
    pub format: &'static str,
    /// Personal data: shared only masked unless the grant says otherwise, and audited.
    pub personal: bool,
}

const fn field(
    name: &'static str,
    kind: FieldKind,
    format: &'static str,
    personal: bool,
) -> DataField {
    DataField {
        name,
        kind,
        format,
        personal,
    }
}

/// The violation record as shared (SHR-02, SHR-03).
pub const VIOLATION_FIELDS: &[DataField] = &[
    field("id", FieldKind::Integer, "record number", false),
    field(
        "unit_code",
        FieldKind::Code,
        "the handling unit's code",
        false,
    ),
    field("country", FieldKind::Code, "CN or VN", false),
    field("plate", FieldKind::Text, "plate number as registered", true),
    field(
        "plate_colour",
        FieldKind::Code,
        "blue, yellow, green, white, black",
        false,
    ),
    field("violation_code", FieldKind::Code, "GA 408.1 code", false),
    field("occurred_at", FieldKind::Timestamp, "RFC 3339, UTC", false),
    field("place", FieldKind::Text, "road and place", false),
    field(
        "fine_minor",
        FieldKind::Integer,
        "fine in minor units (fen, dong)",
        false,
    ),
    field("points", FieldKind::Integer, "penalty points", false),
    field("state", FieldKind::Code, "the record's state", false),
    field(
        "driver_name",
        FieldKind::Text,
        "name of the driver when known",
        true,
    ),
    field(
        "owner_name",
        FieldKind::Text,
        "registered owner's name",
        true,
    ),
    field(
        "owner_phone",
        FieldKind::Text,
        "registered owner's phone",
        true,
    ),
];

/// The device registration record (DEV-07), as the registrations export writes it.
pub const REGISTRATION_FIELDS: &[DataField] = &[
    field("seq", FieldKind::Integer, "sequence number", false),
    field("at", FieldKind::Timestamp, "RFC 3339, UTC", false),
    field("change", FieldKind::Code, "register, change, stop", false),
    field("by", FieldKind::Text, "who made the change", true),
    field("number", FieldKind::Code, "GA/T 1043 device number", false),
    field("kind", FieldKind::Code, "device kind", false),
    field("name", FieldKind::Text, "device name", false),
    field("managing_unit_code", FieldKind::Code, "unit code", false),
    field("road", FieldKind::Text, "road", false),
    field("km_marker", FieldKind::Text, "kilometre marker", false),
    field("longitude", FieldKind::Text, "WGS 84 degrees", false),
    field("latitude", FieldKind::Text, "WGS 84 degrees", false),
    field(
        "violation_types",
        FieldKind::Text,
        "codes joined by ;",
        false,
    ),
    field("state", FieldKind::Code, "device state", false),
];

/// SHR-03: the rider file as shared — exactly name, ID number, place, date, count of
/// violations and village or community. One record per rider; place and date are those of the
/// rider's latest confirmed violation inside the grant's span, the count those in the span.
pub const RIDER_FIELDS: &[DataField] = &[
    field("name", FieldKind::Text, "the rider's name", true),
    field(
        "id_number",
        FieldKind::Text,
        "resident ID number (18)",
        true,
    ),
    field(
        "place",
        FieldKind::Text,
        "place of the latest violation",
        false,
    ),
    field(
        "date",
        FieldKind::Timestamp,
        "time of the latest violation, RFC 3339, UTC",
        false,
    ),
    field(
        "violations",
        FieldKind::Integer,
        "confirmed violations in the span",
        false,
    ),
    field(
        "village",
        FieldKind::Text,
        "village or community (the file's unit when not recorded)",
        false,
    ),
];

/// DAT-01 / SEC-06: what a partner submits through a write interface: a request to correct a
/// fact of a violation, which becomes a data-modification request (never a direct write).
pub const CORRECTION_REQUEST_FIELDS: &[DataField] = &[
    field(
        "violation_id",
        FieldKind::Integer,
        "the record's number",
        false,
    ),
    field(
        "field",
        FieldKind::Code,
        "plate, plate_colour, violation_code, occurred_at or place",
        false,
    ),
    field(
        "value",
        FieldKind::Text,
        "the new value (times RFC 3339)",
        false,
    ),
    field(
        "reason",
        FieldKind::Text,
        "why, 4 to 1000 characters",
        false,
    ),
];

/// SHR-04: what the non-motor-vehicle recognition system sends in, one screened offender per
/// record (checked by `rider::screened::parse`).
pub const SCREENED_OFFENDER_FIELDS: &[DataField] = &[
    field(
        "source_ref",
        FieldKind::Text,
        "the sender's own record reference; sent again, it is the same entry",
        false,
    ),
    field(
        "id_number",
        FieldKind::Text,
        "resident ID number of the person identified",
        true,
    ),
    field("name", FieldKind::Text, "the person's name", true),
    field(
        "violation",
        FieldKind::Code,
        "no_helmet, wrong_way or red_light",
        false,
    ),
    field("occurred_at", FieldKind::Timestamp, "RFC 3339", false),
    field("place", FieldKind::Text, "road and place", false),
    field(
        "point",
        FieldKind::Text,
        "the capture point's number or name",
        false,
    ),
    field(
        "similarity",
        FieldKind::Text,
        "face-match similarity from 0 to 1, optional",
        false,
    ),
];

/// The fields of a data type. `lists` (the lists' and reports' exports) has no fixed columns:
/// each list writes its own headings.
pub fn fields(dataset: Dataset) -> &'static [DataField] {
    match dataset {
        Dataset::Violations => VIOLATION_FIELDS,
        Dataset::DeviceRegistrations => REGISTRATION_FIELDS,
        Dataset::Riders => RIDER_FIELDS,
        Dataset::CorrectionRequests => CORRECTION_REQUEST_FIELDS,
        Dataset::Lists => &[],
        Dataset::ScreenedOffenders => SCREENED_OFFENDER_FIELDS,
    }
}

/// One field by name, if the data type has it.
pub fn find(dataset: Dataset, name: &str) -> Option<&'static DataField> {
    fields(dataset).iter().find(|f| f.name == name)
}

/// A protocol an interface speaks (SHR-01: plain HTTP and WebService).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// JSON over HTTP.
    Http,
    /// SOAP 1.1 / 1.2 (WebService) with a WSDL.
    Soap,
    /// A file download (CSV).
    File,
}

/// What lets a caller use an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// A partner's approved, unexpired grant (SHR-02).
    Grant,
    /// A partner's approved, unexpired grant to submit records (`writeObjectOut`): what it
    /// submits becomes a request the platform's people decide, never a direct write (SEC-06).
    WriteGrant,
    /// An approved export application, used once (SEC-07).
    ExportApplication,
    /// A query application, signed off, run and released with the head's consent (DAT-02/03).
    QueryApplication,
}

/// One interface of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Interface {
    /// The registry key, named by grants.
    pub code: &'static str,
    /// The interface id a SOAP caller sends as `jkid`.
    pub jkid: &'static str,
    pub dataset: Dataset,
    pub protocols: &'static [Protocol],
    /// Where it is served.
    pub path: &'static str,
    pub access: Access,
}

/// SHR-01: every interface the platform offers to the outside, in one place.
pub const INTERFACES: &[Interface] = &[
    Interface {
        code: "violations.query",
        jkid: "04C01",
        dataset: Dataset::Violations,
        protocols: &[Protocol::Http, Protocol::Soap],
        path: "/api/v1/partner/query",
        access: Access::Grant,
    },
    Interface {
        code: "riders.query",
        jkid: "04C02",
        dataset: Dataset::Riders,
        protocols: &[Protocol::Http, Protocol::Soap],
        path: "/api/v1/partner/query",
        access: Access::Grant,
    },
    Interface {
        code: "violations.correction",
        jkid: "04W01",
        dataset: Dataset::CorrectionRequests,
        protocols: &[Protocol::Http, Protocol::Soap],
        path: "/api/v1/partner/write",
        access: Access::WriteGrant,
    },
    Interface {
        code: "riders.screened",
        jkid: "04W02",
        dataset: Dataset::ScreenedOffenders,
        protocols: &[Protocol::Http, Protocol::Soap],
        path: "/api/v1/partner/write",
        access: Access::WriteGrant,
    },
    Interface {
        code: "violations.application",
        jkid: "",
        dataset: Dataset::Violations,
        protocols: &[Protocol::File],
        path: "/api/v1/sharing/applications/{id}/result",
        access: Access::QueryApplication,
    },
    Interface {
        code: "device_registrations.export",
        jkid: "",
        dataset: Dataset::DeviceRegistrations,
        protocols: &[Protocol::Http, Protocol::File],
        path: "/api/v1/device-registrations",
        access: Access::ExportApplication,
    },
    Interface {
        code: "lists.export",
        jkid: "",
        dataset: Dataset::Lists,
        protocols: &[Protocol::File],
        path: "/{list}/export",
        access: Access::ExportApplication,
    },
];

/// An interface by its registry key.
pub fn interface(code: &str) -> Option<&'static Interface> {
    INTERFACES.iter().find(|i| i.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sto_02_every_interface_serves_a_catalogued_data_type_with_unique_fields() {
        for i in INTERFACES {
            let names: Vec<&str> = fields(i.dataset).iter().map(|f| f.name).collect();
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(names.len(), unique.len(), "{}", i.code);
        }
    }

    #[test]
    fn shr_01_the_grant_interface_speaks_http_and_soap() {
        let i = interface("violations.query").unwrap();
        assert!(i.protocols.contains(&Protocol::Http) && i.protocols.contains(&Protocol::Soap));
        assert!(interface("nope").is_none());
    }

    #[test]
    fn shr_03_the_rider_interface_shares_exactly_the_six_fields() {
        let i = interface("riders.query").unwrap();
        let names: Vec<&str> = fields(i.dataset).iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "name",
                "id_number",
                "place",
                "date",
                "violations",
                "village"
            ]
        );
        assert!(i.protocols.contains(&Protocol::Soap) && i.access == Access::Grant);
        let jkids: Vec<&str> = INTERFACES
            .iter()
            .map(|i| i.jkid)
            .filter(|j| !j.is_empty())
            .collect();
        let mut unique = jkids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(jkids.len(), unique.len(), "a jkid names one interface");
    }
}
