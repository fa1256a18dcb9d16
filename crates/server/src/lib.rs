//! The Roadwarden server: the JSON API, the web UI, authentication, and the background
//! workers, over the services that hold the use cases. See `ARCHITECTURE.md` for the map.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod context;
pub mod edge;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod metrics;
pub mod policy;
pub mod services;
pub mod state;
pub mod ui;
pub mod views;

pub use app::{build_router, open_state, serve, Running};
pub use clock::Clock;
pub use config::Settings;
pub use state::AppState;
