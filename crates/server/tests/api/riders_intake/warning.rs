//! RID-01: the spoken warning goes back to the point over MQTT at once, against the local
//! Mosquitto broker at 127.0.0.1:1883 (started here if it is down).

use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::Value;

use super::*;

/// The local broker is up (started with the machine's own command if it was down).
async fn broker() {
    if tokio::net::TcpStream::connect("127.0.0.1:1883")
        .await
        .is_ok()
    {
        return;
    }
    let _ = std::process::Command::new("mosquitto")
        .args(["-d", "-c", "/etc/mosquitto/mosquitto.conf"])
        .status();
    for _ in 0..50 {
        if tokio::net::TcpStream::connect("127.0.0.1:1883")
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no MQTT broker at 127.0.0.1:1883 and mosquitto could not be started");
}

/// Subscribes to `topic` and answers the first message's JSON, or `None` after `wait`.
async fn listen(topic: &str) -> tokio::sync::oneshot::Receiver<Value> {
    let id = format!("rw-test-{}", uuid::Uuid::new_v4().simple());
    let mut options = MqttOptions::new(id, "127.0.0.1", 1883);
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut events) = AsyncClient::new(options, 10);
    client.subscribe(topic, QoS::AtLeastOnce).await.unwrap();
    let (ready_tx, ready) = tokio::sync::oneshot::channel();
    let (got_tx, got) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let _client = client;
        let mut ready_tx = Some(ready_tx);
        let mut got_tx = Some(got_tx);
        while let Ok(ev) = events.poll().await {
            match ev {
                Event::Incoming(Packet::SubAck(_)) => {
                    if let Some(r) = ready_tx.take() {
                        let _ = r.send(());
                    }
                }
                Event::Incoming(Packet::Publish(p)) => {
                    if let Some(g) = got_tx.take() {
                        let _ = g.send(serde_json::from_slice(&p.payload).unwrap_or(Value::Null));
                    }
                    return;
                }
                _ => {}
            }
        }
    });
    tokio::time::timeout(Duration::from_secs(5), ready)
        .await
        .expect("subscribed")
        .unwrap();
    got
}

#[tokio::test]
async fn rid_01_the_spoken_warning_is_published_to_the_points_topic_at_once() {
    broker().await;
    let prefix = format!("rw-test/{}", uuid::Uuid::new_v4().simple());
    let topic_pattern = format!("{prefix}/devices/{{number}}/speak");
    let w = world_with(|s| {
        s.riders.face.engine = "none".into();
        s.riders.warning.enabled = true;
        s.riders.warning.topic = topic_pattern;
    })
    .await;
    let got = listen(&format!("{prefix}/devices/{POINT}/speak")).await;
    let (status, out) = w.push(POINT, &w.event("ev-speak", &scene())).await;
    assert_eq!(status, 201, "{out}");
    assert_eq!(out["warning"], "sent");
    let message = tokio::time::timeout(Duration::from_secs(5), got)
        .await
        .expect("the warning arrived within 5 s")
        .unwrap();
    assert_eq!(message["event_id"], "ev-speak");
    assert_eq!(message["violation"], "no_helmet");
    assert_eq!(message["language"], "zh-CN");
    assert!(
        message["text"].as_str().unwrap().contains("头盔"),
        "{message}"
    );
}

#[tokio::test]
async fn rid_01_the_configured_dialect_phrase_is_spoken() {
    broker().await;
    let prefix = format!("rw-test/{}", uuid::Uuid::new_v4().simple());
    let topic_pattern = format!("{prefix}/{{number}}");
    let w = world_with(|s| {
        s.riders.face.engine = "none".into();
        s.riders.warning.enabled = true;
        s.riders.warning.topic = topic_pattern;
        s.riders.warning.voice = "dialect".into();
        s.riders.warning.dialect = "长兴话".into();
        s.riders
            .warning
            .dialect_phrases
            .insert("wrong_way".into(), "侬开反了，靠右开！".into());
    })
    .await;
    let got = listen(&format!("{prefix}/{TRIAL_POINT}")).await;
    let mut body = w.event("ev-dialect", &scene());
    body["violation"] = serde_json::json!("wrong_way");
    // A point in trial still warns: that is all it does (DEV-05).
    let (status, out) = w.push(TRIAL_POINT, &body).await;
    assert_eq!(status, 201, "{out}");
    let message = tokio::time::timeout(Duration::from_secs(5), got)
        .await
        .expect("the warning arrived")
        .unwrap();
    assert_eq!(message["language"], "长兴话");
    assert_eq!(message["text"], "侬开反了，靠右开！");
}

#[tokio::test]
async fn rid_01_a_broker_that_is_down_never_blocks_or_fails_the_event() {
    // Nothing listens on port 9 of this machine: the warning's task fails on its own.
    let w = world_with(|s| {
        s.riders.face.engine = "none".into();
        s.riders.warning.enabled = true;
        s.riders.warning.mqtt_port = 9;
        s.riders.warning.timeout_ms = 10_000;
    })
    .await;
    let started = Instant::now();
    let (status, out) = w.push(POINT, &w.event("ev-nobroker", &scene())).await;
    assert_eq!(status, 201, "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the event waited for the broker: {:?}",
        started.elapsed()
    );
}
