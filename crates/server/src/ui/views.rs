//! Server-rendered pages: minijinja templates embedded in the binary, auto-escaped (the
//! `.html` extension turns escaping on), with `t("key")` for the person's language and
//! filters that show UTC instants in the unit's time zone (TIME-02), written the way the page's
//! language writes dates (`roadwarden_domain::locale`: dd/mm/yyyy in vi, yyyy-mm-dd in zh-CN).

use std::sync::OnceLock;

use axum::response::Html;
use chrono::{DateTime, NaiveDate, Utc};
use minijinja::{Environment, State, Value};
use roadwarden_domain::locale;

use crate::error::AppError;
use crate::i18n::{self, Lang};

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

pub const TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "login.html",
    "password.html",
    "home.html",
    "inbox.html",
    "units.html",
    "users.html",
    "user_new.html",
    "user.html",
    "calendar.html",
    "audit.html",
    "api_docs.html",
    "error.html",
    "devices.html",
    "device_new.html",
    "device.html",
    "device_secret.html",
    "device_inbox.html",
    "device_report.html",
    "public_devices.html",
    "review.html",
    "violations.html",
    "violation.html",
    "objections.html",
    "corrections.html",
    "correction.html",
    "sharing.html",
    "sharing_partners.html",
    "public_violations.html",
    "report.html",
    "evidence.html",
    "evidence_item.html",
    "evidence_requests.html",
    "evidence_retention.html",
    "evidence_supervision.html",
    "recorders.html",
    "recorder.html",
    "evidence_images.html",
    "list_bar.html",
    "list_th.html",
    "list_pager.html",
    "violations_bulk.html",
    "captures.html",
    "riders/list.html",
    "riders/person.html",
    "riders/outside.html",
    "riders/outbox.html",
    "riders/screened.html",
    "riders/matches.html",
    "riders/tasks.html",
    "riders/library.html",
    "riders/assessment.html",
    "riders/public.html",
    "riders/public_quiz.html",
    "riders/surveys.html",
    "supervision.html",
    "supervision_item.html",
    "supervision_complaints.html",
    "supervision_decisions.html",
    "report_monthly.html",
    "cockpit.html",
);

pub fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        env.add_function("t", translate);
        env.add_function("tv", translate_value);
        env.add_function("audit_action", audit_action);
        env.add_function("alert_text", alert_text);
        env.add_function("detail_lines", detail_lines);
        env.add_filter("localtime", localtime);
        env.add_filter("micros", micros_to_local);
        env.add_filter("lastday", last_day);
        env.add_filter("day", day);
        env
    })
}

fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or(Lang::ZhCn)
}

fn translate(state: &State, key: &str) -> String {
    i18n::t(lang_of(state), key)
}

/// `{{ tv("vehicle_type.", c.vehicle_type) }}`: a value a device or a person supplied that is
/// usually one of a known set (`small_car`, `silver`): its words when the strings know it, the
/// value itself when they do not.
fn translate_value(state: &State, prefix: &str, value: Option<&str>) -> String {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return String::new();
    };
    let key = format!("{prefix}{value}");
    let lang = lang_of(state);
    if i18n::has_key(lang, &key) {
        i18n::t(lang, &key)
    } else {
        value.to_owned()
    }
}

/// `{{ alert_text(a.kind, a.detail) }}`: a device alert's sentence in the reader's language.
fn alert_text(state: &State, kind: &str, detail: &str) -> String {
    super::alert_text::sentence(lang_of(state), kind, detail)
}

/// `{{ audit_action(item.action) }}`: the action in words.
fn audit_action(state: &State, action: &str) -> String {
    super::audit_text::action(lang_of(state), action)
}

/// `{% for line in detail_lines(item.detail) %}`: the details as labelled words.
fn detail_lines(state: &State, raw: &str) -> Value {
    Value::from_serialize(super::audit_text::detail(lang_of(state), raw))
}

fn tz_of(state: &State) -> chrono_tz::Tz {
    state
        .lookup("tz")
        .and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(chrono_tz::Asia::Shanghai)
}

/// The zone a filter shows a time in: the one it is given (`|localtime(r.time_zone)`, for a
/// record of another unit than the viewer's, or on a public page), else the viewer's unit's.
fn zone(state: &State, given: Option<&str>) -> chrono_tz::Tz {
    given
        .and_then(|z| z.parse().ok())
        .unwrap_or_else(|| tz_of(state))
}

/// `{{ user.created_at|localtime }}`: an RFC 3339 UTC instant in the viewer's unit time zone
/// (or the zone given, `|localtime("Asia/Ho_Chi_Minh")`), in the page language's way
/// (`03/12/2026 14:05` in vi).
#[allow(clippy::needless_pass_by_value)] // minijinja hands filter arguments over by value
fn localtime(state: &State, value: Value, tz: Option<String>) -> String {
    let Some(raw) = value.as_str() else {
        return String::new();
    };
    DateTime::parse_from_rfc3339(raw)
        .map(|t| {
            let tz = zone(state, tz.as_deref());
            locale::local_time(t.with_timezone(&Utc), tz, lang_of(state).code())
        })
        .unwrap_or_else(|_| raw.to_owned())
}

