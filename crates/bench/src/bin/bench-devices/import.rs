//! Part 2: the ledger import of 10,000 rows, validation included.

use super::*;

pub(crate) struct ImportResult {
    pub(crate) rows: usize,
    pub(crate) bytes: usize,
    pub(crate) elapsed: Duration,
    /// Reading and checking every row, up to the first write.
    pub(crate) validation: Option<Duration>,
    /// Rows written per second in each quarter of the writing.
    pub(crate) write_pace: Vec<f64>,
    pub(crate) cpu: Option<CpuUsage>,
}

impl ImportResult {
    pub(crate) fn rows_per_sec(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64()
    }

    pub(crate) fn met(&self) -> bool {
        self.elapsed < IMPORT_TARGET
    }
}

pub(crate) async fn run_import(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<ImportResult> {
    println!(
        "\nbench-devices (ledger import) on {backend} ({})",
        roadwarden_store::redact_url(&url)
    );
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    let state = start_state(&url, data.path(), args.pg_force_custom_plan).await?;
    let now = state.clock.now();
    let tree = seed_units(&state.store, args, now).await?;
    if state.store.backend() == Backend::Postgres && !args.no_analyze {
        // Autovacuum analyzes `units` after the bulk load but never the still empty `devices`
        // (nothing changed there). `--analyze-empty-devices` analyzes everything instead, which
        // is what a registry that already held a few devices looks like to the planner.
        let sql = if args.analyze_empty_devices {
            "ANALYZE"
        } else {
            "ANALYZE units"
        };
        state.store.raw_execute(sql).await?;
        println!("{sql} before the import");
    }
    let csv = ledger_csv(&tree, args.ledger_rows, now)?;
    println!(
        "ledger: {} rows, {} columns, {} bytes",
        args.ledger_rows,
        COLUMNS.len(),
        csv.len()
    );
    // Every progress call with its time: the first half of the progress is checking, the
    // second writing, so the calls show when writing began and how its pace changed.
    let marks: Mutex<Vec<(usize, usize, Instant)>> = Mutex::new(Vec::new());
    let progress = |done: usize, total: usize| {
        if let Ok(mut m) = marks.lock() {
            m.push((done, total, Instant::now()));
        }
    };
    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    let report = Box::pin(ledger::import(
        &state,
        Authority::Operator,
        &RequestMeta::default(),
        "bench.csv",
        &csv,
        ImportOptions::default(),
        &progress,
    ))
    .await
    .map_err(|e| anyhow::anyhow!("import failed: {e} ({e:?})"))?;
    let elapsed = started.elapsed();
    let cpu = cpu_since(cpu.as_ref());
    let marks = marks.into_inner().unwrap_or_default();
    let writes: Vec<(usize, Instant)> = marks
        .iter()
        .filter(|(done, total, _)| done > &(total / 2) && done < total)
        .map(|(done, total, at)| (done - total / 2, *at))
        .collect();
    let validation = writes
        .first()
        .map(|(_, at)| at.saturating_duration_since(started));
    let write_pace = write_pace(&writes);
    if !report.committed {
        for e in report.errors.iter().take(10) {
            println!("  line {}: {}: {}", e.line, e.field, e.reason);
        }
    }
    anyhow::ensure!(
        report.committed,
        "the import was not committed: {} bad rows",
        report.errors.len()
    );
    anyhow::ensure!(
        report.imported == args.ledger_rows as usize,
        "imported {} of {} rows",
        report.imported,
        args.ledger_rows
    );
    let mut tx = state.store.begin_read().await?;
    let (_, stored) = devices::list(
        &mut tx,
        &tree.province.path,
        &devices::DeviceFilter::default(),
        1,
        0,
        true,
    )
    .await?;
    tx.commit().await?;
    anyhow::ensure!(
        stored == Some(i64::from(args.ledger_rows)),
        "{stored:?} devices stored after the import"
    );
    let result = ImportResult {
        rows: report.imported,
        bytes: csv.len(),
        elapsed,
        validation,
        write_pace,
        cpu,
    };
    println!(
        "imported {} rows (encoding {}) in {:.2} s ({:.0} rows/s){}",
        report.imported,
        report.encoding,
        elapsed.as_secs_f64(),
        result.rows_per_sec(),
        validation.map_or(String::new(), |v| format!(
            "; checking took {:.2} s, writing {:.2} s",
            v.as_secs_f64(),
            elapsed.saturating_sub(v).as_secs_f64()
        ))
    );
    if !result.write_pace.is_empty() {
        println!(
            "  writing pace by quarter of the rows: {} rows/s",
            pace_text(&result.write_pace)
        );
    }
    if let Some(cpu) = cpu {
        println!("  {cpu}");
    }
    state.store.close().await;
    drop(data);
    Ok(result)
}

/// Rows written per second in each quarter of the writing, from (rows written, time) marks.
pub(crate) fn write_pace(writes: &[(usize, Instant)]) -> Vec<f64> {
    let Some(&(last_rows, _)) = writes.last() else {
        return Vec::new();
    };
    let mut pace = Vec::new();
    let mut from = writes[0];
    for q in 1..=4 {
        let goal = last_rows * q / 4;
        let Some(&to) = writes.iter().find(|(n, _)| *n >= goal) else {
            break;
        };
        let secs = to.1.saturating_duration_since(from.1).as_secs_f64();
        if to.0 > from.0 && secs > 0.0 {
            pace.push((to.0 - from.0) as f64 / secs);
        }
        from = to;
    }
    pace
}

pub(crate) fn pace_text(pace: &[f64]) -> String {
    pace.iter()
        .map(|p| format!("{p:.0}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A ledger of `rows` devices already in service, with the importer's English headings, every
/// row valid: mostly in formal use, some in trial, stopped or retired; speed cameras with a
/// calibration certificate valid today.
pub(crate) fn ledger_csv(tree: &Tree, rows: u32, now: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    let today = now.date_naive();
    let day = |days_ago: i64| (today - chrono::Duration::days(days_ago)).format("%Y-%m-%d");
    let mut out = String::with_capacity(rows as usize * 420);
    let header: Vec<&str> = COLUMNS.iter().map(|(en, _)| *en).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for i in 0..rows {
        let kind = kind_of(i);
        let squad = &tree.squads[(i as usize) % tree.squads.len()];
        let f = fields_of(i, kind);
        let state = match spread(i, 2) {
            0..=84 => "in_use",
            85..=92 => "trial",
            93..=97 => "stopped",
            _ => "retired",
        };
        let installed_ago = 120 + i64::from(i.wrapping_mul(7_919) % 1_700);
        let in_use_ago = installed_ago - 60;
        let formal = state != "trial";
        let cell = |k: &str| -> String {
            match k {
                "number" => number_of(i, kind),
                "kind" => kind.as_str().into(),
                "unit_code" => squad.code.clone(),
                "name" => f.name.clone(),
                "maintainer" => f.maintainer.clone(),
                "leader" => f.leader.clone(),
                "department" => f.department.clone(),
                "violation_types" => f.violation_types.join(";"),
                "make" => f.make.clone(),
                "model" => f.model.clone(),
                "serial" => f.serial.clone(),
                "mac" => f.mac.clone(),
                "channel" => f.channel.clone(),
                "road" => f.road.clone(),
                "road_class" => f.road_class.map_or("", RoadClass::as_str).into(),
                "km_marker" => f.km_marker.clone(),
                "place" => f.place.clone(),
                "nearest_village" => f.nearest_village.clone(),
                "direction" => f.direction.clone(),
                "longitude" => f.longitude.map_or(String::new(), |v| format!("{v:.6}")),
                "latitude" => f.latitude.map_or(String::new(), |v| format!("{v:.6}")),
                "state" => state.into(),
                "installed_on" => day(installed_ago).to_string(),
                "in_use_since" if formal => day(in_use_ago).to_string(),
                "trial_started" if !formal => day(30).to_string(),
                // Evaluated devices in use: most of them, once their first year is over.
                "evaluated_on" if state == "in_use" && in_use_ago > 400 && i % 5 != 0 => {
                    day(in_use_ago - 365).to_string()
                }
                "last_valid_capture_on" if state == "in_use" => day(1).to_string(),
                "registered_on" if formal && kind.is_fixed() => day(in_use_ago).to_string(),
                "platform_ref" if formal && kind.is_fixed() => format!("ZJ-REG-{i:06}"),
                "calibration_issuer" if f.measuring => "Zhejiang Institute of Metrology".into(),
                "calibration_no" if f.measuring => format!("ZJM-{i:06}"),
                "calibration_valid_from" if f.measuring => day(200).to_string(),
                "calibration_valid_until" if f.measuring => day(-165).to_string(),
                _ => String::new(),
            }
        };
        let cells: Vec<String> = header
            .iter()
            .map(|k| {
                let v = cell(k);
                if v.contains([',', '"', '\n']) {
                    format!("\"{}\"", v.replace('"', "\"\""))
                } else {
                    v
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    anyhow::ensure!(!out.is_empty(), "empty ledger");
    Ok(out.into_bytes())
}

// ---- the summary ---------------------------------------------------------------------------
