//! The shared start of every area's test world: the app at a fixed instant on a manual clock,
//! with tokens and passwords that outlive the months a test moves the clock, and the small
//! organisation of [`org`]. Each area's tests add the people they need with [`World::person`]
//! and keep their tokens under the names their rules use (`manager`, `clerk`, `head`…).

use chrono::{DateTime, Utc};
use roadwarden_server::config::Settings;
use roadwarden_server::Clock;

use crate::{account, org, Org, TestApp, PASSWORD};
use roadwarden_store::units::Unit;

pub struct World {
    pub app: TestApp,
    pub clock: Clock,
    pub o: Org,
}

impl World {
    /// The app at `start`, with `adjust` applied after the long-lived tokens and passwords.
    pub async fn at(start: DateTime<Utc>, adjust: impl FnOnce(&mut Settings)) -> Self {
        let clock = Clock::manual(start);
        // Boxed: the app's settings are large, and every test's world would carry them.
        let app = Box::pin(TestApp::spawn_with(
            |s| {
                s.security.api_token_days = 3650;
                s.security.password_max_age_days = 0;
                adjust(s);
            },
            clock.clone(),
        ))
        .await;
        let o = org(&app.state).await;
        Self { app, clock, o }
    }

    /// An active account at `unit` holding `roles` (person number `n` for its identity
    /// number), signed in: its bearer token.
    pub async fn person(&self, unit: &Unit, username: &str, n: u32, roles: &[&str]) -> String {
        account(&self.app.state, unit, username, n, roles).await;
        self.app.token(username, PASSWORD).await
    }
}
