//! `roadwarden evidence import <DIR>`: files a docking-station folder of body-worn recorder
//! footage in bulk, from the console, with a progress bar counting bytes.
//!
//! Each file goes through the same path as a resumable upload over tus (BWC-05, BWC-07): the
//! upload is created with its metadata checked (`upload::create`), the file streams into the
//! upload folder while it is hashed (`upload::append`, bounded memory), and the last byte
//! files it (media sniffing, duplicate refusal, lateness, retention, the audit entry). At the
//! end every stored file is re-read and verified, which releases the recorder's copy.
//!
//! Recorders name files `<RECORDER>_<YYYYMMDDHHMMSS>_<YYYYMMDDHHMMSS>.<ext>`: the recorder
//! number, then the local start and end of the recording in the recorder's unit's time zone.
//! A file named otherwise is listed and skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use axum::body::Body;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use clap::Subcommand;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use roadwarden_server::auth::middleware::principal_for_token;
use roadwarden_server::auth::Principal;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::error::AppError;
use roadwarden_server::services::evidence::upload;
use roadwarden_server::services::signin;
use roadwarden_server::{open_state, AppState, Clock, Settings};
use roadwarden_store::sessions::SessionKind;
use roadwarden_store::{evidence as evidence_store, recorders, units};

#[derive(Subcommand)]
pub enum EvidenceCommand {
    /// Import every recording in a docking-station folder (and its subfolders).
    Import {
        dir: PathBuf,
        /// The recorder administrator doing the import (username); recorded as the uploader.
        /// SEC-01: the import acts only with that person's own credential: their password
        /// (from ROADWARDEN_IMPORT_PASSWORD or, with --password-stdin, one line of standard
        /// input), checked by the normal sign-in (lock-out and audit apply), or an API token.
        #[arg(long = "as")]
        as_user: Option<String>,
        /// An API token (`rwt_…`) of the recorder administrator, instead of a password.
        #[arg(long, env = "ROADWARDEN_IMPORT_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// The password of --as; prefer the environment or --password-stdin over the command
        /// line, where other users of the machine can read it.
        #[arg(long, env = "ROADWARDEN_IMPORT_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Read the password of --as from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// The officer who wore the recorder (username or id).
        #[arg(long)]
        officer: String,
        /// BWC-02: the duty recorded.
        #[arg(long, default_value = "other_field_enforcement")]
        activity: String,
        /// A case reference: the files are kept as case evidence (BWC-06).
        #[arg(long, default_value = "")]
        case: String,
        #[arg(long, default_value = "")]
        place: String,
        /// When the officer's duty ended (RFC 3339); default: each recording's end.
        #[arg(long)]
        duty_ended: Option<String>,
        /// When the recorder was handed in (RFC 3339); default: now.
        #[arg(long)]
        handed_in: Option<String>,
    },
}

/// What happened to one file.
#[derive(Debug)]
enum Outcome {
    Stored(i64),
    Duplicate(Option<i64>),
    Refused(String),
    Skipped(String),
}

/// The parts of a recorder's file name.
#[derive(Debug, PartialEq, Eq)]
struct FileName {
    recorder: String,
    started: NaiveDateTime,
    ended: NaiveDateTime,
}

/// `<RECORDER>_<YYYYMMDDHHMMSS>_<YYYYMMDDHHMMSS>.<ext>`, or why not.
fn parse_file_name(name: &str) -> Result<FileName, String> {
    const USAGE: &str = "not named RECORDER_YYYYMMDDHHMMSS_YYYYMMDDHHMMSS.ext";
    let (stem, ext) = name.rsplit_once('.').ok_or(USAGE)?;
    if ext.is_empty() {
        return Err(USAGE.into());
    }
    let parts: Vec<&str> = stem.split('_').collect();
    let [recorder, start, end] = parts.as_slice() else {
        return Err(USAGE.into());
    };
    let time = |s: &str| {
        if s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()) {
            NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S")
                .map_err(|_| format!("{s} is not a time"))
        } else {
            Err(USAGE.to_owned())
        }
    };
    if recorder.is_empty() {
        return Err(USAGE.into());
    }
    Ok(FileName {
        recorder: (*recorder).to_owned(),
        started: time(start)?,
        ended: time(end)?,
    })
}

