//! What the writer writes, the parser reads back: the simulator's pushes are real alerts.

use chrono::DateTime;
use roadwarden_isapi::write::AnprAlert;
use roadwarden_isapi::{parse_alert, Rect};

fn alert() -> AnprAlert {
    AnprAlert {
        mac: "bc:5e:33:62:2a:5c".into(),
        channel: "1".into(),
        channel_name: "330522010201 <东>".into(),
        captured_at: DateTime::parse_from_rfc3339("2026-11-20T08:14:03+08:00").unwrap(),
        plate: "浙E12345".into(),
        plate_colour: "blue".into(),
        vehicle_type: "truck".into(),
        speed: Some(87),
        lane: 2,
        direction: "forward".into(),
        confidence: 93,
        index: 41,
        uuid: "7a1c0d7e-0000-4000-8000-000000000001".into(),
        retransmission: true,
        plate_rect: Rect {
            x: 10,
            y: 20,
            width: 100,
            height: 32,
        },
    }
}

#[test]
fn a_written_alert_parses_back_to_what_was_written() {
    let a = alert();
    let parsed = parse_alert(a.to_xml().as_bytes()).expect("parses");
    assert_eq!(parsed.mac, a.mac);
    assert_eq!(parsed.channel, a.channel);
    assert_eq!(parsed.event_type, "ANPR");
    assert_eq!(parsed.camera_time, a.captured_at);
    assert_eq!(parsed.uuid.as_deref(), Some(a.uuid.as_str()));
    assert!(parsed.retransmission);
    let anpr = parsed.anpr.expect("an ANPR block");
    assert_eq!(anpr.plate, a.plate);
    assert_eq!(anpr.plate_colour, a.plate_colour);
    assert_eq!(anpr.vehicle_type, a.vehicle_type);
    assert_eq!(anpr.speed, Some(87));
    assert_eq!(anpr.lane, Some(2));
    assert_eq!(anpr.confidence, Some(93));
    assert_eq!(anpr.direction, "forward");
    let names: Vec<_> = parsed
        .pictures
        .iter()
        .map(|p| p.file_name.as_str())
        .collect();
    assert_eq!(names, ["licensePlatePicture.jpg", "vehiclePicture.jpg"]);
    assert_eq!(parsed.pictures[1].plate_rect, Some(a.plate_rect));
}

#[test]
fn text_is_escaped() {
    let mut a = alert();
    a.plate = "A&B<C>".into();
    let parsed = parse_alert(a.to_xml().as_bytes()).expect("escaped text parses");
    assert_eq!(parsed.anpr.unwrap().plate, "A&B<C>");
}
