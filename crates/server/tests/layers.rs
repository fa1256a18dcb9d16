//! Issue 13 ("one way in"): `api/` and `ui/` parse a request, call one service and shape the
//! answer. They do not reach the store, and pages do not call the JSON handlers. These checks
//! read the source of both folders (and any folder below them) and fail on the first file that
//! reaches past the services.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/<folder>`, with its path from `src/`.
fn sources(folder: &str) -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src.join(folder), &mut files);
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.strip_prefix(&src).unwrap().display().to_string();
            (name, text)
        })
        .collect()
}

#[test]
fn api_and_ui_never_reach_the_store() {
    for folder in ["api", "ui"] {
        for (name, text) in sources(folder) {
            assert!(
                !text.contains("roadwarden_store"),
                "{name} reaches the store; call a service instead"
            );
        }
    }
}

/// Pages call services, not the JSON handlers. The one thing a page may read from `api/` is
/// the API's own description (`api::openapi::ApiDoc`), which the API reference page draws.
#[test]
fn pages_never_call_the_json_handlers() {
    for (name, text) in sources("ui") {
        for (n, line) in text.lines().enumerate() {
            let reaches = (line.contains("crate::api") || line.contains("super::super::api"))
                && !line.contains("crate::api::openapi::ApiDoc");
            assert!(
                !reaches,
                "{name}:{}: a page calls the JSON layer; call a service instead: {line}",
                n + 1
            );
        }
    }
}

/// Issue 13, item 2: role sets are named once, in `policy.rs`. Handlers state them with
/// `Require<…>`, pages and the menu ask `p.may::<…>()`; no file of the HTTP layer names a role
/// itself (listing every role for the grant form, `Role::ALL`, and parsing one are not rules).
#[test]
fn the_http_layer_names_no_role_outside_the_policy() {
    for folder in ["api", "ui"] {
        for (name, text) in sources(folder) {
            for (n, line) in text.lines().enumerate() {
                let named = line.match_indices("Role::").any(|(i, _)| {
                    let rest = &line[i + "Role::".len()..];
                    !rest.starts_with("ALL") && !rest.starts_with("parse")
                });
                assert!(
                    !named,
                    "{name}:{}: name the role set in policy.rs and use it here: {line}",
                    n + 1
                );
            }
        }
    }
}

/// Issue 13, item 2: a JSON handler states its role set in its signature (`Require<…>`) and
/// checks no role in its body; what depends on the record (unit scope, the action asked for)
/// is the service's to check, for every path that reaches it.
#[test]
fn json_handlers_check_no_role_in_their_body() {
    for (name, text) in sources("api") {
        for (n, line) in text.lines().enumerate() {
            let checks = ["may::<", "has_any(", "has_role(", "require("]
                .iter()
                .any(|c| line.contains(c));
            assert!(
                !checks,
                "{name}:{}: put the role set in the signature, `Require<…>`: {line}",
                n + 1
            );
        }
    }
}