fn local_to_utc(tz: Tz, t: NaiveDateTime) -> Result<DateTime<Utc>, String> {
    tz.from_local_datetime(&t)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{t} does not exist in {tz} (a clock change)"))
}

/// Every regular file under `dir`, in name order; hidden files (`.DS_Store`, …) are ignored.
fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// How the import proves who it acts for.
enum Credential {
    Token(String),
    Password { username: String, password: String },
}

/// SEC-01: the person the import acts as, proven by their own credential: an API token, or
/// their password through the normal sign-in (so lock-out and the audit trail apply; the
/// session it opens is ended after the import). Returns the principal and the session to end.
async fn principal(
    state: &AppState,
    meta: &RequestMeta,
    as_user: Option<&str>,
    credential: Credential,
) -> anyhow::Result<(Principal, Option<i64>)> {
    let (token, opened) = match credential {
        Credential::Token(t) => (t, false),
        Credential::Password { username, password } => {
            let issued = signin::sign_in(
                state,
                meta,
                &username,
                &password,
                SessionKind::Api,
                "evidence import (console)",
            )
            .await
            .map_err(|e| anyhow::anyhow!("sign-in of {username} refused: {e} ({})", e.code()))?;
            (issued.token, true)
        }
    };
    let p = principal_for_token(state, &token)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the token is not a live API token of an active account"))?;
    if let Some(name) = as_user.filter(|n| *n != p.user.username) {
        anyhow::bail!("the credential belongs to {}, not {name}", p.user.username);
    }
    anyhow::ensure!(
        p.must_change.is_none(),
        "the account {} must change its password first",
        p.user.username
    );
    let session = opened.then_some(p.session_id);
    Ok((p, session))
}

fn credential(
    as_user: Option<&str>,
    token: Option<String>,
    password: Option<String>,
    password_stdin: bool,
) -> anyhow::Result<Credential> {
    if let Some(t) = token.filter(|t| !t.trim().is_empty()) {
        return Ok(Credential::Token(t));
    }
    let username = as_user
        .ok_or_else(|| {
            anyhow::anyhow!(
                "give the recorder administrator's credential: --as USER with the password \
                 (ROADWARDEN_IMPORT_PASSWORD or --password-stdin), or an API token \
                 (ROADWARDEN_IMPORT_TOKEN)"
            )
        })?
        .to_owned();
    let password = match password.filter(|p| !p.is_empty()) {
        Some(p) => p,
        None if password_stdin => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
        None => anyhow::bail!(
            "SEC-01: the import acts for {username} only with their own credential: set \
             ROADWARDEN_IMPORT_PASSWORD, pass --password-stdin, or give an API token \
             (ROADWARDEN_IMPORT_TOKEN)"
        ),
    };
    Ok(Credential::Password { username, password })
}

/// The time zone of the unit the recorder belongs to (its file names are in local time).
async fn recorder_tz(state: &AppState, p: &Principal, number: &str) -> Result<Tz, String> {
    let number = roadwarden_domain::evidence::ledger::parse_number(number)
        .map_err(|e| format!("recorder {number}: {}", e.reason))?;
    let found = async {
        let mut tx = state.store.begin_read().await?;
        let rec = recorders::list(&mut tx, p.scope(), 100_000)
            .await?
            .into_iter()
            .find(|r| r.number == number);
        let unit = match rec {
            Some(r) => units::get(&mut tx, roadwarden_domain::UnitId(r.unit_id)).await?,
            None => None,
        };
        anyhow::Ok(unit)
    }
    .await
    .map_err(|e| e.to_string())?;
    let unit = found.ok_or_else(|| format!("recorder {number} is not registered in your units"))?;
    Ok(unit.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai))
}

