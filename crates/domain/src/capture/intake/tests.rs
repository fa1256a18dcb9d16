use super::*;
use chrono::TimeZone;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
}

#[test]
fn cap_00_a_device_declares_only_the_sources_of_its_kind() {
    use CaptureSource as S;
    use DeviceKind as K;
    assert!(S::RedLight.check_for(K::FixedEnforcement).is_ok());
    assert!(S::Speed.check_for(K::Speed).is_ok());
    assert!(S::Mobile.check_for(K::MobileEnforcement).is_ok());
    assert!(S::Handheld.check_for(K::SupportTerminal).is_ok());
    // A camera is neither a terminal nor a citizen; a terminal is always handheld.
    assert!(S::Handheld.check_for(K::FixedEnforcement).is_err());
    assert!(S::Mobile.check_for(K::FixedEnforcement).is_err());
    assert!(S::RedLight.check_for(K::SupportTerminal).is_err());
    for kind in DeviceKind::ALL {
        assert!(S::PublicReport.check_for(kind).is_err(), "{kind:?}");
        assert!(S::default_for(kind).check_for(kind).is_ok(), "{kind:?}");
    }
}

fn facts(history: &[(DateTime<Utc>, DeviceState)]) -> Facts<'_> {
    Facts {
        kind: DeviceKind::FixedEnforcement,
        measuring: false,
        history,
        captured_at: t(8, 0),
        received_at: t(8, 0) + Duration::seconds(2),
        calibrated_at_capture: true,
        missing: vec![],
        plate_read: true,
        exemption: None,
        duplicate_of: None,
        clock_drift_secs: Some(2),
        drift_threshold_secs: 60,
        windows: UploadWindows::default(),
    }
}

#[test]
fn cap_00_every_source_round_trips() {
    for s in CaptureSource::ALL {
        assert_eq!(CaptureSource::parse(s.as_str()), Ok(s));
    }
    assert!(CaptureSource::parse("drone").is_err());
    assert_eq!(
        CaptureSource::default_for(DeviceKind::Speed),
        CaptureSource::Speed
    );
}

