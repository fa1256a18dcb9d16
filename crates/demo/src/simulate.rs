//! `roadwarden simulate`: pushes realistic capture traffic from devices to a running server, at
//! a chosen rate, the way the cameras do: Hikvision ISAPI alerts (`EventNotificationAlert` with
//! the plate and vehicle pictures) and JSON-in-multipart pushes, each with a drawn road photo
//! whose plate is the one reported, and now and then a resend of an event already delivered, to
//! exercise de-duplication. A summary tells what the server answered.
//!
//! The schedule is open-loop: push *i* is due at `start + i / rate` whatever happened to the
//! earlier ones, so a slow server shows as latency and lag, not as a quietly lower rate. At most
//! `--concurrency` pushes are in flight; when all are busy the next waits, and the summary says
//! how far the schedule fell behind.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, FixedOffset, SecondsFormat};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::multipart::{Form, Part};
use roadwarden_domain::capture::plate::{read_plate, PlateColour, PlateReading};
use roadwarden_domain::org::Country;
use roadwarden_server::Clock;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use crate::scene::{self, PlateTint, SceneSpec};

/// The command line.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The server's base address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// A file listing the devices: TOML (`[[device]]` tables) or CSV with a header row; fields
    /// number, key_id, secret, mac, channel, violations (`1625;1208`), country (CN or VN).
    #[arg(long, value_name = "FILE")]
    pub devices: Option<PathBuf>,
    /// A device on the command line (repeatable). Without MAC and channel it pushes JSON only.
    #[arg(long = "device", value_name = "NUMBER:KEY:SECRET[:MAC:CHANNEL]")]
    pub device: Vec<String>,
    /// Violation codes the --device devices are published for (comma-separated). Without
    /// them, JSON pushes carry no violation code and ISAPI pushes let the server pick the
    /// device's only one.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub violations: Vec<String>,
    /// Country of the --device devices (and of file rows without one): CN or VN.
    #[arg(long, default_value = "CN")]
    pub country: String,
    /// Pushes per second.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Pushes in all (100 unless --duration is given).
    #[arg(long)]
    pub count: Option<u64>,
    /// Push for this many seconds (with --count, whichever ends first).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// Share of pushes sent as Hikvision ISAPI alerts, in percent (devices with a MAC only).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub isapi_share: u8,
    /// Share of pushes that resend an event already accepted, in percent.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub duplicate_share: u8,
    /// Plates to draw from, one a line (`浙E12345` or `浙E12345,blue`), e.g. the registered
    /// vehicles of the demo; without it plates are made up.
    #[arg(long, value_name = "FILE")]
    pub plates: Option<PathBuf>,
    /// Seed for plates, devices, violations and pictures (event ids are always fresh).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Most pushes in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Size of the scene photo.
    #[arg(long, default_value = "1280x720", value_parser = parse_size, value_name = "WxH")]
    pub image_size: (u16, u16),
    /// Give up on a push after this many seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_size(raw: &str) -> Result<(u16, u16), String> {
    let (w, h) = raw
        .split_once(['x', 'X'])
        .ok_or_else(|| "write it as WIDTHxHEIGHT, e.g. 1280x720".to_owned())?;
    let n = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|v| (64..=8192).contains(v))
            .ok_or_else(|| format!("{s} is not a size between 64 and 8192"))
    };
    Ok((n(w)?, n(h)?))
}

/// A device that pushes.
#[derive(Debug, Clone)]
pub struct SimDevice {
    pub number: String,
    pub key_id: String,
    pub secret: String,
    /// For ISAPI pushes (normalised, `bc:5e:33:62:2a:5c`); without it the device pushes JSON.
    pub mac: Option<String>,
    pub channel: Option<String>,
    pub violations: Vec<String>,
    pub country: Country,
}

/// A plate to report, with its colour (a server colour name).
#[derive(Debug, Clone)]
pub struct PlateEntry {
    pub plate: String,
    pub colour: String,
    pub country: Country,
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub devices: Vec<SimDevice>,
    pub rate: f64,
    /// With neither count nor duration, 100 pushes.
    pub count: Option<u64>,
    pub duration: Option<Duration>,
    pub isapi_share: u8,
    pub duplicate_share: u8,
    /// Empty: plates are made up.
    pub plates: Vec<PlateEntry>,
    pub seed: u64,
    pub concurrency: usize,
    pub width: u16,
    pub height: u16,
    pub timeout: Duration,
    pub progress: bool,
    /// Stop on Ctrl-C (first: stop scheduling and wait for pushes in flight; second: abandon
    /// them) and still report.
    pub ctrl_c: bool,
    /// What "now" is for capture times.
    pub clock: Clock,
}

impl Options {
    /// The defaults of the command line, for `devices` pushing to `url`.
    pub fn new(url: impl Into<String>, devices: Vec<SimDevice>) -> Options {
        Options {
            url: url.into(),
            devices,
            rate: 5.0,
            count: None,
            duration: None,
            isapi_share: 50,
            duplicate_share: 2,
            plates: Vec::new(),
            seed: 0,
            concurrency: 16,
            width: 1280,
            height: 720,
            timeout: Duration::from_secs(30),
            progress: false,
            ctrl_c: false,
            clock: Clock::System,
        }
    }

    pub fn from_args(args: SimulateArgs) -> anyhow::Result<Options> {
        let country =
            Country::parse(&args.country).map_err(|e| anyhow::anyhow!("--country {e}"))?;
        let violations: Vec<String> = args
            .violations
            .iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        let mut devices = Vec::new();
        if let Some(path) = &args.devices {
            devices.extend(load_devices(path, country)?);
        }
        for raw in &args.device {
            devices.push(parse_inline_device(raw, country, &violations)?);
        }
        if devices.is_empty() {
            bail!("name at least one device: --devices FILE or --device NUMBER:KEY:SECRET");
        }
        let plates = match &args.plates {
            Some(path) => load_plates(path)?,
            None => Vec::new(),
        };
        if !(args.rate.is_finite() && args.rate > 0.0) {
            bail!("--rate must be a positive number of pushes per second");
        }
        if args.concurrency == 0 {
            bail!("--concurrency must be at least 1");
        }
        let duration = match args.duration {
            Some(d) if d.is_finite() && d > 0.0 => Some(Duration::from_secs_f64(d)),
            Some(_) => bail!("--duration must be a positive number of seconds"),
            None => None,
        };
        Ok(Options {
            rate: args.rate,
            count: args.count,
            duration,
            isapi_share: args.isapi_share,
            duplicate_share: args.duplicate_share,
            plates,
            seed: args.seed.unwrap_or_else(rand::random),
            concurrency: args.concurrency,
            width: args.image_size.0,
            height: args.image_size.1,
            timeout: Duration::from_secs(args.timeout.max(1)),
            progress: !args.quiet,
            ctrl_c: true,
            ..Options::new(args.url, devices)
        })
    }

