//! Parser for Hikvision ISAPI event pushes (`EventNotificationAlert`, schema
//! `http://www.hikvision.com/ver20/XMLSchema`, version 2.0).
//!
//! A camera set up to push to an alarm server POSTs one of these documents per
//! event, usually as one part of a multipart body next to the JPEGs it names
//! (`pictureInfo/fileName`). This crate turns the XML into an [`Alert`]
//! and checks that a picture part is a JPEG; it does no I/O. [`write`] writes
//! such documents, for the simulator and tests.
//!
//! The body comes from a device on the network, so it is treated as hostile:
//! the size is capped before any parsing, `<!DOCTYPE` is refused outright (so
//! there is no entity expansion: no XXE, no billion laughs), nesting depth is
//! capped, and every error message is safe to send back to the camera.
//!
//! Firmwares differ, so the parser is liberal where that costs nothing:
//! elements are matched on local names (any namespace prefix, or none),
//! unknown elements are skipped, and only `macAddress`, `channelID` (or
//! `dynChannelID`), `dateTime` and `eventType` are required. A value that is
//! present but cannot be read is an error rather than silently dropped, so a
//! new firmware's format shows up instead of producing wrong data.

pub mod write;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Largest body accepted. Real alerts are a few KiB; the cap bounds the work
/// an unauthenticated sender can make us do.
pub const MAX_XML_BYTES: usize = 256 * 1024;

/// Deepest element nesting accepted. Real alerts nest about 5 deep.
const MAX_DEPTH: usize = 32;
/// Attributes on one element. quick-xml's duplicate check is quadratic in their number, and an
/// alert uses none but namespaces: a few is plenty, and the check stays cheap.
const MAX_ATTRIBUTES: usize = 16;
/// Elements in one document and pictures in one alert: bounded work per push.
const MAX_ELEMENTS: usize = 4096;
const MAX_PICTURES: usize = 16;

const ROOT: &str = "EventNotificationAlert";

/// One event pushed by a camera.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Normalised to lowercase, colon-separated: `bc:5e:33:62:2a:5c`.
    pub mac: String,
    /// `channelID`, or `dynChannelID` when the former is absent or empty (NVRs).
    pub channel: String,
    /// `ipAddress`, as sent (empty when absent).
    pub ip: String,
    /// `eventType`: `ANPR`, `fielddetection`, `VMD`, ...
    pub event_type: String,
    /// `eventState`: `active` or `inactive` (empty when absent).
    pub event_state: String,
    /// `dateTime`. The camera's clock, which may be wrong; an offset is
    /// required because a local time alone cannot be placed on the timeline.
    pub camera_time: DateTime<FixedOffset>,
    /// `UUID`, which identifies the event across retransmissions.
    pub uuid: Option<String>,
    /// `isDataRetransmission`: the camera is resending an event it had
    /// buffered while we were unreachable.
    pub retransmission: bool,
    /// The `ANPR` block, present for plate reads.
    pub anpr: Option<Anpr>,
    /// `DeviceGPSInfo`, the camera's configured or measured position.
    pub gps: Option<Gps>,
    /// Every `pictureInfo`, wherever it sits, in document order.
    pub pictures: Vec<PictureRef>,
}

/// A plate read (`ANPR` block). Strings are as sent, empty when absent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Anpr {
    /// `licensePlate`, after the camera's own corrections.
    pub plate: String,
    /// `originalLicensePlate`, the raw read.
    pub original_plate: String,
    pub plate_colour: String,
    pub plate_type: String,
    /// `forward`, `reverse` or `unknown`.
    pub direction: String,
    /// `line`: the lane number.
    pub lane: Option<u32>,
    /// `confidenceLevel`, 0 to 100.
    pub confidence: Option<u32>,
    pub vehicle_type: String,
    /// `vehicleInfo/color`.
    pub vehicle_colour: String,
    /// `twoWheelVehicle` is `yes`.
    pub two_wheel: bool,
    /// `vehicleInfo/speed` (else `ANPR/speed`) in km/h. Cameras without a
    /// speed sensor tend to send 0, which is kept as `Some(0)`.
    pub speed: Option<u32>,
}

/// A position in decimal degrees; west and south are negative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gps {
    pub longitude: f64,
    pub latitude: f64,
}

