//! Black-box tests of the running application over HTTP, on SQLite by default and on
//! PostgreSQL when `ROADWARDEN_TEST_DATABASE_URL` is set. One binary, one module per area.

mod accounts;
mod audit;
mod calendar;
mod captures;
mod deadlines;
mod demo;
mod devices;
mod edges;
mod evidence;
mod jobs;
mod openapi;
mod org;
mod pages;
mod platform;
mod public_reports;
mod reports;
mod riders;
mod riders_intake;
mod sharing;
mod signin;
