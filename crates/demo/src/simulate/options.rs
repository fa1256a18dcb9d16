//! The command line of `roadwarden simulate` and the options of a run.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use roadwarden_domain::org::Country;
use roadwarden_server::Clock;

use super::device_files::{load_devices, parse_inline_device, SimDevice};
use super::plates::{load_plates, PlateEntry};

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
    pub(super) fn total(&self) -> u64 {
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
