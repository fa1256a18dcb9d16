//! DEV-07: the registration records the command platform reads, as stored when each change
//! was made. A leaf: the devices service parses stored records into these, and the views of
//! the devices area build on the services, so this file imports neither.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// DEV-07: one registration record for the command platform (docs/guide.*.md "Registration
/// export"), as stored when the change was made, with its sequence number.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistrationView {
    /// The record's sequence number: the cursor the platform keeps (`after`).
    #[serde(default)]
    pub seq: i64,
    /// registered, import, a state change…
    pub change: String,
    /// When the change was made (RFC 3339).
    pub at: String,
    /// Who made it.
    pub by: String,
    pub device: RegisteredDevice,
    /// What changed: the step's details, or the edited fields with their old and new values;
    /// its keys depend on the change.
    #[schema(schema_with = free_object)]
    pub changed: serde_json::Value,
}

/// A JSON object whose keys depend on the record (documented as such, not opaque).
fn free_object() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .description(Some("keys depend on the change"))
        .build()
}

/// The device as the registration record describes it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisteredDevice {
    pub number: String,
    pub kind: String,
    pub name: String,
    pub managing_unit_code: String,
    pub managing_unit: String,
    pub maintainer: String,
    pub road: String,
    pub road_class: Option<String>,
    pub km_marker: String,
    pub place: String,
    pub nearest_village: String,
    pub direction: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub violation_types: Vec<String>,
    pub state: String,
}
