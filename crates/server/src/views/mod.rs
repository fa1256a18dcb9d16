//! What the API answers and the pages show: view structs built from store rows and service
//! results, each with its OpenAPI schema. The store's rows stay behind the services; `api/`
//! and `ui/` name these instead (`tests/layers.rs` checks they never name the store), so a
//! column added to a table does not silently become part of the public contract.

pub mod accounts;
pub mod audit;
pub mod captures;
pub mod corrections;
pub mod devices;
pub mod evidence;
pub mod lists;
pub mod messages;
pub mod org;
pub mod outside;
pub mod registration;
pub mod riders;
pub mod sharing;
