//! SUP-02: a year of simulated traffic (`simulated.rs`) with planted faults, the issue's
//! evaluation in small, in memory.
//! Clean devices must raise (almost) no findings, planted faults must be found on every device
//! busy enough for the fault to show above counting noise.

use chrono::NaiveDate;

use super::simulated::{self, Device, Fault, Rng, CLASSES, EXPECTED};
use super::*;

/// A year of one device of `class` (2025); faults start in October.
fn year(rng: &mut Rng, class: usize, fault: Fault) -> Vec<DayFigures> {
    let device = Device {
        weekday_captures: CLASSES[class],
        fault,
        fault_from: d(10, 1),
    };
    simulated::year(rng, device, d(1, 1), 365)
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, day).unwrap()
}

fn analysed(days: &[DayFigures], month: u32) -> Analysis {
    let period = Period::month(2025, month).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    analyse(
        days,
        period,
        today,
        &Calendar::default(),
        &Thresholds::default(),
    )
}

#[test]
fn sup_02_clean_devices_raise_at_most_one_percent_false_alarms() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut flagged, mut total) = (0, 0);
    for device in 0..120 {
        let days = year(&mut rng, device % CLASSES.len(), Fault::None);
        for month in 7..=12 {
            total += 1;
            if analysed(&days, month).is_abnormal() {
                flagged += 1;
            }
        }
    }
    assert!(
        flagged * 100 <= total,
        "{flagged} of {total} clean device-months flagged"
    );
}

#[test]
fn sup_02_planted_faults_are_found_on_devices_busy_enough_to_show_them() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for (fault, kind, from_class) in EXPECTED {
        for device in 0..24 {
            let class = device % CLASSES.len();
            let a = analysed(&year(&mut rng, class, fault), 10);
            if class >= from_class {
                assert!(
                    a.findings.iter().any(|f| f.kind == kind),
                    "{fault:?} missed on a device of class {class}: {:?}",
                    a.findings
                );
            }
        }
    }
}
