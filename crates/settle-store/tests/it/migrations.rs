//! The two migration trees stay one schema: the same files in the same
//! order, each identical in both engines unless it is named below with the
//! reason it must differ.

use std::collections::BTreeMap;
use std::path::Path;

/// Migrations written twice, and why.
const ENGINE_SPECIFIC: &[(&str, &str)] = &[
    ("0002_append_only.sql", "triggers: SQLite's RAISE(ABORT) against PostgreSQL's trigger function"),
    ("0003_access_audit.sql", "the audit trail's append-only triggers, as in 0002"),
    (
        "0019_dunning_action_run_index.sql",
        "WITHOUT ROWID tables exist only in SQLite; PostgreSQL drops the index alone",
    ),
    ("0020_tamper_evident.sql", "the heads' forward-only triggers, as in 0002"),
    ("0021_clinical_free_descriptions.sql", "instr() in SQLite is strpos() in PostgreSQL"),
    (
        "0034_follow_up_rank.sql",
        "the follow-up ranking's change triggers: SQLite's trigger bodies against PostgreSQL's trigger function",
    ),
    (
        "0042_gl_export.sql",
        "the exports' and closes' append-only triggers, as in 0002 (and TRUNCATE refused, as in 0020)",
    ),
];

fn tree(engine: &str) -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).unwrap(),
            )
        })
        .collect()
}

#[test]
fn both_engines_migrate_through_the_same_files_identical_unless_named() {
    let sqlite = tree("sqlite");
    let postgres = tree("postgres");
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "every migration exists for both engines, under the same name"
    );
    for (name, text) in &sqlite {
        let named = ENGINE_SPECIFIC.iter().any(|(n, _)| n == name);
        let same = *text == postgres[name];
        assert!(
            same != named,
            "{name}: {}",
            if same {
                "is identical in both engines now: take it off ENGINE_SPECIFIC"
            } else {
                "differs between sqlite/ and postgres/; make them the same or name it in ENGINE_SPECIFIC with the reason"
            }
        );
    }
    for (name, _) in ENGINE_SPECIFIC {
        assert!(sqlite.contains_key(*name), "{name} is named but does not exist");
    }
}
