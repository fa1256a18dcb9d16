//! Real pushes from the field, plus the ways a body can be refused.

use roadwarden_isapi::{
    is_jpeg, jpeg_info, parse_alert, IsapiError, JpegInfo, PictureRef, Rect, MAX_XML_BYTES,
};

const ANPR: &str = include_str!("fixtures/anpr_plate_detected.xml");
const FIELD: &str = include_str!("fixtures/fielddetection_vehicle.xml");

/// The ANPR fixture with one substring replaced (which must occur).
fn anpr_with(from: &str, to: &str) -> String {
    assert!(ANPR.contains(from), "fixture lacks {from}");
    ANPR.replacen(from, to, 1)
}

#[test]
fn anpr_fixture_parses() {
    let alert = parse_alert(ANPR.as_bytes()).unwrap();
    assert_eq!(alert.mac, "bc:5e:33:62:2a:5c");
    assert_eq!(alert.channel, "1");
    assert_eq!(alert.ip, "10.2.124.188");
    assert_eq!(alert.event_type, "ANPR");
    assert_eq!(alert.event_state, "active");
    assert_eq!(alert.camera_time.to_rfc3339(), "2023-08-11T13:49:00+01:00");
    assert_eq!(
        alert.uuid.as_deref(),
        Some("20230811134901822007gWpiNIuI14ikdwfKR5eDCzuV45RubEmi88qaD5w0YTq")
    );
    assert!(!alert.retransmission);

    let anpr = alert.anpr.unwrap();
    assert_eq!(anpr.plate, "KH35192");
    assert_eq!(anpr.original_plate, "KH35192");
    assert_eq!(anpr.plate_colour, "unknown");
    assert_eq!(anpr.plate_type, "unknown");
    assert_eq!(anpr.direction, "forward");
    assert_eq!(anpr.lane, Some(1));
    assert_eq!(anpr.confidence, Some(100));
    assert_eq!(anpr.vehicle_type, "vehicle");
    assert_eq!(anpr.vehicle_colour, "white");
    assert!(!anpr.two_wheel);
    assert_eq!(anpr.speed, None);

    let gps = alert.gps.unwrap();
    assert!((gps.longitude - (7.0 + 56.0 / 60.0 + 9.0 / 3600.0)).abs() < 1e-9);
    assert!((gps.longitude - 7.935_833).abs() < 1e-6);
    assert!((gps.latitude - (58.0 + 6.0 / 60.0 + 22.3 / 3600.0)).abs() < 1e-9);
    assert!((gps.latitude - 58.106_194).abs() < 1e-6);

    assert_eq!(
        alert.pictures,
        vec![
            PictureRef {
                file_name: "licensePlatePicture.jpg".into(),
                kind: "licensePlatePicture".into(),
                plate_rect: None,
            },
            PictureRef {
                file_name: "vehiclePicture.jpg".into(),
                kind: "vehiclePicture".into(),
                plate_rect: Some(Rect {
                    x: 544,
                    y: 835,
                    width: 40,
                    height: 35
                }),
            },
        ]
    );
}

#[test]
fn fielddetection_fixture_parses_without_anpr() {
    let alert = parse_alert(FIELD.as_bytes()).unwrap();
    assert_eq!(alert.mac, "ac:b9:2f:49:44:75");
    assert_eq!(alert.channel, "1");
    assert_eq!(alert.ip, "1.0.0.255");
    assert_eq!(alert.event_type, "fielddetection");
    assert_eq!(alert.event_state, "active");
    assert_eq!(alert.camera_time.to_rfc3339(), "2022-01-19T07:51:17+01:00");
    assert_eq!(alert.uuid, None);
    assert!(!alert.retransmission);
    assert_eq!(alert.anpr, None);
    assert_eq!(alert.gps, None);
    assert!(alert.pictures.is_empty());
}

