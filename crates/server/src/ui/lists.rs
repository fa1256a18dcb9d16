//! What a list page shows around its rows: the search bar's values, sortable headings, the
//! pager and the export link, built from the parsed list query (`edge::ListQuery`). The
//! templates `list_bar.html`, `list_th.html` and `list_pager.html` draw them.

use crate::edge::{Direction, ListParams, SortSpec, DEFAULT_PER_PAGE, MAX_ROWS};
use minijinja::{context, Value};

/// The page sizes the search bar offers.
const PER_PAGE_OPTIONS: [i64; 4] = [20, DEFAULT_PER_PAGE, 100, 200];

/// A list page's surroundings.
pub struct ListPage<'a, K: 'static> {
    /// The page's address, e.g. `/violations`.
    pub path: &'a str,
    pub spec: &'a SortSpec<K>,
    pub params: &'a ListParams<K>,
    /// The list's own filters as they came in (name, raw value), kept in every link.
    pub filters: &'a [(&'static str, Option<&'a str>)],
    /// How many rows match, up to one past `MAX_ROWS`.
    pub total: i64,
    /// Sorting headings: (sort key, label key).
    pub headings: &'a [(&'static str, &'static str)],
    /// The key of the search box's hint.
    pub search_hint: &'static str,
    /// Offer the XLSX export at `{path}/export`.
    pub export: bool,
    /// Offer the day range.
    pub dates: bool,
}

impl<K: Copy + PartialEq> ListPage<'_, K> {
    fn query(&self, sort: Option<(K, Direction)>, page: Option<i64>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.filters {
            if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        let p = self.params;
        if let Some(v) = &p.search {
            s.append_pair("search", v);
        }
        if let Some(d) = p.from {
            s.append_pair("from", &d.to_string());
        }
        if let Some(d) = p.to {
            s.append_pair("to", &d.to_string());
        }
        if p.per_page != DEFAULT_PER_PAGE {
            s.append_pair("per_page", &p.per_page.to_string());
        }
        if let Some((key, dir)) = sort {
            s.append_pair("sort", self.spec.name(key));
            s.append_pair("dir", dir.as_str());
        }
        if let Some(n) = page.filter(|n| *n > 1) {
            s.append_pair("page", &n.to_string());
        }
        s.finish()
    }

    fn href(&self, query: &str) -> String {
        if query.is_empty() {
            self.path.to_owned()
        } else {
            format!("{}?{query}", self.path)
        }
    }

    /// The template's `list` value.
    pub fn view(&self) -> Value {
        let p = self.params;
        let current = Some((p.sort, p.direction));
        let shown_total = self.total.min(MAX_ROWS);
        let pages = ((shown_total + p.per_page - 1) / p.per_page).max(1);
        let heads: std::collections::BTreeMap<&str, Value> = self
            .headings
            .iter()
            .filter_map(|(name, label)| {
                let (_, key) = self.spec.keys.iter().find(|(n, _)| n == name)?;
                let on = p.sort == *key;
                // A click on the sorted column turns it round; another column starts the
                // list's own way.
                let dir = if on {
                    p.direction.flip()
                } else {
                    self.spec.direction
                };
                Some((
                    *name,
                    context! {
                        label => label,
                        href => self.href(&self.query(Some((*key, dir)), None)),
                        mark => match (on, p.direction) {
                            (false, _) => "",
                            (true, Direction::Asc) => " ▲",
                            (true, Direction::Desc) => " ▼",
                        },
                        aria => match (on, p.direction) {
                            (false, _) => "none",
                            (true, Direction::Asc) => "ascending",
                            (true, Direction::Desc) => "descending",
                        },
                    },
                ))
            })
            .collect();
        let at = |n: i64| self.href(&self.query(current, Some(n)));
        context! {
            q => context! {
                search => p.search,
                from => p.from.map(|d| d.to_string()),
                to => p.to.map(|d| d.to_string()),
                sort => self.spec.name(p.sort),
                dir => p.direction.as_str(),
            },
            search_hint => self.search_hint,
            dates => self.dates,
            per_page => p.per_page,
            per_page_options => PER_PAGE_OPTIONS,
            heads => heads,
            page => p.page,
            pages => pages,
            total => shown_total,
            exact => self.total <= MAX_ROWS,
            prev_href => (p.page > 1).then(|| at(p.page - 1)),
            next_href => (p.page < pages).then(|| at(p.page + 1)),
            export_href => self.export.then(|| {
                let q = self.query(current, None);
                format!("{}/export{}{q}", self.path, if q.is_empty() { "" } else { "?" })
            }),
            // SEC-07: the export is a small GET form so that a bulk export can name its
            // approved application; the list's query rides along as hidden fields.
            export_fields => self.export.then(|| {
                url::form_urlencoded::parse(self.query(current, None).as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect::<Vec<_>>()
            }),
            export_action => format!("{}/export", self.path),
        }
    }
}

/// An exported workbook as a download named `{what}-YYYYMMDD-HHMM.xlsx`.
pub fn xlsx_download(
    what: &str,
    now: chrono::DateTime<chrono::Utc>,
    bytes: Vec<u8>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (
                header::CONTENT_TYPE,
                crate::services::export::XLSX.to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    crate::services::export::file_name(what, now)
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