/// A picture the alert refers to; the bytes come in another multipart part.
#[derive(Debug, Clone, PartialEq)]
pub struct PictureRef {
    /// `fileName`: the name of the multipart part that carries the picture.
    pub file_name: String,
    /// `type`: `licensePlatePicture`, `vehiclePicture`, `detectionPicture`, ...
    pub kind: String,
    /// `plateRect`, in pixels of this picture.
    pub plate_rect: Option<Rect>,
}

/// A rectangle in pixels, origin top left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Why a body was refused. The messages are safe to send back to the camera:
/// they name elements of its own document and nothing of ours.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IsapiError {
    #[error("the body is not well-formed XML: {0}")]
    Malformed(String),
    #[error("not an EventNotificationAlert")]
    NotAnAlert,
    /// Names the element by its path below the root, e.g. `macAddress`.
    #[error("missing element {0}")]
    Missing(&'static str),
    /// Names the element by its path below the root, e.g. `ANPR/line`.
    #[error("element {0} has a bad value")]
    Bad(&'static str),
    #[error("payload larger than {0} bytes")]
    TooLarge(usize),
}

/// Paths below the root whose text we keep. Containers are listed so that
/// their presence is recorded (`ANPR`, `DeviceGPSInfo`).
#[rustfmt::skip]
const FIELDS: &[&str] = &[
    "ipAddress", "macAddress", "channelID", "dynChannelID", "dateTime", "eventType",
    "eventState", "UUID", "isDataRetransmission",
    "ANPR", "ANPR/licensePlate", "ANPR/originalLicensePlate", "ANPR/plateColor",
    "ANPR/plateType", "ANPR/direction", "ANPR/line", "ANPR/confidenceLevel",
    "ANPR/vehicleType", "ANPR/twoWheelVehicle", "ANPR/speed",
    "ANPR/vehicleInfo/color", "ANPR/vehicleInfo/speed",
    "DeviceGPSInfo", "DeviceGPSInfo/longitudeType", "DeviceGPSInfo/latitudeType",
    "DeviceGPSInfo/Longitude/degree", "DeviceGPSInfo/Longitude/minute",
    "DeviceGPSInfo/Longitude/sec", "DeviceGPSInfo/Latitude/degree",
    "DeviceGPSInfo/Latitude/minute", "DeviceGPSInfo/Latitude/sec",
];

/// Paths below a `pictureInfo` whose text we keep.
const PICTURE_FIELDS: &[&str] = &["fileName", "type", RECT[0], RECT[1], RECT[2], RECT[3]];
const RECT: [&str; 4] = [
    "plateRect/X",
    "plateRect/Y",
    "plateRect/width",
    "plateRect/height",
];

/// Texts by path, for the alert or one picture. A repeated element: last wins.
type Fields = BTreeMap<&'static str, String>;

/// Parses one `EventNotificationAlert` body.
pub fn parse_alert(xml: &[u8]) -> Result<Alert, IsapiError> {
    if xml.len() > MAX_XML_BYTES {
        return Err(IsapiError::TooLarge(MAX_XML_BYTES));
    }
    let mut reader = Reader::from_reader(xml);
    let mut doc = Collector::default();
    // Text of the innermost open element; comments may split it in pieces.
    let mut text = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(&format!("{e} (at byte {})", reader.error_position())))?;
        match event {
            Event::Start(e) => {
                doc.open(&e)?;
                text.clear();
            }
            Event::Empty(e) => {
                doc.open(&e)?;
                doc.close("");
            }
            Event::End(_) => {
                doc.close(text.trim());
                text.clear();
            }
            Event::Text(t) => {
                let t = t.unescape().map_err(|e| malformed(&e.to_string()))?;
                if doc.stack.is_empty() && !t.trim().is_empty() {
                    return Err(malformed("text outside the root element"));
                }
                text.push_str(&t);
            }
            Event::CData(c) => {
                let c = c.decode().map_err(|e| malformed(&e.to_string()))?;
                text.push_str(&c);
            }
            // Refused whatever it declares: an alert never needs a DTD, and
            // this is where entity bombs and external entities live.
            Event::DocType(_) => return Err(malformed("DOCTYPE declarations are refused")),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    doc.finish()
}

/// The smallest and largest side, in pixels, of a picture a camera or a citizen sends.
const MIN_SIDE: u16 = 8;
const MAX_SIDE: u16 = 16_384;

/// What a JPEG's headers say about the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegInfo {
    pub width: u16,
    pub height: u16,
    /// 1 (grey) or 3 (colour).
    pub components: u8,
}