#[test]
fn liberal_variants_are_accepted() {
    // Upper case with dashes, dynChannelID only, a prefixed namespace, comments
    // inside values, CDATA, a colon-less offset, yes/no flags, speed.
    let xml = r#"<?xml version="1.0"?>
<h:EventNotificationAlert xmlns:h="http://www.hikvision.com/ver20/XMLSchema" version="2.0">
  <h:macAddress>BC-5E-33-62-2A-5C</h:macAddress>
  <h:dynChannelID><!-- ro, int -->3</h:dynChannelID>
  <h:dateTime>2023-08-11T13:49:00+0800</h:dateTime>
  <h:eventType><![CDATA[ANPR]]></h:eventType>
  <h:isDataRetransmission>TRUE</h:isDataRetransmission>
  <h:unknownThing><deep><deeper/></deep></h:unknownThing>
  <h:ANPR><h:licensePlate>AB&amp;12</h:licensePlate><h:twoWheelVehicle>yes</h:twoWheelVehicle>
    <h:vehicleInfo><h:speed>57</h:speed></h:vehicleInfo></h:ANPR>
  <h:DeviceGPSInfo><h:longitudeType>w</h:longitudeType><h:latitudeType>S</h:latitudeType>
    <h:Longitude><h:degree>180</h:degree><h:minute>0</h:minute><h:sec>0</h:sec></h:Longitude>
    <h:Latitude><h:degree>33</h:degree><h:minute>30</h:minute><h:sec>0</h:sec></h:Latitude>
  </h:DeviceGPSInfo>
</h:EventNotificationAlert>"#;
    let alert = parse_alert(xml.as_bytes()).unwrap();
    assert_eq!(alert.mac, "bc:5e:33:62:2a:5c");
    assert_eq!(alert.channel, "3");
    assert_eq!(alert.camera_time.to_rfc3339(), "2023-08-11T13:49:00+08:00");
    assert_eq!(alert.event_type, "ANPR");
    assert!(alert.retransmission);
    let anpr = alert.anpr.unwrap();
    assert_eq!(anpr.plate, "AB&12");
    assert!(anpr.two_wheel);
    assert_eq!(anpr.speed, Some(57));
    assert_eq!(anpr.lane, None);
    let gps = alert.gps.unwrap();
    assert_eq!((gps.longitude, gps.latitude), (-180.0, -33.5));
}

#[test]
fn channel_id_wins_over_dyn_channel_id() {
    let xml = anpr_with(
        "<channelID>1</channelID>",
        "<dynChannelID>9</dynChannelID><channelID>1</channelID>",
    );
    assert_eq!(parse_alert(xml.as_bytes()).unwrap().channel, "1");
}

#[test]
fn required_elements() {
    for (from, to, missing) in [
        (
            "<macAddress>bc:5e:33:62:2a:5c</macAddress>",
            "",
            "macAddress",
        ),
        (
            "<macAddress>bc:5e:33:62:2a:5c</macAddress>",
            "<macAddress/>",
            "macAddress",
        ),
        ("<channelID>1</channelID>", "", "channelID"),
        (
            "<dateTime>2023-08-11T13:49:00+01:00</dateTime>",
            "",
            "dateTime",
        ),
        ("<eventType>ANPR</eventType>", "", "eventType"),
        ("<sec>22.300000</sec>", "", "DeviceGPSInfo/Latitude/sec"),
        (
            "<latitudeType>N</latitudeType>",
            "",
            "DeviceGPSInfo/latitudeType",
        ),
    ] {
        let xml = anpr_with(from, to);
        assert_eq!(
            parse_alert(xml.as_bytes()),
            Err(IsapiError::Missing(missing)),
            "{from}"
        );
    }
}

