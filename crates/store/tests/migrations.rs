//! Both databases are migrated by their own folder of SQL files; the two folders must hold
//! the same migrations, under the same names, so that a change lands on both or on neither.

use std::collections::BTreeSet;
use std::path::Path;

fn names(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_migration_folders_hold_the_same_migrations() {
    let sqlite = names("sqlite");
    let postgres = names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite.symmetric_difference(&postgres).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "a migration exists for one database only"
    );
    for name in &sqlite {
        let (number, rest) = name.split_once('_').expect("NNNN_name.sql");
        assert!(
            number.len() == 4 && number.chars().all(|c| c.is_ascii_digit()),
            "{name}: four digits first"
        );
        assert!(rest.ends_with(".sql"), "{name}");
    }
}