    /// How many pushes the schedule holds.
    fn total(&self) -> u64 {
        let by_time = self
            .duration
            .map(|d| (d.as_secs_f64() * self.rate).ceil() as u64);
        match (self.count, by_time) {
            (Some(c), Some(t)) => c.min(t),
            (Some(c), None) => c,
            (None, Some(t)) => t,
            (None, None) => 100,
        }
    }
}

/// The command: run, print the summary; fails (exit 1) when any push was refused or failed.
pub async fn main(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let options = Options::from_args(args)?;
    let summary = run(options).await?;
    print!("{summary}");
    Ok(if summary.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

// ---------------------------------------------------------------------------------------------
// Devices and plates from files

/// Reads a devices file: TOML when it ends in `.toml` or holds `[[`, else CSV.
pub fn load_devices(path: &Path, default_country: Country) -> anyhow::Result<Vec<SimDevice>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        || (path
            .extension()
            .is_none_or(|e| !e.eq_ignore_ascii_case("csv"))
            && text.contains("[["));
    let rows = if toml {
        toml_rows(&text).with_context(|| format!("{name} is not a devices TOML file"))?
    } else {
        csv_rows(&text).with_context(|| format!("{name} is not a devices CSV file"))?
    };
    let devices = rows
        .into_iter()
        .map(|(at, row)| {
            device_from_row(&row, default_country).with_context(|| format!("{name}, {at}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if devices.is_empty() {
        bail!("{name} lists no devices");
    }
    Ok(devices)
}

type Row = HashMap<String, String>;

fn toml_rows(text: &str) -> anyhow::Result<Vec<(String, Row)>> {
    let doc: toml::Table = toml::from_str(text)?;
    let list = doc
        .get("device")
        .or_else(|| doc.get("devices"))
        .and_then(toml::Value::as_array)
        .context("expected [[device]] tables")?;
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            let table = v.as_table().context("each [[device]] must be a table")?;
            let row = table
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        toml::Value::String(s) => s.clone(),
                        toml::Value::Array(items) => items
                            .iter()
                            .map(|i| match i {
                                toml::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(";"),
                        other => other.to_string(),
                    };
                    (k.to_ascii_lowercase(), text)
                })
                .collect();
            Ok((format!("device {}", i + 1), row))
        })
        .collect()
}

fn csv_rows(text: &str) -> anyhow::Result<Vec<(String, Row)>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, csv::Position::line);
        let row = headers
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_owned))
            .collect();
        rows.push((format!("line {line}"), row));
    }
    Ok(rows)
}