/// `{{ capture.review_due_at|lastday }}`: a deadline stored as the instant it becomes overdue
/// (local midnight after its last day, TIME-02) shown as that last day, as people say it; in
/// the viewer's unit time zone or the zone given, as `localtime`.
#[allow(clippy::needless_pass_by_value)] // minijinja hands filter arguments over by value
fn last_day(state: &State, value: Value, tz: Option<String>) -> String {
    let Some(raw) = value.as_str() else {
        return String::new();
    };
    DateTime::parse_from_rfc3339(raw)
        .map(|t| {
            let last = (t.with_timezone(&Utc) - chrono::Duration::seconds(1))
                .with_timezone(&zone(state, tz.as_deref()))
                .date_naive();
            locale::date(last, lang_of(state).code())
        })
        .unwrap_or_else(|_| raw.to_owned())
}

/// `{{ v.handle_by|day }}`: a calendar day (`2026-12-03`, as the API gives it) in the page
/// language's way; anything that is not a day is shown as it is.
#[allow(clippy::needless_pass_by_value)] // minijinja hands filter arguments over by value
fn day(state: &State, value: Value) -> String {
    let Some(raw) = value.as_str() else {
        return if value.is_none() || value.is_undefined() {
            String::new()
        } else {
            value.to_string()
        };
    };
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(|d| locale::date(d, lang_of(state).code()))
        .unwrap_or_else(|_| raw.to_owned())
}

/// `{{ entry.at_micros|micros }}`: audit times, with seconds.
fn micros_to_local(state: &State, value: i64) -> String {
    DateTime::from_timestamp_micros(value)
        .map(|t| locale::local_time_seconds(t, tz_of(state), lang_of(state).code()))
        .unwrap_or_default()
}

pub fn render(name: &str, ctx: Value) -> Result<Html<String>, AppError> {
    let template = env().get_template(name).map_err(AppError::internal)?;
    template.render(ctx).map(Html).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t("…")` a template uses has a translation in every language.
    #[test]
    fn every_template_key_is_translated() {
        let mut missing = Vec::new();
        for (name, source) in TEMPLATES {
            for piece in source.split("t(\"").skip(1) {
                let key = piece.split('"').next().unwrap_or_default();
                if key.ends_with('.') || key.ends_with('_') {
                    continue; // a prefix completed at render time, e.g. t("role." ~ r)
                }
                for lang in Lang::ALL {
                    if !i18n::has_key(lang, key) {
                        missing.push(format!("{name}: {key} ({})", lang.code()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "untranslated: {missing:#?}");
    }

    #[test]
    fn templates_compile_and_escape() {
        let out = env()
            .render_str("{{ x }}", minijinja::context! { x => "<script>" })
            .unwrap();
        assert_eq!(
            out, "<script>",
            "render_str has no extension; named .html templates escape"
        );
        let tmpl = env().get_template("error.html").unwrap();
        let html = tmpl
            .render(minijinja::context! { lang => "en", status => 404, message => "<b>x</b>" })
            .unwrap();
        assert!(
            html.contains("&lt;b&gt;x&lt;&#x2f;b&gt;") || html.contains("&lt;b&gt;x&lt;/b&gt;"),
            "{html}"
        );
    }

    /// Issue 14 item 7: dates, times and money follow the page's language.
    #[test]
    fn filters_write_dates_the_page_languages_way() {
        let source = "{{ at|localtime }} | {{ due|lastday }} | {{ day|day }} | {{ micros|micros }}";
        let shown = |lang: &str| {
            env()
                .render_str(
                    source,
                    minijinja::context! {
                        lang => lang, tz => "Asia/Ho_Chi_Minh",
                        at => "2026-12-03T07:05:00Z",
                        // Quảng Trị's midnight after 18 December 2026.
                        due => "2026-12-18T17:00:00Z",
                        day => "2026-01-09",
                        micros => 1_796_281_509_000_000_i64,
                    },
                )
                .unwrap()
        };
        assert_eq!(
            shown("vi"),
            "03/12/2026 14:05 | 18/12/2026 | 09/01/2026 | 03/12/2026 14:05:09"
        );
        assert_eq!(
            shown("zh-CN"),
            "2026-12-03 14:05 | 2026-12-18 | 2026-01-09 | 2026-12-03 14:05:09"
        );
        assert_eq!(
            shown("en"),
            "3 Dec 2026 14:05 | 18 Dec 2026 | 9 Jan 2026 | 3 Dec 2026 14:05:09"
        );
        // A record of another zone than the viewer's (a public page defaults to Shanghai).
        let other = env()
            .render_str(
                "{{ at|localtime('Asia/Ho_Chi_Minh') }} | {{ at|localtime }}",
                minijinja::context! { lang => "vi", at => "2026-12-03T07:05:00Z" },
            )
            .unwrap();
        assert_eq!(other, "03/12/2026 14:05 | 03/12/2026 15:05");
    }
}