/// True when the bytes are a JPEG picture: see [`jpeg_info`].
pub fn is_jpeg(bytes: &[u8]) -> bool {
    jpeg_info(bytes).is_some()
}

/// The picture's size and components when the bytes are a JPEG picture: SOI and the start of a
/// marker (`FF D8 FF`) at the start, EOI (`FF D9`) at the end (some cameras pad a picture part
/// with zero bytes, so trailing zeros are ignored), and headers that a JPEG decoder reads up
/// to the start of the scan: quantisation and Huffman tables, and a frame of 8 to 16,384
/// pixels a side with 1 or 3 components. The entropy-coded data itself is not decoded: ingest
/// must keep 2,000 captures a second on two cores, which leaves no room for decoding every
/// picture, and every picture is seen by a reviewer before it counts.
pub fn jpeg_info(bytes: &[u8]) -> Option<JpegInfo> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::options::DecoderOptions;

    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let body = &bytes[..end];
    if body.len() < 5 || !body.starts_with(&[0xFF, 0xD8, 0xFF]) || !body.ends_with(&[0xFF, 0xD9]) {
        return None;
    }
    let options = DecoderOptions::default()
        .set_max_width(usize::from(MAX_SIDE))
        .set_max_height(usize::from(MAX_SIDE));
    if !segments_are_well_formed(body) {
        return None;
    }
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(body), options);
    decoder.decode_headers().ok()?;
    let info = decoder.info()?;
    let plausible = (MIN_SIDE..=MAX_SIDE).contains(&info.width)
        && (MIN_SIDE..=MAX_SIDE).contains(&info.height)
        && matches!(info.components, 1 | 3);
    plausible.then_some(JpegInfo {
        width: info.width,
        height: info.height,
        components: info.components,
    })
}