fn device_from_row(row: &Row, default_country: Country) -> anyhow::Result<SimDevice> {
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| row.get(*k))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let need = |keys: &[&str]| get(keys).with_context(|| format!("{} is missing", keys[0]));
    let country = match get(&["country"]) {
        Some(c) => Country::parse(&c).map_err(|e| anyhow::anyhow!("country {e}"))?,
        None => default_country,
    };
    let violations = get(&["violations", "violation_codes", "violation_types"])
        .map(|v| {
            v.split([';', ',', ' ', '|'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let (mac, channel) = mac_and_channel(get(&["mac", "mac_address"]), get(&["channel"]))?;
    Ok(SimDevice {
        number: need(&["number", "device_number"])?,
        key_id: need(&["key_id", "key"])?,
        secret: need(&["secret"])?,
        mac,
        channel,
        violations,
        country,
    })
}

fn mac_and_channel(
    mac: Option<String>,
    channel: Option<String>,
) -> anyhow::Result<(Option<String>, Option<String>)> {
    let Some(mac) = mac else {
        return Ok((None, None));
    };
    // Checked as the server checks it; written lowercase, as Hikvision cameras write it.
    let mac = roadwarden_domain::device::parse_mac(&mac)
        .map_err(|e| anyhow::anyhow!("mac {}", e.reason))?
        .to_ascii_lowercase();
    let channel = channel.unwrap_or_else(|| "1".into());
    if !channel.chars().all(|c| c.is_ascii_digit()) {
        bail!("channel must be a number, not {channel}");
    }
    Ok((Some(mac), Some(channel)))
}

/// `NUMBER:KEY:SECRET[:MAC:CHANNEL]`; the MAC keeps its own colons.
pub fn parse_inline_device(
    raw: &str,
    country: Country,
    violations: &[String],
) -> anyhow::Result<SimDevice> {
    let usage = || format!("--device {raw}: expected NUMBER:KEY:SECRET[:MAC:CHANNEL]");
    let mut parts = raw.trim().splitn(4, ':');
    let mut next = || {
        parts
            .next()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (Some(number), Some(key_id), Some(secret)) = (next(), next(), next()) else {
        bail!(usage());
    };
    let (mac, channel) = match next() {
        None => (None, None),
        Some(rest) => {
            let Some((mac, channel)) = rest.rsplit_once(':') else {
                bail!("{}, MAC and channel as bc:5e:33:62:2a:5c:1", usage());
            };
            mac_and_channel(Some(mac.to_owned()), Some(channel.to_owned())).with_context(usage)?
        }
    };
    Ok(SimDevice {
        number,
        key_id,
        secret,
        mac,
        channel,
        violations: violations.to_vec(),
        country,
    })
}

/// One plate a line, optionally `,colour`; `#` starts a comment; a `plate` header is skipped.
/// Each plate is checked as the server will check it.
pub fn load_plates(path: &Path) -> anyhow::Result<Vec<PlateEntry>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split([',', '\t', ';']).map(str::trim);
        let plate = fields.next().unwrap_or_default();
        if plate.eq_ignore_ascii_case("plate") {
            continue;
        }
        let colour = fields.next().filter(|c| !c.is_empty());
        let entry = plate_entry(plate, colour)
            .with_context(|| format!("{}, line {}", path.display(), i + 1))?;
        out.push(entry);
    }
    if out.is_empty() {
        bail!("{} lists no plates", path.display());
    }
    Ok(out)
}

fn plate_entry(plate: &str, colour: Option<&str>) -> anyhow::Result<PlateEntry> {
    let country = if plate.starts_with(|c: char| c.is_ascii_digit()) {
        Country::Vietnam
    } else {
        Country::China
    };
    let colour = match colour {
        Some(c) => PlateColour::parse(c).map_err(|e| anyhow::anyhow!("{plate}: {}", e.reason))?,
        None if country == Country::Vietnam => PlateColour::White,
        None if plate.chars().count() == 8 => PlateColour::Green,
        None => PlateColour::Blue,
    };
    match read_plate(country, plate, colour) {
        Ok(PlateReading::Read(p)) => Ok(PlateEntry {
            plate: p.number,
            colour: colour.as_str().to_owned(),
            country,
        }),
        Ok(PlateReading::Unidentified) => bail!("{plate} is not a plate"),
        Err(e) => bail!("{plate}: {} {}", e.field, e.reason),
    }
}

// ---------------------------------------------------------------------------------------------
// Making up traffic

/// GA 36 serial characters: digits and letters without I and O.
const SERIAL_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

fn serial_char(rng: &mut StdRng, letter_share: f64) -> char {
    if rng.gen_bool(letter_share) {
        char::from(*SERIAL_LETTERS.choose(rng).unwrap_or(&b'A'))
    } else {
        char::from(b'0' + rng.gen_range(0..10u8))
    }
}

/// A Chinese plate, mostly of Huzhou (浙E): ordinary blue, large-vehicle yellow, or new-energy
/// green (8 characters, `浙ED12345`). Returns plate, colour and vehicle type.
fn chinese_plate(rng: &mut StdRng) -> (String, &'static str, &'static str) {
    let prefix = if rng.gen_bool(0.88) {
        "浙E"
    } else {
        ["浙A", "浙B", "浙F", "苏E", "皖E", "沪A"]
            .choose(rng)
            .copied()
            .unwrap_or("浙A")
    };
    let kind = rng.gen_range(0..100);
    if kind < 16 {
        let energy = if rng.gen_bool(0.8) { 'D' } else { 'F' };
        let second = serial_char(rng, 0.3);
        let digits: String = (0..4)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        (
            format!("{prefix}{energy}{second}{digits}"),
            "green",
            "small_car",
        )
    } else {
        let mut letters = 0;
        let serial: String = (0..5)
            .map(|_| {
                let c = serial_char(rng, if letters < 2 { 0.18 } else { 0.0 });
                if c.is_ascii_alphabetic() {
                    letters += 1;
                }
                c
            })
            .collect();
        if kind < 24 {
            (format!("{prefix}{serial}"), "yellow", "large_car")
        } else {
            (format!("{prefix}{serial}"), "blue", "small_car")
        }
    }
}

/// A Vietnamese car plate, mostly of Quảng Trị (74): `74A-123.45`, white.
fn vietnamese_plate(rng: &mut StdRng) -> (String, &'static str, &'static str) {
    let province = if rng.gen_bool(0.85) {
        "74"
    } else {
        ["43", "75", "29", "51", "38"]
            .choose(rng)
            .copied()
            .unwrap_or("43")
    };
    let series = if rng.gen_bool(0.8) {
        'A'
    } else {
        *['B', 'C', 'D', 'E', 'F', 'G', 'H', 'K']
            .choose(rng)
            .unwrap_or(&'A')
    };
    let n: u32 = rng.gen_range(0..100_000);
    let vehicle = if series == 'C' { "truck" } else { "car" };
    (
        format!("{province}{series}-{:03}.{:02}", n / 100, n % 100),
        "white",
        vehicle,
    )
}

/// For speed violations: the measured speed and the limit, in the band the code names.
fn speeds(code: &str, rng: &mut StdRng) -> Option<(i32, i32)> {
    let (limits, lo, hi): (&[i32], f64, f64) = match code {
        "1636" => (&[60, 80, 100, 120], 0.05, 0.18),
        "1352" => (&[60, 80, 100, 120], 0.21, 0.48),
        "1603" => (&[40, 60, 80, 100], 0.52, 0.9),
        "VN02" => (&[50, 60, 80, 90], 0.1, 0.6),
        _ => return None,
    };
    let limit = *limits.choose(rng)?;
    let over = (f64::from(limit) * rng.gen_range(lo..hi)).ceil() as i32;
    Some((limit + over, limit))
}

/// One push, as planned; a resend is the same event planned again.
#[derive(Debug, Clone)]
struct Event {
    device: usize,
    isapi: bool,
    event_id: String,
    plate: String,
    plate_colour: String,
    vehicle_type: String,
    violation: Option<String>,
    captured_at: DateTime<FixedOffset>,
    lane: i32,
    /// ISAPI `direction`: forward or reverse.
    direction: &'static str,
    /// JSON `direction`: the way the road is travelled, as the ledger writes it.
    heading: &'static str,
    confidence: i32,
    speed: Option<(i32, i32)>,
    image_seed: u64,
    resend: bool,
}

struct Planner {
    rng: StdRng,
    /// Picks which accepted event to resend: apart from `rng`, because what has been accepted
    /// by then depends on timing, and the fresh events should not.
    pick: StdRng,
    /// Resends drawn while nothing had been accepted yet, made as soon as something has.
    owed: u64,
    devices: Arc<[SimDevice]>,
    plates: Vec<PlateEntry>,
    isapi_share: u8,
    duplicate_share: u8,
    clock: Clock,
}

impl Planner {
    fn new(options: &Options, devices: Arc<[SimDevice]>) -> Planner {
        Planner {
            rng: StdRng::seed_from_u64(options.seed),
            pick: StdRng::seed_from_u64(options.seed ^ 0xD0B1_E5E7),
            owed: 0,
            devices,
            plates: options.plates.clone(),
            isapi_share: options.isapi_share,
            duplicate_share: options.duplicate_share,
            clock: options.clock.clone(),
        }
    }

    /// The next push: a resend of an accepted event (`--duplicate-share` of them), else a
    /// fresh event. The fresh events are the same sequence for a seed however the server
    /// answers: one is drawn for every push, and a resend takes its place.
    fn next(&mut self, accepted: &Mutex<Vec<Event>>) -> Event {
        if self.rng.gen_range(0..100) < self.duplicate_share {
            self.owed += 1;
        }
        let fresh = self.fresh();
        if self.owed > 0 {
            let done = lock(accepted);
            if let Some(original) = done.choose(&mut self.pick) {
                self.owed -= 1;
                return Event {
                    resend: true,
                    ..original.clone()
                };
            }
        }
        fresh
    }

    fn fresh(&mut self) -> Event {
        let rng = &mut self.rng;
        let index = rng.gen_range(0..self.devices.len());
        let device = &self.devices[index];
        let isapi = device.mac.is_some() && rng.gen_range(0..100) < self.isapi_share;
        let known: Vec<&PlateEntry> = self
            .plates
            .iter()
            .filter(|p| p.country == device.country)
            .collect();
        let (plate, plate_colour, vehicle_type) = match known.choose(rng) {
            Some(p) => {
                let vehicle = match (p.country, p.colour.as_str()) {
                    (Country::Vietnam, _) => "car",
                    (_, "yellow") => "large_car",
                    _ => "small_car",
                };
                (p.plate.clone(), p.colour.clone(), vehicle.to_owned())
            }
            None => {
                let (plate, colour, vehicle) = match device.country {
                    Country::China => chinese_plate(rng),
                    Country::Vietnam => vietnamese_plate(rng),
                };
                (plate, colour.to_owned(), vehicle.to_owned())
            }
        };
        let violation = device.violations.choose(rng).cloned();
        let speed = violation.as_deref().and_then(|v| speeds(v, rng));
        let offset = match device.country {
            Country::China => 8,
            Country::Vietnam => 7,
        };
        let tz = FixedOffset::east_opt(offset * 3600).expect("whole-hour offsets are valid");
        // The camera pushes a moment after the shutter.
        let shutter = self.clock.now() - chrono::Duration::milliseconds(rng.gen_range(200..3000));
        let headings: &[&'static str] = match device.country {
            Country::China => &["由东向西", "由西向东", "由南向北", "由北向南"],
            Country::Vietnam => &["Bắc - Nam", "Nam - Bắc", "Đông - Tây", "Tây - Đông"],
        };
        Event {
            device: index,
            isapi,
            event_id: String::new(),
            plate,
            plate_colour,
            vehicle_type,
            violation,
            captured_at: shutter.with_timezone(&tz),
            lane: rng.gen_range(1..=3),
            direction: if rng.gen_bool(0.95) {
                "forward"
            } else {
                "reverse"
            },
            heading: headings.choose(rng).copied().unwrap_or("由东向西"),
            confidence: rng.gen_range(82..=99),
            speed,
            image_seed: rng.gen(),
            resend: false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

fn caption(ev: &Event, device: &SimDevice) -> String {
    let mut s = format!(
        "{}  {}  CH{}  LANE {}",
        ev.captured_at.format("%Y-%m-%d %H:%M:%S"),
        device.number,
        device.channel.as_deref().unwrap_or("1"),
        ev.lane
    );
    if let Some(v) = &ev.violation {
        s.push_str(&format!("  CODE {v}"));
    }
    if let Some((speed, limit)) = ev.speed {
        s.push_str(&format!("  {speed} KM/H  LIMIT {limit}"));
    }
    s
}

/// The ISAPI alert a Hikvision ANPR camera would push for `ev` from `device`.
fn isapi_xml(ev: &Event, device: &SimDevice, plate_rect: [i32; 4]) -> String {
    let [x, y, width, height] = plate_rect.map(|v| u32::try_from(v).unwrap_or(0));
    roadwarden_isapi::write::AnprAlert {
        mac: device.mac.clone().unwrap_or_default(),
        channel: device.channel.clone().unwrap_or_else(|| "1".into()),
        channel_name: device.number.clone(),
        captured_at: ev.captured_at,
        plate: ev.plate.clone(),
        plate_colour: ev.plate_colour.clone(),
        vehicle_type: match ev.vehicle_type.as_str() {
            "large_car" | "truck" => "truck",
            _ => "vehicle",
        }
        .into(),
        speed: ev.speed.map(|(s, _)| s),
        lane: ev.lane,
        direction: ev.direction.into(),
        confidence: ev.confidence,
        index: ev.image_seed % 1000,
        uuid: ev.event_id.clone(),
        retransmission: ev.resend,
        plate_rect: roadwarden_isapi::Rect {
            x,
            y,
            width,
            height,
        },
    }
    .to_xml()
}

/// The JSON of a multipart `capture` part.
fn capture_json(ev: &Event) -> Value {
    let mut v = json!({
        "event_id": ev.event_id,
        "plate": ev.plate,
        "plate_colour": ev.plate_colour,
        "vehicle_type": ev.vehicle_type,
        "captured_at": ev.captured_at.to_rfc3339_opts(SecondsFormat::Millis, false),
        "lane": ev.lane,
        "direction": ev.heading,
        "confidence": ev.confidence,
    });
    if let Some(code) = &ev.violation {
        v["violation_code"] = json!(code);
    }
    if let Some((speed, limit)) = ev.speed {
        v["speed"] = json!(speed);
        v["speed_limit"] = json!(limit);
    }
    if ev.resend {
        v["retransmission"] = json!(true);
    }
    v
}

/// The body of a push, pictures drawn.
struct Prepared {
    path: &'static str,
    query: Option<String>,
    form: Form,
}

fn jpeg_part(bytes: Vec<u8>, name: &str) -> anyhow::Result<Part> {
    Ok(Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("image/jpeg")?)
}

fn prepare(ev: &Event, device: &SimDevice, width: u16, height: u16) -> anyhow::Result<Prepared> {
    let caption = caption(ev, device);
    let spec = SceneSpec {
        plate: &ev.plate,
        tint: PlateTint::from_colour(&ev.plate_colour, &ev.plate),
        seed: ev.image_seed,
        width,
        height,
        caption: &caption,
        quality: 80,
    };
    if ev.isapi {
        let (scene, plate) = scene::render_with_plate(&spec);
        let xml = isapi_xml(ev, device, scene.plate_rect);
        let form = Form::new()
            .part(
                "anpr.xml",
                Part::bytes(xml.into_bytes())
                    .file_name("anpr.xml")
                    .mime_str("application/xml")?,
            )
            .part(
                "licensePlatePicture.jpg",
                jpeg_part(plate, "licensePlatePicture.jpg")?,
            )
            .part(
                "vehiclePicture.jpg",
                jpeg_part(scene.jpeg, "vehiclePicture.jpg")?,
            );
        Ok(Prepared {
            path: "/api/v1/isapi/events",
            query: ev.violation.clone(),
            form,
        })
    } else {
        let scene = scene::render(&spec);
        let form = Form::new()
            .part(
                "capture",
                Part::text(capture_json(ev).to_string()).mime_str("application/json")?,
            )
            .part("scene", jpeg_part(scene.jpeg, "scene.jpg")?);
        Ok(Prepared {
            path: "/api/v1/captures/push",
            query: None,
            form,
        })
    }
}

/// What the server said to one push.
#[derive(Debug)]
enum Outcome {
    Created(Receipt),
    Duplicate,
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    Failed {
        what: String,
        message: String,
    },
}

/// The server's receipt, as far as the summary needs it.
#[derive(Debug, Deserialize)]
struct Receipt {
    capture_id: i64,
    duplicate: bool,
    #[serde(default)]
    state: String,
    #[serde(default)]
    usage: String,
    #[serde(default)]
    flags: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
    #[serde(default)]
    field: Option<String>,
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    device: &SimDevice,
    prepared: Prepared,
) -> (Outcome, Duration) {
    let mut req = client
        .post(format!("{base}{}", prepared.path))
        .basic_auth(&device.key_id, Some(&device.secret))
        .multipart(prepared.form);
    if let Some(code) = &prepared.query {
        req = req.query(&[("violation", code)]);
    }
    let started = Instant::now();
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            let what = if e.is_timeout() {
                "timeout"
            } else {
                "transport"
            };
            return (
                Outcome::Failed {
                    what: what.into(),
                    message: error_chain(&e),
                },
                started.elapsed(),
            );
        }
    };
    let status = resp.status().as_u16();
    let body = resp.bytes().await;
    let latency = started.elapsed();
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            return (
                Outcome::Failed {
                    what: "transport".into(),
                    message: error_chain(&e),
                },
                latency,
            )
        }
    };
    let outcome = match status {
        200 | 201 => match serde_json::from_slice::<Receipt>(&body) {
            Ok(r) if r.duplicate || status == 200 => Outcome::Duplicate,
            Ok(r) => Outcome::Created(r),
            Err(e) => Outcome::Failed {
                what: format!("{status} unreadable receipt"),
                message: e.to_string(),
            },
        },
        _ => {
            let (code, message) = match serde_json::from_slice::<ErrorEnvelope>(&body) {
                Ok(ErrorEnvelope { error }) => {
                    let message = match error.field {
                        Some(f) => format!("{f}: {}", error.message),
                        None => error.message,
                    };
                    (error.code, message)
                }
                // Not a Roadwarden answer: a proxy, another server, a wrong --url.
                Err(_) => {
                    let text: String = String::from_utf8_lossy(&body)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .chars()
                        .take(120)
                        .collect();
                    let reason = reqwest::StatusCode::from_u16(status)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("");
                    let message = if text.is_empty() {
                        format!("{reason}, no error body (is --url a Roadwarden server?)")
                    } else {
                        format!("{reason}: {text}")
                    };
                    ("not-roadwarden".to_owned(), message)
                }
            };
            if (400..500).contains(&status) {
                Outcome::Refused {
                    status,
                    code,
                    message,
                }
            } else {
                Outcome::Failed {
                    what: format!("{status} {code}"),
                    message,
                }
            }
        }
    };
    (outcome, latency)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

// ---------------------------------------------------------------------------------------------
// The run

/// What happened, for printing and for tests.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub url: String,
    pub seed: u64,
    pub target_rate: f64,
    /// Pushes sent (answered or not).
    pub sent: u64,
    pub isapi: u64,
    pub json: u64,
    /// Of `sent`, resends of an accepted event.
    pub resends: u64,
    /// 201: a new capture.
    pub accepted: u64,
    /// The ids of the new captures, in the order they were answered.
    pub capture_ids: Vec<i64>,
    /// 200: the server recognised the event.
    pub duplicates: u64,
    /// 4xx by status and error code, e.g. `422 capture.violation_not_published`.
    pub refused: BTreeMap<String, u64>,
    /// Transport failures, time-outs, 5xx and unreadable answers.
    pub errors: u64,
    /// The first few distinct refusals and errors, with their messages.
    pub problems: Vec<String>,
    /// A resend the server took as new (de-duplication missed it).
    pub resend_accepted_as_new: u64,
    /// A fresh event the server called a duplicate.
    pub new_called_duplicate: u64,
    /// Receipts by usage (enforce, warn_only, refuse), state and flag.
    pub usage: BTreeMap<String, u64>,
    pub states: BTreeMap<String, u64>,
    pub flags: BTreeMap<String, u64>,
    /// From the first push to the last answer.
    pub elapsed: Duration,
    /// Pushes started per second over the sending window.
    pub send_rate: f64,
    /// The latest a push started after its due time (all `--concurrency` slots were busy).
    pub max_lag: Duration,
    pub latency_p50: Option<Duration>,
    pub latency_p99: Option<Duration>,
    pub latency_max: Option<Duration>,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
    /// Pushes abandoned in flight by a second Ctrl-C.
    pub abandoned: u64,
}

impl Summary {
    /// Every push answered 200 or 201.
    pub fn clean(&self) -> bool {
        self.errors == 0 && self.refused.is_empty() && self.abandoned == 0
    }

    pub fn refused_total(&self) -> u64 {
        self.refused.values().sum()
    }

    fn record(&mut self, ev: &Event, device: &SimDevice, outcome: &Outcome) {
        let mut receipt = |r: &Receipt| {
            *self.usage.entry(r.usage.clone()).or_default() += 1;
            *self.states.entry(r.state.clone()).or_default() += 1;
            for f in &r.flags {
                let name = f
                    .get("flag")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                *self.flags.entry(name).or_default() += 1;
            }
        };
        match outcome {
            Outcome::Created(r) => {
                self.accepted += 1;
                self.capture_ids.push(r.capture_id);
                if ev.resend {
                    self.resend_accepted_as_new += 1;
                }
                receipt(r);
            }
            Outcome::Duplicate => {
                self.duplicates += 1;
                if !ev.resend {
                    self.new_called_duplicate += 1;
                }
            }
            Outcome::Refused {
                status,
                code,
                message,
            } => {
                let key = format!("{status} {code}");
                *self.refused.entry(key.clone()).or_default() += 1;
                self.note(&key, message, ev, device);
            }
            Outcome::Failed { what, message } => {
                self.errors += 1;
                self.note(what, message, ev, device);
            }
        }
    }

    fn note(&mut self, key: &str, message: &str, ev: &Event, device: &SimDevice) {
        const KEEP: usize = 5;
        let line = format!("{key}: {message}");
        if self.problems.len() < KEEP && !self.problems.iter().any(|p| p.starts_with(&line)) {
            let via = if ev.isapi { "isapi" } else { "json" };
            self.problems.push(format!(
                "{line} (device {}, {via}, plate {})",
                device.number, ev.plate
            ));
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(i).copied()
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{} {v}", if k.is_empty() { "?" } else { k }))
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "simulate: {} pushes to {} in {:.1} s ({:.2}/s, target {}/s), seed {}",
            self.sent,
            self.url,
            self.elapsed.as_secs_f64(),
            self.send_rate,
            self.target_rate,
            self.seed
        )?;
        writeln!(
            f,
            "  sent              {} ISAPI, {} JSON; {} resends",
            self.isapi, self.json, self.resends
        )?;
        writeln!(f, "  accepted (201)    {}", self.accepted)?;
        writeln!(f, "  duplicates (200)  {}", self.duplicates)?;
        writeln!(f, "  refused (4xx)     {}", self.refused_total())?;
        for (code, n) in &self.refused {
            writeln!(f, "    {code:<40} {n}")?;
        }
        writeln!(f, "  errors            {}", self.errors)?;
        if let (Some(p50), Some(p99), Some(max)) =
            (self.latency_p50, self.latency_p99, self.latency_max)
        {
            writeln!(
                f,
                "  latency           p50 {}, p99 {}, max {}",
                ms(p50),
                ms(p99),
                ms(max)
            )?;
        }
        if !self.usage.is_empty() {
            writeln!(f, "  usage             {}", counts(&self.usage))?;
            writeln!(f, "  state             {}", counts(&self.states))?;
        }
        if !self.flags.is_empty() {
            writeln!(f, "  flags             {}", counts(&self.flags))?;
        }
        if self.resend_accepted_as_new > 0 {
            writeln!(
                f,
                "  ! {} resends were accepted as new captures (de-duplication missed them)",
                self.resend_accepted_as_new
            )?;
        }
        if self.new_called_duplicate > 0 {
            writeln!(
                f,
                "  ! {} new events were answered as duplicates",
                self.new_called_duplicate
            )?;
        }
        if self.max_lag > Duration::from_millis(250) {
            writeln!(
                f,
                "  fell behind schedule by up to {:.1} s: every slot was busy \
                 (raise --concurrency or lower --rate)",
                self.max_lag.as_secs_f64()
            )?;
        }
        if !self.problems.is_empty() {
            writeln!(f, "  first problems:")?;
            for p in &self.problems {
                writeln!(f, "    {p}")?;
            }
        }
        if self.interrupted {
            writeln!(
                f,
                "  stopped by Ctrl-C{}",
                if self.abandoned > 0 {
                    format!("; {} pushes abandoned in flight", self.abandoned)
                } else {
                    String::new()
                }
            )?;
        }
        Ok(())
    }
}

struct Shared {
    summary: Summary,
    latencies: Vec<Duration>,
    last_answer: Option<Instant>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn progress_message(s: &Summary) -> String {
    format!(
        "201:{} 200:{} 4xx:{} err:{}",
        s.accepted,
        s.duplicates,
        s.refused_total(),
        s.errors
    )
}

/// Pushes the planned traffic and reports. Returns once every push has been answered (or
/// abandoned by a second Ctrl-C).
pub async fn run(options: Options) -> anyhow::Result<Summary> {
    if options.devices.is_empty() {
        bail!("no devices to push from");
    }
    if !(options.rate.is_finite() && options.rate > 0.0) {
        bail!("the rate must be a positive number of pushes per second");
    }
    let base = options.url.trim_end_matches('/').to_owned();
    let client = reqwest::Client::builder()
        .timeout(options.timeout)
        .pool_max_idle_per_host(options.concurrency.max(1))
        .user_agent(concat!("roadwarden-simulate/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let total = options.total();
    let devices: Arc<[SimDevice]> = options.devices.clone().into();
    let mut planner = Planner::new(&options, devices.clone());
    let accepted: Arc<Mutex<Vec<Event>>> = Arc::default();
    let shared = Arc::new(Mutex::new(Shared {
        summary: Summary {
            url: base.clone(),
            seed: options.seed,
            target_rate: options.rate,
            ..Summary::default()
        },
        latencies: Vec::new(),
        last_answer: None,
    }));
    let bar = if options.progress {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} [{wide_bar}] {elapsed} {msg}")?
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    bar.set_message(progress_message(&lock(&shared).summary));

    let (stop_tx, mut stop_rx) = mpsc::unbounded_channel::<()>();
    let watcher = options.ctrl_c.then(|| {
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if stop_tx.send(()).is_err() {
                    break;
                }
            }
        })
    });

    let slots = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let period = Duration::from_secs_f64(1.0 / options.rate);
    let start = Instant::now();
    let mut last_start = start;
    let mut interrupted = false;
    let mut max_lag = Duration::ZERO;
    let mut sent = 0u64;
    let (width, height) = (options.width, options.height);

    while sent < total {
        let due = start + period.mul_f64(sent as f64);
        tokio::select! {
            () = tokio::time::sleep_until(due.into()) => {}
            Some(()) = stop_rx.recv() => { interrupted = true; break; }
        }
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p?,
            Some(()) = stop_rx.recv() => { interrupted = true; break; }
        };
        let now = Instant::now();
        max_lag = max_lag.max(now.saturating_duration_since(due));
        last_start = now;
        let mut ev = planner.next(&accepted);
        if !ev.resend {
            ev.event_id = uuid::Uuid::new_v4().to_string();
        }
        sent += 1;
        {
            let mut s = lock(&shared);
            s.summary.sent += 1;
            if ev.isapi {
                s.summary.isapi += 1;
            } else {
                s.summary.json += 1;
            }
            if ev.resend {
                s.summary.resends += 1;
            }
        }
        let (client, base, devices) = (client.clone(), base.clone(), devices.clone());
        let (tally, accepted, bar) = (shared.clone(), accepted.clone(), bar.clone());
        tasks.spawn(async move {
            let _permit = permit;
            let device = &devices[ev.device];
            // Drawing and encoding the pictures is CPU work: off the async threads, and
            // outside the latency, which times the server alone.
            let (ev2, device2) = (ev.clone(), device.clone());
            let built =
                tokio::task::spawn_blocking(move || prepare(&ev2, &device2, width, height)).await;
            let (outcome, latency) = match built {
                Ok(Ok(prepared)) => send(&client, &base, device, prepared).await,
                Ok(Err(e)) => (
                    Outcome::Failed {
                        what: "building the push".into(),
                        message: format!("{e:#}"),
                    },
                    Duration::ZERO,
                ),
                Err(e) => (
                    Outcome::Failed {
                        what: "drawing the picture".into(),
                        message: e.to_string(),
                    },
                    Duration::ZERO,
                ),
            };
            if matches!(outcome, Outcome::Created(_)) && !ev.resend {
                let mut done = lock(&accepted);
                if done.len() >= 1000 {
                    done.swap_remove(0);
                }
                done.push(ev.clone());
            }
            let mut s = lock(&tally);
            s.summary.record(&ev, device, &outcome);
            if !matches!(outcome, Outcome::Failed { .. }) {
                s.latencies.push(latency);
            }
            s.last_answer = Some(Instant::now());
            bar.set_message(progress_message(&s.summary));
            bar.inc(1);
        });
        while let Some(done) = tasks.try_join_next() {
            reap(done, &shared);
        }
    }

    if interrupted && !tasks.is_empty() {
        let waiting = tasks.len();
        bar.suspend(|| {
            eprintln!(
                "stopping: waiting for {waiting} pushes in flight (Ctrl-C again to abandon them)"
            );
        });
    }
    loop {
        tokio::select! {
            next = tasks.join_next() => match next {
                Some(done) => reap(done, &shared),
                None => break,
            },
            Some(()) = stop_rx.recv() => {
                interrupted = true;
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                break;
            }
        }
    }
    if let Some(w) = watcher {
        w.abort();
    }
    bar.finish_and_clear();

    let mut s = lock(&shared);
    let end = s.last_answer.unwrap_or_else(Instant::now).max(last_start);
    let mut latencies = std::mem::take(&mut s.latencies);
    latencies.sort();
    let mut summary = s.summary.clone();
    summary.elapsed = end.saturating_duration_since(start);
    let window = last_start.saturating_duration_since(start).as_secs_f64();
    summary.send_rate = if summary.sent > 1 && window > 0.0 {
        (summary.sent - 1) as f64 / window
    } else {
        summary.sent as f64 / summary.elapsed.as_secs_f64().max(1e-3)
    };
    summary.max_lag = max_lag;
    summary.latency_p50 = percentile(&latencies, 0.5);
    summary.latency_p99 = percentile(&latencies, 0.99);
    summary.latency_max = latencies.last().copied();
    summary.interrupted = interrupted;
    summary.abandoned = summary.sent
        - (summary.accepted + summary.duplicates + summary.refused_total() + summary.errors);
    Ok(summary)
}

