//! The query every list takes (search, date range, sort, page), parsed at the edge into typed,
//! bounded values: a bad value is a 422 naming its field, and no request can ask for an
//! unbounded page, an unknown sort column or an offset past what a count reaches.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use roadwarden_domain::FieldError;
pub use roadwarden_store::list::{Direction, Window, MAX_PER_PAGE, MAX_ROWS};
use serde::Deserialize;

use super::query::search_text;
use crate::error::AppError;

/// Rows per page when the request does not say.
pub const DEFAULT_PER_PAGE: i64 = 50;

/// The list query as it comes in: all text, so that a bad value is our field error.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Free text: part of a plate, a number or a name.
    pub search: Option<String>,
    /// First day, YYYY-MM-DD (in the reader's unit time zone).
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (in the reader's unit time zone).
    pub to: Option<String>,
    /// A sort key the list names.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
    /// Rows per page, 1 to 200.
    pub per_page: Option<String>,
    /// SEC-07: the approved export application a bulk export uses (`/…/export` only).
    pub application: Option<String>,
}

/// A list's sort keys and its default order.
#[derive(Debug, Clone, Copy)]
pub struct SortSpec<K: 'static> {
    pub keys: &'static [(&'static str, K)],
    pub default: K,
    pub direction: Direction,
}

impl<K: Copy + PartialEq> SortSpec<K> {
    pub fn name(&self, key: K) -> &'static str {
        self.keys
            .iter()
            .find(|(_, k)| *k == key)
            .map_or("", |(n, _)| n)
    }
}

/// The parsed list query.
#[derive(Debug, Clone)]
pub struct ListParams<K> {
    pub search: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: K,
    pub direction: Direction,
    pub page: i64,
    pub per_page: i64,
    /// SEC-07: the export application named for a bulk export (`services::export`).
    pub application: Option<i64>,
}

fn text(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn day(field: &'static str, raw: Option<&String>) -> Result<Option<NaiveDate>, FieldError> {
    text(raw)
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| FieldError::new(field, "must be a day, YYYY-MM-DD"))
        })
        .transpose()
}

impl ListQuery {
    /// Parses the query for a list sorted by `spec`'s keys.
    pub fn parse<K: Copy + PartialEq>(
        &self,
        spec: &SortSpec<K>,
    ) -> Result<ListParams<K>, AppError> {
        let search = search_text(self.search.as_deref())?;
        let from = day("from", self.from.as_ref())?;
        let to = day("to", self.to.as_ref())?;
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(FieldError::new("to", "must not be before the first day").into());
            }
        }
        let sort = match text(self.sort.as_ref()) {
            None => spec.default,
            Some(s) => spec
                .keys
                .iter()
                .find(|(name, _)| *name == s)
                .map(|(_, k)| *k)
                .ok_or_else(|| {
                    let names: Vec<&str> = spec.keys.iter().map(|(n, _)| *n).collect();
                    FieldError::new("sort", format!("must be one of {}", names.join(", ")))
                })?,
        };
        let direction = match text(self.dir.as_ref()) {
            None => spec.direction,
            Some(d) => {
                Direction::parse(d).ok_or_else(|| FieldError::new("dir", "must be asc or desc"))?
            }
        };
        let per_page = match text(self.per_page.as_ref()) {
            None => DEFAULT_PER_PAGE,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                .ok_or_else(|| {
                    FieldError::new("per_page", format!("must be 1 to {MAX_PER_PAGE}"))
                })?,
        };
        // Pages reach as far as a count does (MAX_ROWS): no offset scans past it.
        let last_page = MAX_ROWS / per_page + 1;
        let page = match text(self.page.as_ref()) {
            None => 1,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=last_page).contains(n))
                .ok_or_else(|| FieldError::new("page", format!("must be 1 to {last_page}")))?,
        };
        let application = text(self.application.as_ref())
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| FieldError::new("application", "must be a number"))
            })
            .transpose()?;
        Ok(ListParams {
            search,
            from,
            to,
            sort,
            direction,
            page,
            per_page,
            application,
        })
    }
}

impl<K> ListParams<K> {
    /// The rows of this page.
    pub fn window(&self) -> Window {
        Window::new(self.per_page, (self.page - 1) * self.per_page)
    }

    /// The date range as instants in `tz`: from the start of the first day to the start of
    /// the day after the last.
    pub fn instants(&self, tz: chrono_tz::Tz) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let start = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        };
        (
            self.from.and_then(start),
            self.to.and_then(|d| d.succ_opt()).and_then(start),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Key {
        Time,
        Plate,
    }
    const SPEC: SortSpec<Key> = SortSpec {
        keys: &[("time", Key::Time), ("plate", Key::Plate)],
        default: Key::Time,
        direction: Direction::Desc,
    };

    fn q(pairs: &[(&str, &str)]) -> Result<ListParams<Key>, AppError> {
        let raw: String = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let q: ListQuery = serde_urlencoded_like(&raw);
        q.parse(&SPEC)
    }

    fn serde_urlencoded_like(raw: &str) -> ListQuery {
        let mut q = ListQuery::default();
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            let v = Some(v.into_owned());
            match k.as_ref() {
                "search" => q.search = v,
                "from" => q.from = v,
                "to" => q.to = v,
                "sort" => q.sort = v,
                "dir" => q.dir = v,
                "page" => q.page = v,
                "per_page" => q.per_page = v,
                _ => {}
            }
        }
        q
    }

    fn field(r: Result<ListParams<Key>, AppError>) -> String {
        match r {
            Err(AppError::BadInput(e)) => e.field.to_owned(),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_bounds() {
        let p = q(&[]).unwrap();
        assert_eq!(
            (p.sort, p.direction, p.page, p.per_page),
            (Key::Time, Direction::Desc, 1, 50)
        );
        let p = q(&[
            ("sort", "plate"),
            ("dir", "asc"),
            ("page", "3"),
            ("per_page", "20"),
        ])
        .unwrap();
        assert_eq!(p.window(), Window::new(20, 40));
        assert_eq!(p.sort, Key::Plate);
        assert_eq!(field(q(&[("per_page", "201")])), "per_page");
        assert_eq!(field(q(&[("per_page", "0")])), "per_page");
        assert_eq!(field(q(&[("page", "0")])), "page");
        assert_eq!(field(q(&[("page", "100000")])), "page");
        assert_eq!(field(q(&[("sort", "password_hash")])), "sort");
        assert_eq!(field(q(&[("dir", "sideways")])), "dir");
        assert_eq!(field(q(&[("from", "2026-13-01")])), "from");
        assert_eq!(
            field(q(&[("from", "2026-11-02"), ("to", "2026-11-01")])),
            "to"
        );
        let long = "x".repeat(101);
        assert_eq!(field(q(&[("search", long.as_str())])), "search");
    }

    #[test]
    fn days_are_local_days() {
        let p = q(&[("from", "2026-11-23"), ("to", "2026-11-23")]).unwrap();
        let (from, until) = p.instants(chrono_tz::Asia::Shanghai);
        assert_eq!(from.unwrap().to_rfc3339(), "2026-11-22T16:00:00+00:00");
        assert_eq!(until.unwrap().to_rfc3339(), "2026-11-23T16:00:00+00:00");
    }
}
