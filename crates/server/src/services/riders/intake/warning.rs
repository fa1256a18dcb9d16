//! RID-01: the spoken warning, sent back to the capture point over MQTT the moment its event is
//! accepted. A leaf (no service context): the intake hands it the settings it needs.
//!
//! **Spawned with a timeout, not an outbox**: a warning spoken at the roadside is worth
//! something only while the rider is still there, so a warning that cannot reach the broker
//! within `riders.warning.timeout_ms` is dropped (and logged and counted), never queued and
//! spoken minutes later. Each warning is its own short MQTT session (connect, publish at QoS 1,
//! wait for the broker's PUBACK, disconnect) on its own task: the event's answer never waits
//! for it, and a broker that is down costs the task its timeout and nothing else.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde::Serialize;

use crate::config::WarningSettings;

/// What the point is told to say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// The point's own id for the event.
    pub event_id: String,
    pub violation: &'static str,
    /// `zh-CN` (Mandarin) or the configured dialect's name.
    pub language: String,
    pub text: String,
}

/// The topic of the capture point numbered `number`.
pub fn topic(settings: &WarningSettings, number: &str) -> String {
    settings.topic.replace("{number}", number)
}

/// The warning for `violation`: the dialect phrase when the voice is `dialect` and a phrase is
/// configured for it, else the Mandarin text.
pub fn compose(settings: &WarningSettings, event_id: &str, violation: &'static str) -> Warning {
    let dialect = (settings.voice == "dialect")
        .then(|| settings.dialect_phrases.get(violation))
        .flatten()
        .filter(|t| !t.trim().is_empty());
    let (language, text) = match dialect {
        Some(phrase) => (settings.dialect.clone(), phrase.clone()),
        None => (
            "zh-CN".to_owned(),
            settings
                .mandarin
                .get(violation)
                .cloned()
                .unwrap_or_else(|| "请注意交通安全。".to_owned()),
        ),
    };
    Warning {
        event_id: event_id.to_owned(),
        violation,
        language,
        text,
    }
}

/// Hands the warning to its own task and returns at once; the task logs its outcome.
pub fn speak(settings: &WarningSettings, topic: String, warning: &Warning) {
    let payload = serde_json::to_vec(warning).unwrap_or_default();
    let (host, port) = (settings.mqtt_host.clone(), settings.mqtt_port);
    let limit = Duration::from_millis(settings.timeout_ms.max(1));
    tokio::spawn(async move {
        let outcome = tokio::time::timeout(limit, publish_once(host, port, &topic, payload)).await;
        match outcome {
            Ok(Ok(())) => tracing::debug!(%topic, "spoken warning sent"),
            Ok(Err(e)) => tracing::warn!(%topic, error = %e, "spoken warning not sent"),
            Err(_) => tracing::warn!(%topic, ?limit, "spoken warning not sent in time: dropped"),
        }
    });
}

/// One MQTT session: connect, publish at QoS 1, wait for the PUBACK, disconnect.
async fn publish_once(
    host: String,
    port: u16,
    topic: &str,
    payload: Vec<u8>,
) -> Result<(), String> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = format!(
        "roadwarden-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut options = MqttOptions::new(id, host, port);
    options.set_keep_alive(Duration::from_secs(5));
    options.set_clean_session(true);
    let (client, mut events) = AsyncClient::new(options, 4);
    client
        .publish(topic, QoS::AtLeastOnce, false, payload)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match events.poll().await.map_err(|e| e.to_string())? {
            Event::Incoming(Packet::PubAck(_)) => break,
            _ => continue,
        }
    }
    // A clean goodbye; the broker has the message already, so errors here change nothing.
    let _ = client.disconnect().await;
    let _ = tokio::time::timeout(Duration::from_millis(200), events.poll()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rid_01_the_dialect_phrase_is_spoken_where_configured_and_mandarin_otherwise() {
        let mut s = WarningSettings::default();
        let w = compose(&s, "e1", "no_helmet");
        assert_eq!(w.language, "zh-CN");
        assert!(w.text.contains("头盔"), "{}", w.text);
        s.voice = "dialect".into();
        s.dialect = "长兴话".into();
        s.dialect_phrases
            .insert("no_helmet".into(), "侬头盔戴起来！".into());
        let w = compose(&s, "e1", "no_helmet");
        assert_eq!(
            (w.language.as_str(), w.text.as_str()),
            ("长兴话", "侬头盔戴起来！")
        );
        // No phrase for this violation: Mandarin.
        assert_eq!(compose(&s, "e2", "red_light").language, "zh-CN");
        assert_eq!(
            topic(&s, "330522070001"),
            "roadwarden/devices/330522070001/speak"
        );
    }
}