struct Common<'a> {
    officer: &'a str,
    activity: &'a str,
    case: &'a str,
    place: &'a str,
    duty_ended: Option<&'a str>,
    handed_in: Option<&'a str>,
}

/// Files one recording through the upload service, streaming it from disk.
async fn import_one(
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    path: &Path,
    common: &Common<'_>,
    bar: &ProgressBar,
) -> Outcome {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parsed = match parse_file_name(&name) {
        Ok(f) => f,
        Err(why) => return Outcome::Skipped(why),
    };
    let tz = match recorder_tz(state, p, &parsed.recorder).await {
        Ok(tz) => tz,
        Err(why) => return Outcome::Refused(why),
    };
    let (started, ended) = match (
        local_to_utc(tz, parsed.started),
        local_to_utc(tz, parsed.ended),
    ) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(why), _) | (_, Err(why)) => return Outcome::Refused(why),
    };
    let mut raw: HashMap<String, String> = [
        ("filename", name.clone()),
        ("officer", common.officer.to_owned()),
        ("recorder", parsed.recorder.clone()),
        ("activity", common.activity.to_owned()),
        ("case_ref", common.case.to_owned()),
        ("place", common.place.to_owned()),
        ("started_at", started.to_rfc3339()),
        ("ended_at", ended.to_rfc3339()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(t) = common.duty_ended {
        raw.insert("duty_ended_at".into(), t.to_owned());
    }
    if let Some(t) = common.handed_in {
        raw.insert("handed_in_at".into(), t.to_owned());
    }
    let file = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(e) => return Outcome::Refused(format!("cannot read: {e}")),
    };
    let length = match file.metadata().await {
        Ok(m) => m.len(),
        Err(e) => return Outcome::Refused(format!("cannot read: {e}")),
    };
    let created = match upload::create(state, p, meta, length, &raw).await {
        Ok(u) => u,
        Err(e) => return refused(state, None, e).await,
    };
    // The same streaming append a tus PATCH makes, fed from the file; the bar counts bytes.
    let counted = {
        let bar = bar.clone();
        tokio_util::io::ReaderStream::with_capacity(file, 1 << 20).inspect(move |chunk| {
            if let Ok(bytes) = chunk {
                bar.inc(bytes.len() as u64);
            }
        })
    };
    match upload::append(state, p, meta, &created.id, 0, Body::from_stream(counted)).await {
        Ok(done) => match done.evidence_id {
            Some(id) => Outcome::Stored(id),
            None => Outcome::Refused(format!(
                "the file changed while it was read ({} of {length} bytes)",
                done.offset
            )),
        },
        Err(e) => refused(state, Some(&created.id), e).await,
    }
}

/// An upload refusal as a line of the summary; a duplicate names the footage already stored.
async fn refused(state: &AppState, upload_id: Option<&str>, e: AppError) -> Outcome {
    if e.code() != "evidence.duplicate" {
        return Outcome::Refused(format!("{} ({})", e, e.code()));
    }
    let existing = async {
        let mut tx = state.store.begin_read().await?;
        let Some(upload) = evidence_store::get_upload(&mut tx, upload_id.unwrap_or("")).await?
        else {
            return anyhow::Ok(None);
        };
        let Some(sha) = upload.sha256 else {
            return Ok(None);
        };
        Ok(evidence_store::by_sha256(&mut tx, &sha)
            .await?
            .map(|e| e.id))
    }
    .await;
    Outcome::Duplicate(existing.ok().flatten())
}

