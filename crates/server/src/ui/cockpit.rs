//! RID-13: the cockpit, a large-screen page for the command centre's wall (1920×1080 and
//! 3840×2160, dark, read across a room), scoped to the viewer's units. The figures are
//! `services::cockpit::snapshot`'s; the page draws them once and `static/cockpit.js` keeps them
//! current from `/cockpit/events`, a server-sent event stream that pushes a fresh snapshot
//! every few seconds.
//!
//! The stream is bounded: one per session (a new one, after a reload, ends the old one at its
//! next tick), it ends when the session does (signed out, revoked, idle timeout) and after an
//! hour at most (the browser reconnects, and is signed in again or not).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use minijinja::{context, Value};
use roadwarden_domain::device::{AlertKind, DeviceState};
use roadwarden_domain::supervision::checklist::ItemState;

use crate::auth::Require;
use crate::error::AppResult;
use crate::i18n::{t, Lang};
use crate::policy::CockpitViewers;
use crate::services::cockpit::{self, Scope, Snapshot};
use crate::services::devices::registry;
use crate::state::AppState;
use crate::ui::views::render;
use crate::ui::{page_context, static_asset};

// The device map's drawing, shared with the device list (a sibling file, read by tests/layers.rs).
#[path = "device_map.rs"]
#[allow(clippy::duplicate_mod)]
mod map;

/// How often the stream sends a snapshot.
pub const EVERY: Duration = Duration::from_secs(10);
/// The longest a stream stays open before the browser must reconnect (and sign in again).
const MAX_STREAM: Duration = Duration::from_secs(3600);

/// The live stream of each session: its generation. A newer stream replaces an older one.
fn streams() -> &'static Mutex<HashMap<i64, u64>> {
    static STREAMS: OnceLock<Mutex<HashMap<i64, u64>>> = OnceLock::new();
    STREAMS.get_or_init(|| Mutex::new(HashMap::new()))
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Removes the session's entry when its stream ends, unless a newer stream took it over.
struct Registration {
    session: i64,
    generation: u64,
}

impl Registration {
    fn open(session: i64) -> Registration {
        let generation = GENERATION.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut m) = streams().lock() {
            m.insert(session, generation);
        }
        Registration {
            session,
            generation,
        }
    }

    fn current(&self) -> bool {
        streams()
            .lock()
            .map(|m| m.get(&self.session) == Some(&self.generation))
            .unwrap_or(false)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut m) = streams().lock() {
            if m.get(&self.session) == Some(&self.generation) {
                m.remove(&self.session);
            }
        }
    }
}

/// The snapshot as the page's script reads it.
fn event_of(s: &Snapshot) -> Event {
    Event::default()
        .event("snapshot")
        .json_data(s)
        .unwrap_or_else(|_| Event::default().event("snapshot").data("{}"))
}

/// `GET /cockpit/events`: a snapshot now, then one every [`EVERY`], while the session lives.
pub async fn events(
    State(state): State<AppState>,
    user: Require<CockpitViewers>,
) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    let scope = Scope::of(&user);
    let principal = user.0;
    let registration = Registration::open(principal.session_id);
    let started = Instant::now();
    let stream = futures::stream::unfold((registration, true), move |(registration, first)| {
        let state = state.clone();
        let scope = scope.clone();
        let principal = principal.clone();
        async move {
            if !first {
                tokio::time::sleep(EVERY).await;
            }
            if !registration.current() || started.elapsed() > MAX_STREAM {
                return None;
            }
            if !cockpit::session_live(&state, &principal)
                .await
                .unwrap_or(false)
            {
                return None;
            }
            // A failed read ends the stream; the browser reconnects after its delay.
            let snapshot = cockpit::shared_snapshot(&state, &scope).await.ok()?;
            Some((Ok(event_of(&snapshot)), (registration, false)))
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn count(list: &[cockpit::Count], name: &str) -> i64 {
    list.iter().filter(|c| c.name == name).map(|c| c.n).sum()
}

/// `GET /cockpit`: the wall page, drawn with the figures of now.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<CockpitViewers>,
) -> AppResult<Response> {
    let s = cockpit::snapshot(&state, &Scope::of(&user)).await?;
    let points = registry::map_points(&state, &user, &Default::default()).await?;
    let devices: Vec<Value> = DeviceState::ALL
        .iter()
        .map(|d| context! { key => format!("devices.{}", d.as_str()), state => d.as_str(), name => t(lang, &format!("state.{}", d.as_str())), n => count(&s.devices, d.as_str()) })
        .collect();
    let checks: Vec<Value> = ItemState::ALL
        .iter()
        .filter(|i| i.is_open())
        .map(|i| context! { key => format!("checks.{}", i.as_str()), name => t(lang, &format!("supervision.state.{}", i.as_str())), n => count(&s.checks, i.as_str()) })
        .chain(std::iter::once(context! { key => "checks.overdue", name => t(lang, "rpt.checks.overdue"), n => count(&s.checks, "overdue"), bad => true }))
        .collect();
    let alerts: Vec<Value> = AlertKind::ALL
        .iter()
        .map(|a| context! { key => format!("alerts.{}", a.as_str()), name => t(lang, &format!("alert.{}", a.as_str())), n => count(&s.alerts, a.as_str()) })
        .collect();
    let ctx = page_context(
        lang,
        Some(&user),
        "/cockpit",
        context! {
            s => Value::from_serialize(&s),
            devices => devices,
            checks => checks,
            alerts => alerts,
            ebikes => s.ebikes.as_ref().map(|list| list.iter().map(|c| context! {
                key => format!("ebikes.{}", c.name),
                name => if c.name == "events_today" || c.name == "to_confirm" {
                    t(lang, &format!("cockpit.ebike.{}", c.name))
                } else {
                    t(lang, &format!("rider_tier.{}", c.name))
                },
                n => c.n,
            }).collect::<Vec<_>>()),
            map => map::map_svg(&points, &state.settings.devices.map_tile_url),
            every => EVERY.as_secs(),
        },
    );
    Ok(render("cockpit.html", ctx)?.into_response())
}

pub async fn css() -> impl IntoResponse {
    static_asset(
        "text/css; charset=utf-8",
        include_str!("../../static/cockpit.css"),
    )
}

pub async fn js() -> impl IntoResponse {
    static_asset(
        "text/javascript; charset=utf-8",
        include_str!("../../static/cockpit.js"),
    )
}
