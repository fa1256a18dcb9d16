//! Writes `EventNotificationAlert` documents as Hikvision ANPR cameras push them: for the
//! traffic simulator and for tests, next to the parser that reads them back.

use chrono::{DateTime, FixedOffset, SecondsFormat};

use crate::Rect;

/// One ANPR event as a camera reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnprAlert {
    /// Lowercase, colon-separated: `bc:5e:33:62:2a:5c`.
    pub mac: String,
    pub channel: String,
    /// `channelName`: what the installer called the channel (the device number, here).
    pub channel_name: String,
    pub captured_at: DateTime<FixedOffset>,
    pub plate: String,
    pub plate_colour: String,
    /// `vehicle`, or `truck` for large vehicles.
    pub vehicle_type: String,
    /// km/h, for cameras with a speed sensor.
    pub speed: Option<i32>,
    pub lane: i32,
    /// `forward` or `reverse`.
    pub direction: String,
    pub confidence: i32,
    /// `vehicleInfo/index`: the camera's running count.
    pub index: u64,
    /// `UUID`: the event across retransmissions.
    pub uuid: String,
    /// `isDataRetransmission`.
    pub retransmission: bool,
    /// Where the plate is in the vehicle picture.
    pub plate_rect: Rect,
}

/// Text and attribute values escaped for XML.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl AnprAlert {
    /// The document, as a Hikvision ANPR camera's firmware lays it out.
    pub fn to_xml(&self) -> String {
        let ev = self;
        let abs_time = ev.captured_at.format("%Y%m%d%H%M%S%3f");
        let mut hash = 0xcbf2_9ce4_8422_2325_u64;
        for b in self.channel_name.bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        let ip = format!(
            "10.{}.{}.{}",
            hash % 250,
            (hash >> 8) % 250,
            2 + (hash >> 16) % 250
        );
        let plate = xml_escape(&ev.plate);
        let colour = xml_escape(&ev.plate_colour);
        let believe = vec!["99"; ev.plate.chars().count()].join(",");
        let vehicle_type = xml_escape(&ev.vehicle_type);
        let speed = ev
            .speed
            .map(|s| format!("\n      <speed>{s}</speed>"))
            .unwrap_or_default();
        let Rect {
            x,
            y,
            width: w,
            height: h,
        } = ev.plate_rect;
        let tail: String = ev
            .uuid
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect();
        let pid = |n: u8| format!("{abs_time}{n}{tail}");
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
  <ipAddress>{ip}</ipAddress>
  <portNo>80</portNo>
  <protocol>HTTP</protocol>
  <macAddress>{mac}</macAddress>
  <channelID>{channel}</channelID>
  <dateTime>{time}</dateTime>
  <activePostCount>1</activePostCount>
  <eventType>ANPR</eventType>
  <eventState>active</eventState>
  <eventDescription>ANPR</eventDescription>
  <channelName>{number}</channelName>
  <ANPR>
    <licensePlate>{plate}</licensePlate>
    <line>{lane}</line>
    <direction>{direction}</direction>
    <confidenceLevel>{confidence}</confidenceLevel>
    <plateType>unknown</plateType>
    <plateColor>{colour}</plateColor>
    <licenseBright>0</licenseBright>
    <dangmark>no</dangmark>
    <twoWheelVehicle>no</twoWheelVehicle>
    <threeWheelVehicle>no</threeWheelVehicle>
    <plateCharBelieve>{believe}</plateCharBelieve>
    <vehicleType>{vehicle_type}</vehicleType>
    <detectDir>8</detectDir>
    <detectType>0</detectType>
    <alarmDataType>0</alarmDataType>
    <vehicleInfo>
      <index>{index}</index>
      <colorDepth>2</colorDepth>
      <length>0</length>
      <vehicleLogoRecog>0</vehicleLogoRecog>
      <vehileSubLogoRecog>0</vehileSubLogoRecog>
      <vehileModel>0</vehileModel>{speed}
    </vehicleInfo>
    <pictureInfoList>
      <pictureInfo>
        <fileName>licensePlatePicture.jpg</fileName>
        <type>licensePlatePicture</type>
        <dataType>0</dataType>
        <picRecogMode>0</picRecogMode>
        <absTime>{abs_time}</absTime>
        <pId>{pid1}</pId>
      </pictureInfo>
      <pictureInfo>
        <fileName>vehiclePicture.jpg</fileName>
        <type>vehiclePicture</type>
        <dataType>0</dataType>
        <picRecogMode>0</picRecogMode>
        <absTime>{abs_time}</absTime>
        <plateRect>
          <X>{x}</X>
          <Y>{y}</Y>
          <width>{w}</width>
          <height>{h}</height>
        </plateRect>
        <pId>{pid2}</pId>
      </pictureInfo>
    </pictureInfoList>
    <originalLicensePlate>{plate}</originalLicensePlate>
    <CRIndex>0</CRIndex>
    <vehicleListName>otherList</vehicleListName>
    <plateCategory></plateCategory>
    <plateSize>0</plateSize>
  </ANPR>
  <UUID>{uuid}</UUID>
  <picNum>2</picNum>
  <monitoringSiteID>1</monitoringSiteID>
  <isDataRetransmission>{resend}</isDataRetransmission>
</EventNotificationAlert>
"#,
            mac = xml_escape(&ev.mac),
            channel = xml_escape(&ev.channel),
            time = ev.captured_at.to_rfc3339_opts(SecondsFormat::Secs, false),
            number = xml_escape(&ev.channel_name),
            lane = ev.lane,
            direction = xml_escape(&ev.direction),
            confidence = ev.confidence,
            index = ev.index,
            pid1 = pid(1),
            pid2 = pid(2),
            uuid = xml_escape(&ev.uuid),
            resend = ev.retransmission,
        )
    }
}