pub async fn run(settings: Settings, cmd: EvidenceCommand) -> anyhow::Result<ExitCode> {
    let EvidenceCommand::Import {
        dir,
        as_user,
        token,
        password,
        password_stdin,
        officer,
        activity,
        case,
        place,
        duty_ended,
        handed_in,
    } = cmd;
    let credential = credential(as_user.as_deref(), token, password, password_stdin)?;
    let files =
        files_under(&dir).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
    let state = open_state(settings, Clock::System).await?;
    let meta = RequestMeta {
        ip: "console".into(),
        request_id: format!("cli-evidence-import-{}", uuid::Uuid::new_v4().simple()),
    };
    let (p, opened_session) = principal(&state, &meta, as_user.as_deref(), credential).await?;
    let total: u64 = files
        .iter()
        .filter(|f| {
            f.file_name()
                .is_some_and(|n| parse_file_name(&n.to_string_lossy()).is_ok())
        })
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "[{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {wide_msg}",
        )?
        .progress_chars("=> "),
    );
    let common = Common {
        officer: &officer,
        activity: &activity,
        case: &case,
        place: &place,
        duty_ended: duty_ended.as_deref(),
        handed_in: handed_in.as_deref(),
    };
    let mut results = Vec::with_capacity(files.len());
    for path in &files {
        let shown = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        bar.set_message(shown.clone());
        let outcome = import_one(&state, &p, &meta, path, &common, &bar).await;
        results.push((shown, outcome));
    }
    bar.finish_and_clear();
    // BWC-07: re-read what was stored and release the recorders' copies before exiting.
    upload::verify_pending(&state)
        .await
        .map_err(|e| anyhow::anyhow!("verifying the stored footage: {e}"))?;
    if let Some(session) = opened_session {
        signin::sign_out(&state, &p, &meta, session)
            .await
            .map_err(|e| anyhow::anyhow!("ending the import's session: {e}"))?;
    }
    let mut verified = 0;
    {
        let mut tx = state.store.begin_read().await?;
        for (_, outcome) in &results {
            if let Outcome::Stored(id) = outcome {
                let row = evidence_store::get(&mut tx, *id).await?;
                verified += usize::from(row.is_some_and(|e| e.verified_at.is_some()));
            }
        }
    }
    state.store.close().await;

    let name_width = results
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:<name_width$}  {:<9}  detail", "file", "result");
    let (mut stored, mut duplicate, mut refused, mut skipped) = (0, 0, 0, 0);
    for (name, outcome) in &results {
        let (result, detail) = match outcome {
            Outcome::Stored(id) => {
                stored += 1;
                ("stored", format!("footage #{id}"))
            }
            Outcome::Duplicate(id) => {
                duplicate += 1;
                (
                    "duplicate",
                    id.map_or_else(
                        || "already stored".to_owned(),
                        |id| format!("already stored as footage #{id}"),
                    ),
                )
            }
            Outcome::Refused(why) => {
                refused += 1;
                ("refused", why.clone())
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                ("skipped", why.clone())
            }
        };
        println!("{name:<name_width$}  {result:<9}  {detail}");
    }
    println!(
        "{stored} stored, {duplicate} duplicate, {refused} refused, {skipped} skipped; \
         {verified} verified (recorder copies released)"
    );
    Ok(if refused + skipped == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_file_names_are_parsed() {
        let f = parse_file_name("DSJ-A8-0012_20261123081500_20261123084500.MP4").unwrap();
        assert_eq!(f.recorder, "DSJ-A8-0012");
        assert_eq!(f.started.to_string(), "2026-11-23 08:15:00");
        assert_eq!(f.ended.to_string(), "2026-11-23 08:45:00");
        for bad in [
            "IMG_0001.MP4",
            "A_20261123081500_20261123084500",
            "A_2026112308150_20261123084500.MP4",
            "A_20261323081500_20261123084500.MP4",
            "_20261123081500_20261123084500.MP4",
            "A_B_20261123081500_20261123084500.MP4",
        ] {
            assert!(parse_file_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn file_times_are_local_to_the_unit() {
        let t = NaiveDateTime::parse_from_str("20261123081500", "%Y%m%d%H%M%S").unwrap();
        let utc = local_to_utc(chrono_tz::Asia::Shanghai, t).unwrap();
        assert_eq!(utc.to_rfc3339(), "2026-11-23T00:15:00+00:00");
    }
}