#[test]
fn stored_words_round_trip() {
    for s in CaptureSource::ALL {
        assert_eq!(CaptureSource::try_from(s.as_str().to_owned()), Ok(s));
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    for u in CaptureUse::ALL {
        assert_eq!(CaptureUse::try_from(u.as_str().to_owned()), Ok(u));
        assert_eq!(serde_json::to_value(u).unwrap(), u.as_str());
    }
    for k in ExemptionKind::ALL {
        assert_eq!(ExemptionKind::try_from(k.as_str().to_owned()), Ok(k));
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    assert!(CaptureUse::parse("fine").is_err());
    assert!(ExemptionKind::parse("vip").is_err());
}

#[test]
fn flags_are_kept_as_the_json_list_they_were_written_as() {
    let flags = vec![
        Flag::DeviceNotInService {
            state: "suspended".into(),
        },
        Flag::LateUpload { minutes: 42 },
        Flag::Exempt {
            kind: ExemptionKind::Emergency,
        },
        Flag::LikelyDuplicate { of: 7 },
    ];
    // What ingest has always written: serde's list of the flags.
    let written = serde_json::to_string(&flags).unwrap();
    let read = Flags::try_from(written.clone()).unwrap();
    assert_eq!(read, Flags(flags));
    assert_eq!(read.to_json(), written);
    assert_eq!(Flags::parse("[]").unwrap().to_json(), "[]");
    assert!(Flags::parse("").is_err());
    assert!(Flags::parse(r#"[{"flag":"sunny"}]"#).is_err());
}

#[test]
fn cap_01_missing_elements_keep_a_capture_out() {
    let e = Elements {
        vehicle_type: "",
        violation_code: "1625",
        place: " ",
        images: 0,
    };
    assert_eq!(missing_elements(&e), ["vehicle_type", "place", "images"]);
    let history = [(t(0, 0), DeviceState::InUse)];
    let mut f = facts(&history);
    f.missing = missing_elements(&e);
    let p = pre_check(&f);
    assert!(!p.enterable());
    assert!(p.flags.iter().any(|f| f.rule() == "CAP-01"));
}

#[test]
fn cap_02_fixed_devices_real_time_mobile_within_a_day() {
    let w = UploadWindows::default();
    let k = DeviceKind::FixedEnforcement;
    assert!(!is_late(k, t(8, 0), t(8, 9), w));
    assert!(is_late(k, t(8, 0), t(8, 11), w));
    let m = DeviceKind::MobileEnforcement;
    assert!(!is_late(m, t(8, 0), t(8, 0) + Duration::hours(23), w));
    assert!(is_late(m, t(8, 0), t(8, 0) + Duration::hours(25), w));
    let history = [(t(0, 0), DeviceState::InUse)];
    let mut f = facts(&history);
    f.received_at = t(9, 0);
    let p = pre_check(&f);
    assert!(p.enterable(), "late captures are still evidence");
    assert!(p.flags.contains(&Flag::LateUpload { minutes: 60 }));
}

#[test]
fn cap_02_future_times_are_refused_and_drift_is_flagged() {
    let tol = Duration::minutes(5);
    assert!(check_capture_time(t(8, 4), t(8, 0), tol).is_ok());
    assert!(check_capture_time(t(8, 6), t(8, 0), tol).is_err());
    assert_eq!(clock_drift_secs(t(8, 2), t(8, 0)), 120);
    let history = [(t(0, 0), DeviceState::InUse)];
    let mut f = facts(&history);
    f.clock_drift_secs = Some(-120);
    assert!(pre_check(&f)
        .flags
        .contains(&Flag::ClockDrift { seconds: -120 }));
}

#[test]
fn cap_03_trial_captures_are_warnings_only() {
    let history = [(t(0, 0), DeviceState::Trial)];
    let p = pre_check(&facts(&history));
    assert_eq!(p.usage, CaptureUse::WarnOnly);
    assert!(p.enterable());
    assert_eq!(p.flags, [Flag::TrialWarningOnly]);
}

#[test]
fn cap_04_suspended_or_broken_devices_are_not_entered() {
    for state in [DeviceState::Suspended, DeviceState::CircuitBroken] {
        let history = [(t(0, 0), DeviceState::InUse), (t(7, 0), state)];
        let p = pre_check(&facts(&history));
        assert!(!p.enterable(), "{state:?}");
        assert_eq!(p.flags[0].rule(), "CAP-04");
    }
    // Suspended after the capture but before it arrived: still refused (stricter of both).
    let history = [
        (t(0, 0), DeviceState::InUse),
        (t(8, 0) + Duration::seconds(1), DeviceState::Suspended),
    ];
    assert!(!pre_check(&facts(&history)).enterable());
}

#[test]
fn dev_13_uncalibrated_measurements_are_not_entered() {
    let history = [(t(0, 0), DeviceState::InUse)];
    let mut f = facts(&history);
    f.measuring = true;
    f.calibrated_at_capture = false;
    let p = pre_check(&f);
    assert!(!p.enterable());
    assert!(p.flags.contains(&Flag::CalibrationInvalid));
}

#[test]
fn rev_04_exempt_vehicles_are_flagged_for_the_reviewer() {
    let list = [Exemption {
        plate_key: "浙E0001警".into(),
        kind: ExemptionKind::Emergency,
        from: t(0, 0),
        until: Some(t(12, 0)),
    }];
    assert!(exemption_at(&list, "浙E0001警", t(8, 0)).is_some());
    assert!(exemption_at(&list, "浙E0001警", t(12, 0)).is_none());
    assert!(exemption_at(&list, "浙E12345", t(8, 0)).is_none());
    let history = [(t(0, 0), DeviceState::InUse)];
    let mut f = facts(&history);
    f.exemption = Some(ExemptionKind::Emergency);
    f.duplicate_of = Some(7);
    let p = pre_check(&f);
    assert!(p.enterable());
    assert!(p.flags.contains(&Flag::Exempt {
        kind: ExemptionKind::Emergency
    }));
    assert!(p.flags.contains(&Flag::LikelyDuplicate { of: 7 }));
    assert!(is_likely_duplicate(t(8, 0), t(8, 9)));
    assert!(!is_likely_duplicate(t(8, 0), t(8, 10)));
}

#[test]
fn non_enforcing_devices_never_feed_fines() {
    let history = [(t(0, 0), DeviceState::InUse)];
    let mut f = facts(&history);
    f.kind = DeviceKind::TrafficCounting;
    assert!(!pre_check(&f).enterable());
}

#[test]
fn cap_00_implausible_times_and_places_are_refused() {
    let now = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let tol = Duration::seconds(120);
    let old = DateTime::parse_from_rfc3339("1900-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        check_capture_time(old, now, tol).unwrap_err().field,
        "captured_at"
    );
    assert!(check_capture_time(now - Duration::days(400), now, tol).is_ok());
    assert!(check_capture_time(now + Duration::seconds(60), now, tol).is_ok());
    assert!(check_capture_time(now + Duration::hours(1), now, tol).is_err());
    assert_eq!(
        check_coordinates(None, Some(999.0)).unwrap_err().field,
        "latitude"
    );
    assert_eq!(
        check_coordinates(Some(-181.0), None).unwrap_err().field,
        "longitude"
    );
    assert!(check_coordinates(Some(f64::NAN), None).is_err());
    assert!(check_coordinates(Some(119.9), Some(31.0)).is_ok());
}