#[test]
fn bad_values() {
    for (from, to, bad) in [
        ("bc:5e:33:62:2a:5c", "bc:5e:33:62:2a", "macAddress"),
        ("bc:5e:33:62:2a:5c", "bc:5e:33:62:2a:5g", "macAddress"),
        ("bc:5e:33:62:2a:5c", "bc5e33622a5c", "macAddress"),
        (
            "2023-08-11T13:49:00+01:00",
            "2023-08-11T13:49:00",
            "dateTime",
        ),
        ("2023-08-11T13:49:00+01:00", "yesterday", "dateTime"),
        ("<line>1</line>", "<line>-1</line>", "ANPR/line"),
        (
            "<confidenceLevel>100<",
            "<confidenceLevel>101<",
            "ANPR/confidenceLevel",
        ),
        (
            "<twoWheelVehicle>no<",
            "<twoWheelVehicle>maybe<",
            "ANPR/twoWheelVehicle",
        ),
        (
            "<isDataRetransmission>false<",
            "<isDataRetransmission>2<",
            "isDataRetransmission",
        ),
        ("<X>544</X>", "<X>0.5</X>", "pictureInfo/plateRect"),
        ("<X>544</X>", "", "pictureInfo/plateRect"),
        (
            "<degree>7</degree>",
            "<degree>181</degree>",
            "DeviceGPSInfo/Longitude/degree",
        ),
        (
            "<degree>7</degree>",
            "<degree>-7</degree>",
            "DeviceGPSInfo/Longitude/degree",
        ),
        (
            "<degree>7</degree>",
            "<degree>NaN</degree>",
            "DeviceGPSInfo/Longitude/degree",
        ),
        (
            "<minute>56</minute>",
            "<minute>60</minute>",
            "DeviceGPSInfo/Longitude/minute",
        ),
        (
            "<sec>9.000000</sec>",
            "<sec>60</sec>",
            "DeviceGPSInfo/Longitude/sec",
        ),
        (
            "<degree>58</degree>",
            "<degree>90</degree>",
            "DeviceGPSInfo/Latitude/degree",
        ),
        (
            "<longitudeType>E<",
            "<longitudeType>N<",
            "DeviceGPSInfo/longitudeType",
        ),
    ] {
        let xml = anpr_with(from, to);
        assert_eq!(
            parse_alert(xml.as_bytes()),
            Err(IsapiError::Bad(bad)),
            "{to}"
        );
    }
}

fn is_malformed(xml: &[u8]) -> bool {
    matches!(parse_alert(xml), Err(IsapiError::Malformed(_)))
}

#[test]
fn malformed_xml_is_refused() {
    assert!(is_malformed(b""));
    assert!(is_malformed(b"   \n"));
    assert!(is_malformed(&ANPR.as_bytes()[..ANPR.len() / 2]));
    assert!(is_malformed(
        anpr_with("</channelID>", "</channelId>").as_bytes()
    ));
    assert!(is_malformed(
        anpr_with("<eventState>", "<eventState a=>").as_bytes()
    ));
    assert!(is_malformed(
        anpr_with("KH35192", "KH&nbsp;35192").as_bytes()
    ));
    assert!(is_malformed(
        format!("{ANPR}<EventNotificationAlert/>").as_bytes()
    ));
    assert!(is_malformed(format!("{ANPR}trailing").as_bytes()));
    let mut not_utf8 = anpr_with("KH35192", "KH3519\u{e9}").into_bytes();
    let at = not_utf8.iter().position(|&b| b == 0xC3).unwrap();
    not_utf8[at] = 0xFF;
    assert!(is_malformed(&not_utf8));
}

#[test]
fn other_documents_are_not_alerts() {
    let status =
        br#"<ResponseStatus version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
        <statusCode>1</statusCode></ResponseStatus>"#;
    assert_eq!(parse_alert(status), Err(IsapiError::NotAnAlert));
}

#[test]
fn doctype_is_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<EventNotificationAlert><macAddress>&lol2;</macAddress></EventNotificationAlert>"#;
    let xxe =
        r#"<!doctype x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><EventNotificationAlert/>"#;
    let harmless = format!("<!DOCTYPE EventNotificationAlert>{ANPR}");
    for xml in [laughs, xxe, harmless.as_str()] {
        assert_eq!(
            parse_alert(xml.as_bytes()),
            Err(IsapiError::Malformed(
                "DOCTYPE declarations are refused".into()
            ))
        );
    }
}