/// A push task that panicked is an error like any other (an aborted one is counted as
/// abandoned at the end).
fn reap(done: Result<(), tokio::task::JoinError>, shared: &Mutex<Shared>) {
    if let Err(e) = done {
        if e.is_panic() {
            let mut s = lock(shared);
            s.summary.errors += 1;
            if s.summary.problems.len() < 5 {
                s.summary.problems.push(format!("a push task failed: {e}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    use super::*;

    #[test]
    fn made_up_plates_read_as_the_server_reads_them() {
        let mut rng = StdRng::seed_from_u64(9);
        for _ in 0..2000 {
            let (plate, colour, _) = chinese_plate(&mut rng);
            let colour = PlateColour::parse(colour).unwrap();
            let read = read_plate(Country::China, &plate, colour);
            assert!(
                matches!(read, Ok(PlateReading::Read(_))),
                "{plate}: {read:?}"
            );
            let (plate, colour, _) = vietnamese_plate(&mut rng);
            let colour = PlateColour::parse(colour).unwrap();
            match read_plate(Country::Vietnam, &plate, colour) {
                Ok(PlateReading::Read(p)) => assert_eq!(p.number, plate),
                other => panic!("{plate}: {other:?}"),
            }
        }
    }

    #[test]
    fn resends_do_not_change_the_fresh_events_of_a_seed() {
        let device = parse_inline_device("n:k:s:bc:5e:33:62:2a:5c:1", Country::China, &[]).unwrap();
        let options = Options {
            duplicate_share: 20,
            seed: 11,
            ..Options::new("http://127.0.0.1:1", vec![device])
        };
        let devices: Arc<[SimDevice]> = options.devices.clone().into();
        let (mut a, mut b) = (
            Planner::new(&options, devices.clone()),
            Planner::new(&options, devices.clone()),
        );
        let nothing = Mutex::new(Vec::new());
        let mut seen = Planner::new(&options, devices).fresh();
        seen.event_id = "first".into();
        let some = Mutex::new(vec![seen]);
        let mut resends = 0;
        for _ in 0..200 {
            let (x, y) = (a.next(&nothing), b.next(&some));
            assert!(!x.resend);
            if y.resend {
                resends += 1;
                assert_eq!(y.event_id, "first");
            } else {
                assert_eq!((x.plate, x.image_seed), (y.plate, y.image_seed));
            }
        }
        assert!(resends > 20, "{resends}");
        assert_eq!(a.owed, resends + b.owed);
    }

    #[test]
    fn speeds_fall_in_the_band_of_their_code() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..500 {
            let (s, l) = speeds("1636", &mut rng).unwrap();
            assert!(s > l && f64::from(s - l) / f64::from(l) < 0.2, "{s}/{l}");
            let (s, l) = speeds("1352", &mut rng).unwrap();
            let over = f64::from(s - l) / f64::from(l);
            assert!((0.2..0.5).contains(&over), "{s}/{l}");
            let (s, l) = speeds("1603", &mut rng).unwrap();
            assert!(f64::from(s - l) / f64::from(l) >= 0.5, "{s}/{l}");
        }
        assert!(speeds("1625", &mut rng).is_none());
    }

    #[test]
    fn inline_devices_keep_the_mac_colons() {
        let d = parse_inline_device(
            "330522010201:dk_1:ds_2:BC-5E-33-62-2A-5C:1",
            Country::China,
            &["1625".into()],
        )
        .unwrap();
        assert_eq!(d.mac.as_deref(), Some("bc:5e:33:62:2a:5c"));
        assert_eq!(d.channel.as_deref(), Some("1"));
        let d = parse_inline_device(
            "330522010201:dk_1:ds_2:bc:5e:33:62:2a:5c:2",
            Country::China,
            &[],
        )
        .unwrap();
        assert_eq!(d.mac.as_deref(), Some("bc:5e:33:62:2a:5c"));
        assert_eq!(d.channel.as_deref(), Some("2"));
        let d = parse_inline_device("n:k:s", Country::Vietnam, &[]).unwrap();
        assert!(d.mac.is_none() && d.country == Country::Vietnam);
        assert!(parse_inline_device("n:k", Country::China, &[]).is_err());
        assert!(parse_inline_device("n:k:s:nonsense", Country::China, &[]).is_err());
    }

    #[test]
    fn devices_files_in_toml_and_csv() {
        let dir = tempfile::tempdir().unwrap();
        let toml_path = dir.path().join("devices.toml");
        std::fs::write(
            &toml_path,
            r#"
[[device]]
number = "330522010201"
key_id = "dk_a"
secret = "ds_a"
mac = "bc:5e:33:62:2a:5c"
channel = 1
violations = ["1625", "1208"]

[[device]]
number = "450201030001"
key_id = "dk_b"
secret = "ds_b"
violations = "VN02"
country = "VN"
"#,
        )
        .unwrap();
        let d = load_devices(&toml_path, Country::China).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].channel.as_deref(), Some("1"));
        assert_eq!(d[0].violations, ["1625", "1208"]);
        assert_eq!(d[1].country, Country::Vietnam);
        assert!(d[1].mac.is_none());

        let csv_path = dir.path().join("devices.csv");
        std::fs::write(
            &csv_path,
            "number,key_id,secret,mac,channel,violations,country\n\
             330522010201,dk_a,ds_a,bc:5e:33:62:2a:5c,1,1625;1208,CN\n\
             450201030001,dk_b,ds_b,,,VN02,VN\n",
        )
        .unwrap();
        let c = load_devices(&csv_path, Country::China).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].mac, d[0].mac);
        assert_eq!(c[1].violations, ["VN02"]);

        std::fs::write(&csv_path, "number,key_id\n1,2\n").unwrap();
        let e = load_devices(&csv_path, Country::China).unwrap_err();
        assert!(format!("{e:#}").contains("secret is missing"), "{e:#}");
    }

    #[test]
    fn plates_files_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plates.txt");
        std::fs::write(
            &path,
            "plate,colour\n浙E12345\n浙ED12345 # new energy\n74A-123.45,white\n",
        )
        .unwrap();
        let p = load_plates(&path).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].colour, "green");
        assert_eq!(p[2].country, Country::Vietnam);
        std::fs::write(&path, "浙E1234\n").unwrap();
        assert!(load_plates(&path).is_err());
    }

    #[test]
    fn the_alert_parses_as_the_server_parses_it() {
        let device = parse_inline_device(
            "330522010201:dk:ds:bc:5e:33:62:2a:5c:1",
            Country::China,
            &["1352".into()],
        )
        .unwrap();
        let options = Options {
            isapi_share: 100,
            duplicate_share: 0,
            seed: 5,
            ..Options::new("http://127.0.0.1:1", vec![device.clone()])
        };
        let mut planner = Planner::new(&options, options.devices.clone().into());
        let mut ev = planner.next(&Mutex::default());
        ev.event_id = "7a1c0d7e-0000-4000-8000-000000000001".into();
        ev.resend = true;
        let xml = isapi_xml(&ev, &device, [10, 20, 100, 32]);
        let alert = roadwarden_isapi::parse_alert(xml.as_bytes()).unwrap();
        assert_eq!(alert.mac, "bc:5e:33:62:2a:5c");
        assert_eq!(alert.channel, "1");
        assert_eq!(alert.uuid.as_deref(), Some(ev.event_id.as_str()));
        assert!(alert.retransmission);
        assert_eq!(
            alert.camera_time,
            ev.captured_at.with_nanosecond(0).unwrap()
        );
        assert_eq!(alert.camera_time.offset().local_minus_utc(), 8 * 3600);
        let anpr = alert.anpr.unwrap();
        assert_eq!(anpr.plate, ev.plate);
        assert_eq!(anpr.plate_colour, ev.plate_colour);
        assert_eq!(anpr.lane, Some(ev.lane as u32));
        assert_eq!(anpr.speed.map(|s| s as i32), ev.speed.map(|s| s.0));
        let names: Vec<_> = alert
            .pictures
            .iter()
            .map(|p| p.file_name.as_str())
            .collect();
        assert_eq!(names, ["licensePlatePicture.jpg", "vehiclePicture.jpg"]);
        let rect = alert.pictures[1].plate_rect.unwrap();
        assert_eq!((rect.x, rect.y, rect.width, rect.height), (10, 20, 100, 32));
        let json = capture_json(&ev);
        assert_eq!(json["violation_code"], "1352");
        assert!(json["speed"].as_i64().unwrap() > json["speed_limit"].as_i64().unwrap());
        assert!(json["captured_at"].as_str().unwrap().ends_with("+08:00"));
    }
}
