//! Issue 13 ("one way in"): `api/` and `ui/` parse a request, call one service and shape the
//! answer. They do not reach the store, and pages do not call the JSON handlers. The redesign
//! is under way, so the files that still do either are listed below. The list may only
//! shrink: a new file that reaches past the services fails, and so does a listed file that no
//! longer does (take it off the list).

use std::collections::BTreeSet;
use std::path::Path;

/// Files of `api/` and `ui/` that still import `roadwarden_store` (2026-12-03).
const STORE_USERS: &[&str] = &[
];

/// Files of `ui/` that still import from `api/` (2026-12-03).
const API_USERS_IN_UI: &[&str] = &[
    "ui/docs.rs",
];

fn files_containing(folder: &str, needles: &[&str]) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(folder);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).ok()?;
            let name = path.file_name()?.to_string_lossy().into_owned();
            needles
                .iter()
                .any(|n| text.contains(n))
                .then(|| format!("{folder}/{name}"))
        })
        .collect()
}

fn same(found: &BTreeSet<String>, listed: &[&str], what: &str) {
    let listed: BTreeSet<String> = listed.iter().map(|s| (*s).to_owned()).collect();
    let new: Vec<_> = found.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(found).collect();
    assert!(
        new.is_empty(),
        "{what}: {new:?} reach past the services; call a service instead"
    );
    assert!(
        gone.is_empty(),
        "{what}: {gone:?} no longer do; take them off the list in tests/layers.rs"
    );
}

#[test]
fn api_and_ui_reach_the_store_only_where_still_listed() {
    let mut found = files_containing("api", &["roadwarden_store"]);
    found.extend(files_containing("ui", &["roadwarden_store"]));
    same(&found, STORE_USERS, "the store");
}

#[test]
fn pages_call_the_json_handlers_only_where_still_listed() {
    let found = files_containing("ui", &["crate::api", "super::super::api"]);
    same(&found, API_USERS_IN_UI, "api/ from ui/");
}

/// Issue 13, item 2: role sets are named once, in `policy.rs`. Handlers state them with
/// `Require<…>`, pages and the menu ask `p.may::<…>()`; no file of the HTTP layer names a role
/// itself (listing every role for the grant form, `Role::ALL`, and parsing one are not rules).
#[test]
fn the_http_layer_names_no_role_outside_the_policy() {
    for folder in ["api", "ui"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(folder);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let named = line.match_indices("Role::").any(|(i, _)| {
                    let rest = &line[i + "Role::".len()..];
                    !rest.starts_with("ALL") && !rest.starts_with("parse")
                });
                assert!(
                    !named,
                    "{}:{}: name the role set in policy.rs and use it here: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
}