#[test]
fn oversized_is_refused_before_parsing() {
    // Well-formed apart from its size, so only the size check can refuse it.
    let padding = " ".repeat(MAX_XML_BYTES);
    let big = ANPR.replacen("<portNo>", &format!("{padding}<portNo>"), 1);
    assert_eq!(
        parse_alert(big.as_bytes()),
        Err(IsapiError::TooLarge(MAX_XML_BYTES))
    );
    // Not even read: garbage of the same size gets the same answer.
    assert_eq!(
        parse_alert(&vec![b'<'; MAX_XML_BYTES + 1]),
        Err(IsapiError::TooLarge(MAX_XML_BYTES))
    );
    // Exactly at the cap is still parsed.
    let room = MAX_XML_BYTES - ANPR.len();
    let fits = ANPR.replacen("<portNo>", &format!("{}<portNo>", " ".repeat(room)), 1);
    assert_eq!(fits.len(), MAX_XML_BYTES);
    assert!(parse_alert(fits.as_bytes()).is_ok());
}

#[test]
fn deep_nesting_is_refused() {
    // The root is level 1, so `levels - 1` nested <x> give `levels` in all.
    let with_levels = |levels: usize| {
        let inner = "<x>".repeat(levels - 1) + &"</x>".repeat(levels - 1);
        anpr_with("<portNo>", &format!("{inner}<portNo>"))
    };
    assert!(parse_alert(with_levels(32).as_bytes()).is_ok());
    assert_eq!(
        parse_alert(with_levels(33).as_bytes()),
        Err(IsapiError::Malformed("elements nested too deeply".into()))
    );
    // A body at the cap that is nothing but open tags stops at level 33.
    let deep = format!("<EventNotificationAlert>{}", "<x>".repeat(80_000));
    assert!(deep.len() <= MAX_XML_BYTES);
    assert!(is_malformed(deep.as_bytes()));
}

#[test]
fn error_messages() {
    assert_eq!(
        IsapiError::Missing("macAddress").to_string(),
        "missing element macAddress"
    );
    assert_eq!(
        IsapiError::Bad("ANPR/line").to_string(),
        "element ANPR/line has a bad value"
    );
    assert_eq!(
        IsapiError::TooLarge(10).to_string(),
        "payload larger than 10 bytes"
    );
    assert_eq!(
        IsapiError::NotAnAlert.to_string(),
        "not an EventNotificationAlert"
    );
    let IsapiError::Malformed(msg) = parse_alert(b"<EventNotificationAlert><a></b>").unwrap_err()
    else {
        panic!("expected Malformed");
    };
    assert!(
        msg.contains("`</b>`") && msg.chars().count() <= 200,
        "{msg}"
    );
}

/// A real 8x8 grey JPEG (made with jpeg-encoder).
const GREY_8X8: &[u8] = include_bytes!("fixtures/grey_8x8.jpg");

/// `jpeg` with a comment segment of `n` bytes after SOI: still a valid picture.
fn with_comment(jpeg: &[u8], n: usize) -> Vec<u8> {
    let len = u16::try_from(n + 2).unwrap();
    let mut b = jpeg[..2].to_vec();
    b.extend([0xFF, 0xFE]);
    b.extend(len.to_be_bytes());
    b.extend(std::iter::repeat_n(b'c', n));
    b.extend(&jpeg[2..]);
    b
}

#[test]
fn jpeg_detection() {
    let jpeg = GREY_8X8;
    assert!(is_jpeg(jpeg));
    assert_eq!(
        jpeg_info(jpeg),
        Some(JpegInfo {
            width: 8,
            height: 8,
            components: 1
        })
    );
    assert!(is_jpeg(&with_comment(jpeg, 1000)));
    let mut padded = jpeg.to_vec();
    padded.extend([0; 16]);
    assert!(is_jpeg(&padded));

    assert!(!is_jpeg(&[]));
    assert!(!is_jpeg(&[0; 16]));
    assert!(!is_jpeg(&[0xFF, 0xD8, 0xFF, 0xD9]), "SOI and EOI overlap");
    assert!(!is_jpeg(&jpeg[..jpeg.len() - 1]), "truncated: no EOI");
    assert!(!is_jpeg(&[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0xD9
    ]));
    let mut trailing = jpeg.to_vec();
    trailing.extend(b"junk");
    assert!(!is_jpeg(&trailing));
    assert!(!is_jpeg(ANPR.as_bytes()));
}