/// True when the whole file is JPEG segments and entropy-coded scans, in order, ending at EOI:
/// every segment's length lands on the next marker, and inside a scan a `FF` byte is followed
/// only by a stuffed `00` or a restart marker, until the marker that ends the scan. One pass,
/// no decoding: random bytes or another file after the headers break it at once (text
/// without `FF` bytes does not; a reviewer still sees every picture).
fn segments_are_well_formed(body: &[u8]) -> bool {
    let mut at = 2; // after SOI
    loop {
        // A marker: FF, any fill FFs, then its code.
        if body.get(at) != Some(&0xFF) {
            return false;
        }
        while body.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let Some(&code) = body.get(at + 1) else {
            return false;
        };
        match code {
            0xD9 => return at + 2 == body.len(),
            0x01 | 0xD0..=0xD7 => {
                at += 2;
                continue;
            }
            _ => {}
        }
        let Some(len) = body.get(at + 2..at + 4) else {
            return false;
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        if len < 2 {
            return false;
        }
        at += 2 + len;
        if code != 0xDA {
            continue;
        }
        // The scan's entropy-coded data, up to the next marker.
        loop {
            let Some(ff) = body.get(at..).and_then(|rest| memchr::memchr(0xFF, rest)) else {
                return false;
            };
            at += ff;
            match body.get(at + 1) {
                Some(0x00 | 0xD0..=0xD7) => at += 2,
                Some(_) => break,
                None => return false,
            }
        }
    }
}

/// Our reason or quick-xml's message (which quotes at most names from the
/// sender's own document), capped so that a reply stays short.
fn malformed(detail: &str) -> IsapiError {
    IsapiError::Malformed(detail.chars().take(200).collect())
}

/// Streams the document into path-keyed texts; conversion waits for `finish`
/// so that what is kept does not depend on element order.
#[derive(Default)]
struct Collector {
    /// Local names of the open elements, root first.
    stack: Vec<String>,
    seen_root: bool,
    fields: Fields,
    pictures: Vec<Fields>,
    /// Index in `stack` of the open outermost `pictureInfo`.
    picture_at: Option<usize>,
    elements: usize,
}

impl Collector {
    fn open(&mut self, e: &BytesStart<'_>) -> Result<(), IsapiError> {
        if self.stack.len() == MAX_DEPTH {
            return Err(malformed("elements nested too deeply"));
        }
        let name = std::str::from_utf8(e.local_name().into_inner())
            .map_err(|_| malformed("element name is not UTF-8"))?;
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(malformed("too many elements"));
        }
        // Attributes are not used, but a broken one means a broken document.
        for (i, attr) in e.attributes().enumerate() {
            if i == MAX_ATTRIBUTES {
                return Err(malformed("too many attributes on one element"));
            }
            attr.map_err(|e| malformed(&format!("bad attribute: {e}")))?;
        }
        if self.stack.is_empty() {
            if self.seen_root {
                return Err(malformed("more than one root element"));
            }
            if name != ROOT {
                return Err(IsapiError::NotAnAlert);
            }
            self.seen_root = true;
        }
        if name == "pictureInfo" && self.picture_at.is_none() {
            if self.pictures.len() == MAX_PICTURES {
                return Err(malformed("too many pictures in one alert"));
            }
            self.picture_at = Some(self.stack.len());
            self.pictures.push(Fields::new());
        }
        self.stack.push(name.to_owned());
        Ok(())
    }

    /// Closes the innermost element, keeping its text if its path is known.
    /// quick-xml has already checked that the end tag matches.
    fn close(&mut self, text: &str) {
        let depth = self.stack.len();
        let (fields, known, from) = match (self.picture_at, self.pictures.last_mut()) {
            (Some(at), Some(picture)) if depth > at + 1 => (picture, PICTURE_FIELDS, at + 1),
            _ => (&mut self.fields, FIELDS, 1),
        };
        if let Some(path) = self.stack.get(from..).map(|rest| rest.join("/")) {
            if let Some(key) = known.iter().find(|k| **k == path) {
                fields.insert(key, text.to_owned());
            }
        }
        self.stack.pop();
        if self.picture_at == Some(self.stack.len()) {
            self.picture_at = None;
        }
    }

    fn finish(self) -> Result<Alert, IsapiError> {
        if !self.seen_root {
            return Err(malformed("no root element"));
        }
        if !self.stack.is_empty() {
            return Err(malformed("the document ends inside an element"));
        }
        let f = &self.fields;
        let mac = required(f, "macAddress")?;
        let mac = normalise_mac(mac).ok_or(IsapiError::Bad("macAddress"))?;
        let channel = non_empty(f, "channelID")
            .or_else(|| non_empty(f, "dynChannelID"))
            .ok_or(IsapiError::Missing("channelID"))?
            .to_owned();
        let camera_time =
            parse_time(required(f, "dateTime")?).ok_or(IsapiError::Bad("dateTime"))?;
        let event_type = required(f, "eventType")?.to_owned();
        let anpr = f.contains_key("ANPR").then(|| anpr(f)).transpose()?;
        let gps = f
            .contains_key("DeviceGPSInfo")
            .then(|| gps(f))
            .transpose()?;
        let pictures = self
            .pictures
            .iter()
            .map(picture)
            .collect::<Result<_, _>>()?;
        Ok(Alert {
            mac,
            channel,
            ip: text(f, "ipAddress"),
            event_type,
            event_state: text(f, "eventState"),
            camera_time,
            uuid: non_empty(f, "UUID").map(str::to_owned),
            retransmission: flag(f, "isDataRetransmission")?,
            anpr,
            gps,
            pictures,
        })
    }
}

fn anpr(f: &Fields) -> Result<Anpr, IsapiError> {
    let speed = match number(f, "ANPR/vehicleInfo/speed")? {
        Some(speed) => Some(speed),
        None => number(f, "ANPR/speed")?,
    };
    let confidence = number(f, "ANPR/confidenceLevel")?;
    if confidence.is_some_and(|c| c > 100) {
        return Err(IsapiError::Bad("ANPR/confidenceLevel"));
    }
    Ok(Anpr {
        plate: text(f, "ANPR/licensePlate"),
        original_plate: text(f, "ANPR/originalLicensePlate"),
        plate_colour: text(f, "ANPR/plateColor"),
        plate_type: text(f, "ANPR/plateType"),
        direction: text(f, "ANPR/direction"),
        lane: number(f, "ANPR/line")?,
        confidence,
        vehicle_type: text(f, "ANPR/vehicleType"),
        vehicle_colour: text(f, "ANPR/vehicleInfo/color"),
        two_wheel: flag(f, "ANPR/twoWheelVehicle")?,
        speed,
    })
}

