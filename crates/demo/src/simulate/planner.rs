//! The schedule's events: which device pushes which plate for which violation, and which
//! accepted event is sent again.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use roadwarden_domain::org::Country;
use roadwarden_server::Clock;

use super::device_files::SimDevice;
use super::lock;
use super::options::Options;
use super::plates::{chinese_plate, vietnamese_plate, PlateEntry};

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
pub(super) struct Event {
    pub(super) device: usize,
    pub(super) isapi: bool,
    pub(super) event_id: String,
    pub(super) plate: String,
    pub(super) plate_colour: String,
    pub(super) vehicle_type: String,
    pub(super) violation: Option<String>,
    pub(super) captured_at: DateTime<FixedOffset>,
    pub(super) lane: i32,
    /// ISAPI `direction`: forward or reverse.
    pub(super) direction: &'static str,
    /// JSON `direction`: the way the road is travelled, as the ledger writes it.
    pub(super) heading: &'static str,
    pub(super) confidence: i32,
    pub(super) speed: Option<(i32, i32)>,
    pub(super) image_seed: u64,
    pub(super) resend: bool,
}

pub(super) struct Planner {
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
    pub(super) fn new(options: &Options, devices: Arc<[SimDevice]>) -> Planner {
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
    pub(super) fn next(&mut self, accepted: &Mutex<Vec<Event>>) -> Event {
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

#[cfg(test)]
mod tests {
    use super::super::device_files::parse_inline_device;
    use super::*;

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
}
