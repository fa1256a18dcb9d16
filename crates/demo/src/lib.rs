//! The demo and the capture simulator, out of the operator's binary: `roadwarden demo` seeds a
//! realistic organisation (units, people, devices, captures, body-worn footage) through the same
//! services a real deployment uses, and `roadwarden simulate` pushes generated capture traffic
//! to a running server. The seeding steps are public so the tests and the benchmarks build
//! their worlds the same way (`seed`).

pub mod captures;
pub mod devices;
pub mod evidence;
pub mod org;
pub mod riders;
pub mod scene;
pub mod seed;
pub mod simulate;
pub mod supervision;

use std::path::{Path, PathBuf};

use roadwarden_server::{open_state, Clock, Settings};

use crate::org::Login;

/// A demo data directory ready to serve: seeded now (with the logins to print once) or found
/// from an earlier run.
pub struct Prepared {
    dir: PathBuf,
    /// The owners' page the seeded letters name (`Settings::owners_page_url`).
    letters_url: String,
    seeded: Option<(Vec<Login>, captures::Hint)>,
    /// The face engine the served demo has, or why it has none.
    face: Result<&'static str, &'static str>,
}

impl Prepared {
    /// Prints the logins and where to start; `url` is empty when the demo is not served.
    pub fn print_banner(&self, url: &str) {
        print_banner(url, &self.letters_url, &self.dir, self.seeded.as_ref());
        match self.face {
            Ok(engine) => println!(
                "  Face engine: {engine}. Rider events pushed to an e-bike point now are detected, \
                 quality-checked and matched by the model (the seeded sixty days were matched by \
                 the story)."
            ),
            Err(why) => println!(
                "  No face engine: {why}. New rider events are held for a person to look at; \
                 `bash scripts/demo.sh` builds the demo with it."
            ),
        }
        println!("════════════════════════════════════════════════════════════════════════════");
    }
}

/// Makes (or, with `reset`, remakes) the demo data directory named in `settings` and seeds it
/// when it is new. Adjusts `settings` the way the demo is served.
pub async fn prepare(settings: &mut Settings, reset: bool) -> anyhow::Result<Prepared> {
    // The demo has no SMS gateway: a public report's phone code is written to the log, so the
    // report form can be tried (REV-05). Never so in production (`serve`).
    if settings.notices.sms_gateway_url.is_empty() {
        settings.reports.dev_log_codes = true;
    }
    let dir = settings.data_dir.clone();
    if reset && dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let fresh = !dir.join("roadwarden.sqlite").exists();
    let state = open_state(settings.clone(), Clock::System).await?;
    let seeded = if fresh {
        let logins = org::seed(&state).await?;
        devices::seed(&state, settings).await?;
        let hint = captures::seed(&state).await?;
        evidence::seed(settings).await?;
        riders::seed(&state, settings).await?;
        supervision::seed(&state, settings).await?;
        Some((logins, hint))
    } else {
        None
    };
    state.store.close().await;
    drop(state);
    Ok(Prepared {
        dir,
        letters_url: settings.owners_page_url(),
        seeded,
        face: roadwarden_server::services::riders::identity::engine_outlook(&settings.riders.face),
    })
}

fn print_banner(
    url: &str,
    letters_url: &str,
    dir: &Path,
    seeded: Option<&(Vec<Login>, captures::Hint)>,
) {
    println!();
    println!("══ Roadwarden demo ═════════════════════════════════════════════════════════");
    if url.is_empty() {
        println!("  Seeded {} (not serving: --no-serve).", dir.display());
    } else {
        println!("  Open {url} in a browser. Data: {}", dir.display());
    }
    match seeded {
        Some((logins, hint)) => {
            println!("  Demo logins (passwords are generated and shown only now):");
            println!(
                "  {:<18} {:<15} {:<16} unit",
                "role", "username", "password"
            );
            for l in logins {
                println!(
                    "  {:<18} {:<15} {:<16} {}",
                    l.role, l.username, l.password, l.unit
                );
            }
            let public = if url.is_empty() {
                "/public/violations".to_owned()
            } else {
                format!("{url}/public/violations")
            };
            println!(
                "  Owner's page: {public} (plate {}, last 6 of the VIN {})",
                hint.plate, hint.vin_tail
            );
            println!(
                "  Quảng Trị (Vietnamese, đồng): sign in as qt.admin or dh.reviewer; owner's page \
                 with plate {}, last 6 of the VIN {}",
                hint.vn_plate, hint.vn_vin_tail
            );
            println!(
                "  Letters name {} as the owners' page (notices.public_url; set it to the address \
                 the public reaches)",
                letters_url
            );
            println!(
                "  Report a violation as a citizen: {} (the phone code appears in this log: the \
                 demo has no SMS gateway)",
                public.replace("/public/violations", "/report")
            );
            println!(
                "  Push captures: roadwarden simulate --help (device credentials: a device's page)"
            );
            println!(
                "  E-bike riders: cx.ebike (files, the match queue, tasks, the recognition \
                 system's screened offenders), cd.grid (城东社区's grid worker: a task to take \
                 and report); supervision: hz.supervisor (warnings, acceptance), zc.device \
                 (re-checks and plans), cx.head (complaints)"
            );
            println!(
                "  Body-worn footage: sign in as cx.recadmin (provides copies), zc.head (decides \
                 requests for the squad's footage), cx.head or cx.head2 (the brigade's; a \
                 restricted copy request waits for a second head), dh.recorder (Đông Hà's \
                 recorder and an evening's clips); import more: roadwarden evidence import"
            );
        }
        None => println!(
            "  The demo data already exists; its logins were printed when it was made.\n  \
             Run `roadwarden demo --reset` to start again with new passwords."
        ),
    }
}