/// Issue 12 item 10: a picture was accepted on its first and last two bytes. Now its headers
/// are read by a JPEG decoder: framing around anything else is refused.
#[test]
fn cap_01_images_are_pictures_not_their_framing() {
    // SOI, a JFIF APP0 header, filler, EOI: what used to pass.
    let mut framed = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    framed.extend(std::iter::repeat_n(7, 2048));
    framed.extend([0xFF, 0xD9]);
    assert!(!is_jpeg(&framed), "no frame header, no tables");
    // A script between a JPEG's first three and last two bytes.
    let mut script = vec![0xFF, 0xD8, 0xFF];
    script.extend(b"<?php system($_GET['c']); ?>");
    script.extend([0xFF, 0xD9]);
    assert!(!is_jpeg(&script));
    // A real picture cut before its scan keeps its frame but loses its tables' end.
    let sos = GREY_8X8.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let mut cut = GREY_8X8[..sos - 40].to_vec();
    cut.extend([0xFF, 0xD9]);
    assert!(!is_jpeg(&cut), "tables cut short");
    // A real picture's headers, then random bytes (what the attacker probe pushed).
    let sos = GREY_8X8.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let mut noise = GREY_8X8[..sos + 10].to_vec();
    let mut x: u32 = 7;
    for _ in 0..50_000 {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        noise.push((x >> 24) as u8);
    }
    noise.extend([0xFF, 0xD9]);
    assert!(!is_jpeg(&noise), "random bytes are no scan");
    // Another file after a whole picture's headers and scan.
    let mut appended = GREY_8X8[..GREY_8X8.len() - 2].to_vec();
    appended.extend([0x89, b'P', b'N', b'G', 0xFF, 0x11, 0x22, 0x33, 0xFF, 0xD9]);
    assert!(!is_jpeg(&appended));
    // A frame of 1 x 1 pixel is no picture of a vehicle.
    let mut tiny = GREY_8X8.to_vec();
    let sof = tiny.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    tiny[sof + 5..sof + 9].copy_from_slice(&[0, 1, 0, 1]);
    assert!(!is_jpeg(&tiny), "1 x 1");
}

/// Issue 12: 24,000 attributes on one element once cost a second of CPU (quick-xml's duplicate
/// check is quadratic). The parser stops at a few, so the cost of any body stays linear.
#[test]
fn isapi_parse_cost_many_attributes_are_refused_at_once() {
    let attrs: String = (0..24_000).map(|i| format!(" a{i}=\"x\"")).collect();
    let xml = anpr_with("<ipAddress>", &format!("<ipAddress{attrs}>"));
    assert!(xml.len() <= MAX_XML_BYTES, "{}", xml.len());
    let err = parse_alert(xml.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, IsapiError::Malformed(m) if m.contains("too many attributes")),
        "{err:?}"
    );
}

#[test]
fn isapi_parse_cost_elements_and_pictures_are_bounded() {
    let many: String = "<x/>".repeat(5_000);
    let xml = anpr_with("<ipAddress>", &format!("{many}<ipAddress>"));
    let err = parse_alert(xml.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, IsapiError::Malformed(m) if m.contains("too many elements")),
        "{err:?}"
    );
    let pictures: String = "<pictureInfo><fileName>p.jpg</fileName></pictureInfo>".repeat(20);
    let xml = anpr_with("<ipAddress>", &format!("{pictures}<ipAddress>"));
    let err = parse_alert(xml.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, IsapiError::Malformed(m) if m.contains("too many pictures")),
        "{err:?}"
    );
}