/// One axis of `DeviceGPSInfo`: paths of its degree, minute and sec, of its
/// hemisphere letter, the letters for positive and negative, and the range.
struct Axis([&'static str; 3], &'static str, (char, char), f64);

#[rustfmt::skip]
const LONGITUDE: Axis = Axis(["DeviceGPSInfo/Longitude/degree", "DeviceGPSInfo/Longitude/minute",
    "DeviceGPSInfo/Longitude/sec"], "DeviceGPSInfo/longitudeType", ('E', 'W'), 180.0);
#[rustfmt::skip]
const LATITUDE: Axis = Axis(["DeviceGPSInfo/Latitude/degree", "DeviceGPSInfo/Latitude/minute",
    "DeviceGPSInfo/Latitude/sec"], "DeviceGPSInfo/latitudeType", ('N', 'S'), 90.0);

/// ISAPI sends each axis as unsigned degree/minute/sec plus a hemisphere
/// letter; every part is required once `DeviceGPSInfo` is present, because a
/// guessed hemisphere would put the camera on the wrong continent.
fn gps(f: &Fields) -> Result<Gps, IsapiError> {
    Ok(Gps {
        longitude: axis(f, &LONGITUDE)?,
        latitude: axis(f, &LATITUDE)?,
    })
}

fn axis(f: &Fields, &Axis(dms, hemisphere, (pos, neg), max): &Axis) -> Result<f64, IsapiError> {
    let mut parts = [0.0_f64; 3];
    for (part, key) in parts.iter_mut().zip(dms) {
        *part = required(f, key)?
            .parse()
            .map_err(|_| IsapiError::Bad(key))?;
        if !(part.is_finite() && *part >= 0.0) {
            return Err(IsapiError::Bad(key));
        }
    }
    let [degree, minute, sec] = parts;
    if minute >= 60.0 {
        return Err(IsapiError::Bad(dms[1]));
    }
    if sec >= 60.0 {
        return Err(IsapiError::Bad(dms[2]));
    }
    let value = degree + minute / 60.0 + sec / 3600.0;
    if value > max {
        return Err(IsapiError::Bad(dms[0]));
    }
    let mut letters = required(f, hemisphere)?
        .chars()
        .map(|c| c.to_ascii_uppercase());
    match (letters.next(), letters.next()) {
        (Some(c), None) if c == pos => Ok(value),
        (Some(c), None) if c == neg => Ok(-value),
        _ => Err(IsapiError::Bad(hemisphere)),
    }
}

fn picture(p: &Fields) -> Result<PictureRef, IsapiError> {
    let plate_rect = match RECT.map(|key| number(p, key)) {
        [Ok(None), Ok(None), Ok(None), Ok(None)] => None,
        [Ok(Some(x)), Ok(Some(y)), Ok(Some(width)), Ok(Some(height))] => Some(Rect {
            x,
            y,
            width,
            height,
        }),
        _ => return Err(IsapiError::Bad("pictureInfo/plateRect")),
    };
    Ok(PictureRef {
        file_name: text(p, "fileName"),
        kind: text(p, "type"),
        plate_rect,
    })
}

fn non_empty<'f>(f: &'f Fields, key: &str) -> Option<&'f str> {
    f.get(key).map(String::as_str).filter(|s| !s.is_empty())
}

fn required<'f>(f: &'f Fields, key: &'static str) -> Result<&'f str, IsapiError> {
    non_empty(f, key).ok_or(IsapiError::Missing(key))
}

fn text(f: &Fields, key: &str) -> String {
    f.get(key).cloned().unwrap_or_default()
}

/// Absent or empty is `None`; anything but a plain unsigned integer is bad.
fn number(f: &Fields, key: &'static str) -> Result<Option<u32>, IsapiError> {
    non_empty(f, key)
        .map(|s| s.parse().map_err(|_| IsapiError::Bad(key)))
        .transpose()
}

/// ISAPI uses `true`/`false` in some places and `yes`/`no` in others.
fn flag(f: &Fields, key: &'static str) -> Result<bool, IsapiError> {
    match non_empty(f, key).map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "no" | "0") => Ok(false),
        Some("true" | "yes" | "1") => Ok(true),
        Some(_) => Err(IsapiError::Bad(key)),
    }
}

/// Six hex pairs separated by `:` or `-`, returned lowercase with `:`.
fn normalise_mac(raw: &str) -> Option<String> {
    let pairs: Vec<&str> = raw.split([':', '-']).collect();
    let ok = pairs.len() == 6
        && pairs
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| pairs.join(":").to_ascii_lowercase())
}

/// RFC 3339 (`2023-08-11T13:49:00+08:00`, `...Z`), or the same with a
/// colon-less offset (`+0800`). No offset at all is refused.
fn parse_time(raw: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
}
