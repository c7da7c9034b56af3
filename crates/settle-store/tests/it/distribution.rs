//! The schema stays ready to distribute by organisation (Citus or another
//! sharded PostgreSQL, ARCHITECTURE.md "Distributing by organisation"):
//! read back from the migrated database on every engine, every table is
//! either distributed by `org_id` (a key, every unique index and every
//! index leading with it; every foreign key to another distributed table
//! carrying it) or a named reference table that points at no distributed
//! table. And every join the store writes matches `org_id` on both sides,
//! so a query never pairs rows of two organisations (which a distributed
//! engine could not do on one node).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use settle_store::testing::all_backends;
use settle_store::Store;
use sqlx::Row;

/// Tables copied whole to every node, and why they are not split by
/// organisation.
const REFERENCE: &[(&str, &str)] = &[
    (
        "organisation",
        "the organisations themselves: a slug is unique across all of them, and every table points at one",
    ),
    (
        "sign_in_name",
        "a sign-in name is unique across organisations, so signing in finds the organisation by it",
    ),
];

/// Plain (not unique) indexes that do not lead with `org_id`, for lookups
/// that do not know the organisation yet, and why. A distributed engine
/// keeps such an index on every node and asks each; none may be unique.
const CROSS_ORGANISATION: &[(&str, &str)] = &[
    ("user_session_digest", "a session cookie is looked up before anyone knows whose it is"),
    ("api_token_digest", "an API token is looked up before anyone knows whose it is"),
    ("email_outbox_due", "the mail sender drains every organisation's due mail in one pass"),
];

/// Distributed tables with no primary key, and why.
const NO_KEY: &[(&str, &str)] = &[(
    "follow_up_dirty",
    "a to-do list of claims to re-rank, written by triggers and emptied by the ranking; duplicates are harmless",
)];

#[derive(Default, Debug)]
struct Table {
    columns: BTreeSet<String>,
    /// Primary key columns in order (empty: none).
    key: Vec<String>,
    /// (index name, unique, columns in order), the key's own index included.
    indexes: Vec<(String, bool, Vec<String>)>,
    /// (referenced table, from columns, to columns).
    foreign: Vec<(String, Vec<String>, Vec<String>)>,
}

async fn schema(store: &Store) -> BTreeMap<String, Table> {
    let pool = store.pool();
    let mut out: BTreeMap<String, Table> = BTreeMap::new();
    match store.backend() {
        settle_store::Backend::Sqlite => {
            let names: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'")
                    .fetch_all(pool)
                    .await
                    .unwrap();
            for name in names {
                let mut table = Table::default();
                let mut key: Vec<(i64, String)> = Vec::new();
                for row in sqlx::query(&format!("SELECT name, CAST(pk AS BIGINT) AS pk FROM pragma_table_info('{name}')"))
                    .fetch_all(pool)
                    .await
                    .unwrap()
                {
                    let column: String = row.get("name");
                    let pk: i64 = row.get("pk");
                    if pk > 0 {
                        key.push((pk, column.clone()));
                    }
                    table.columns.insert(column);
                }
                key.sort();
                table.key = key.into_iter().map(|(_, c)| c).collect();
                for row in sqlx::query(&format!("SELECT name, CAST(\"unique\" AS BIGINT) AS u FROM pragma_index_list('{name}')"))
                    .fetch_all(pool)
                    .await
                    .unwrap()
                {
                    let index: String = row.get("name");
                    let unique: i64 = row.get("u");
                    let columns: Vec<String> = sqlx::query_scalar(&format!(
                        "SELECT COALESCE(name, '(expression)') FROM pragma_index_info('{index}') ORDER BY seqno"
                    ))
                    .fetch_all(pool)
                    .await
                    .unwrap();
                    table.indexes.push((index, unique == 1, columns));
                }
                let mut foreign: BTreeMap<i64, (String, Vec<String>, Vec<String>)> = BTreeMap::new();
                for row in sqlx::query(&format!(
                    "SELECT CAST(id AS BIGINT) AS id, \"table\" AS t, \"from\" AS f, \"to\" AS c FROM pragma_foreign_key_list('{name}') ORDER BY id, seq"
                ))
                .fetch_all(pool)
                .await
                .unwrap()
                {
                    let entry = foreign.entry(row.get("id")).or_insert_with(|| (row.get("t"), Vec::new(), Vec::new()));
                    entry.1.push(row.get("f"));
                    entry.2.push(row.get::<Option<String>, _>("c").unwrap_or_default());
                }
                table.foreign = foreign.into_values().collect();
                out.insert(name, table);
            }
        }
        settle_store::Backend::Postgres => {
            for row in sqlx::query(
                "SELECT CAST(c.relname AS TEXT) AS t, CAST(a.attname AS TEXT) AS col FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND c.relname NOT LIKE '_sqlx%'",
            )
            .fetch_all(pool)
            .await
            .unwrap()
            {
                out.entry(row.get("t")).or_default().columns.insert(row.get("col"));
            }
            // Index columns in order, with whether the index is unique or the key.
            for row in sqlx::query(
                "SELECT CAST(c.relname AS TEXT) AS t, CAST(i.relname AS TEXT) AS idx, CAST(CASE WHEN x.indisunique THEN 1 ELSE 0 END AS BIGINT) AS u, \
                 CAST(CASE WHEN x.indisprimary THEN 1 ELSE 0 END AS BIGINT) AS p, \
                 COALESCE(CAST(a.attname AS TEXT), '(expression)') AS col, CAST(k.n AS BIGINT) AS n \
                 FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid \
                 JOIN pg_namespace ns ON ns.oid = c.relnamespace \
                 CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) \
                 LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
                 WHERE ns.nspname = current_schema() AND c.relname NOT LIKE '_sqlx%' ORDER BY c.relname, i.relname, k.n",
            )
            .fetch_all(pool)
            .await
            .unwrap()
            {
                let table = out.entry(row.get("t")).or_default();
                let index: String = row.get("idx");
                let unique = row.get::<i64, _>("u") == 1;
                let column: String = row.get("col");
                if row.get::<i64, _>("p") == 1 {
                    table.key.push(column.clone());
                }
                match table.indexes.last_mut() {
                    Some((name, _, columns)) if *name == index => columns.push(column),
                    _ => table.indexes.push((index, unique, vec![column])),
                }
            }
            for row in sqlx::query(
                "SELECT CAST(c.relname AS TEXT) AS t, CAST(r.relname AS TEXT) AS r, CAST(con.conname AS TEXT) AS name, CAST(fa.attname AS TEXT) AS f, CAST(ta.attname AS TEXT) AS c \
                 FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid \
                 JOIN pg_namespace ns ON ns.oid = c.relnamespace \
                 CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(fk, tk, n) \
                 JOIN pg_attribute fa ON fa.attrelid = c.oid AND fa.attnum = k.fk \
                 JOIN pg_attribute ta ON ta.attrelid = r.oid AND ta.attnum = k.tk \
                 WHERE con.contype = 'f' AND ns.nspname = current_schema() ORDER BY c.relname, con.conname, k.n",
            )
            .fetch_all(pool)
            .await
            .unwrap()
            {
                let table = out.entry(row.get("t")).or_default();
                let name: String = row.get("name");
                let referenced: String = row.get("r");
                let key = format!("{referenced}/{name}");
                match table.foreign.last_mut() {
                    Some((r, _, _)) if *r == key => {
                        let last = table.foreign.last_mut().unwrap();
                        last.1.push(row.get("f"));
                        last.2.push(row.get("c"));
                    }
                    _ => table.foreign.push((key, vec![row.get("f")], vec![row.get("c")])),
                }
            }
            for table in out.values_mut() {
                for foreign in &mut table.foreign {
                    foreign.0 = foreign.0.split('/').next().unwrap().to_string();
                }
            }
        }
    }
    out
}

/// Every way the schema breaks distribution by organisation, one line each.
fn breaches(schema: &BTreeMap<String, Table>) -> Vec<String> {
    let reference = |name: &str| REFERENCE.iter().any(|(t, _)| *t == name);
    let mut out = Vec::new();
    for (name, table) in schema {
        if reference(name) {
            for (to, from, _) in &table.foreign {
                if !reference(to) {
                    out.push(format!(
                        "reference table {name} has a foreign key ({}) to distributed table {to}",
                        from.join(", ")
                    ));
                }
            }
            continue;
        }
        if !table.columns.contains("org_id") {
            out.push(format!("{name} has no org_id: add it (leading its key) or name it in REFERENCE with why"));
            continue;
        }
        if table.key.is_empty() {
            if !NO_KEY.iter().any(|(t, _)| t == name) {
                out.push(format!(
                    "{name} has no primary key: give it one leading with org_id, or name it in NO_KEY with why"
                ));
            }
        } else if table.key[0] != "org_id" {
            out.push(format!("{name}'s primary key ({}) does not lead with org_id", table.key.join(", ")));
        }
        for (index, unique, columns) in &table.indexes {
            let crossing = !*unique && CROSS_ORGANISATION.iter().any(|(i, _)| i == index);
            if columns.first().map(String::as_str) != Some("org_id") && !crossing {
                let kind = if *unique { "unique index" } else { "index" };
                out.push(format!("{name}'s {kind} {index} ({}) does not lead with org_id", columns.join(", ")));
            }
        }
        for (to, from, columns) in &table.foreign {
            if reference(to) {
                continue;
            }
            let paired = from.iter().zip(columns).any(|(f, c)| f == "org_id" && c == "org_id");
            if !paired {
                out.push(format!(
                    "{name}'s foreign key ({}) to {to} ({}) does not carry org_id to org_id",
                    from.join(", "),
                    columns.join(", ")
                ));
            }
        }
    }
    for (name, _) in REFERENCE.iter().chain(NO_KEY) {
        if !schema.contains_key(*name) {
            out.push(format!("{name} is named in this test but no longer exists"));
        }
    }
    for (name, _) in CROSS_ORGANISATION {
        if !schema.values().any(|t| t.indexes.iter().any(|(i, _, _)| i == name)) {
            out.push(format!("{name} is named in this test but no longer exists"));
        }
    }
    out
}

#[tokio::test]
async fn every_table_key_and_index_is_distributable_by_organisation() {
    for backend in all_backends().await {
        let schema = schema(&backend.store).await;
        assert!(schema.len() > 60, "{}: read {} tables only", backend.name, schema.len());
        let foreign: usize = schema.values().map(|t| t.foreign.len()).sum();
        let indexes: usize = schema.values().map(|t| t.indexes.len()).sum();
        assert!(
            foreign > 40 && indexes > 100,
            "{}: read {foreign} foreign keys and {indexes} indexes only",
            backend.name
        );
        let found = breaches(&schema);
        assert!(found.is_empty(), "{}: not distributable by organisation:\n{}", backend.name, found.join("\n"));
    }
}

#[test]
fn the_rules_catch_a_table_that_breaks_them() {
    // The checker itself: a schema with every breach, found one by one.
    let mut schema = BTreeMap::new();
    let table = |columns: &[&str], key: &[&str]| Table {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        key: key.iter().map(|c| c.to_string()).collect(),
        ..Default::default()
    };
    schema.insert("organisation".to_string(), table(&["org_id"], &["org_id"]));
    schema.insert("sign_in_name".to_string(), table(&["username", "org_id"], &["username"]));
    let mut outbox = table(&["org_id", "status"], &["org_id"]);
    outbox.indexes.push(("email_outbox_due".into(), false, vec!["status".into()]));
    outbox.indexes.push(("api_token_digest".into(), false, vec!["token".into()]));
    outbox.indexes.push(("user_session_digest".into(), true, vec!["token".into()]));
    schema.insert("outbox".to_string(), outbox);
    schema.insert("follow_up_dirty".to_string(), table(&["org_id", "claim_id"], &[]));
    schema.insert("global_thing".to_string(), table(&["id"], &["id"]));
    schema.insert("keyed_wrong".to_string(), table(&["org_id", "id"], &["id", "org_id"]));
    let mut indexed = table(&["org_id", "id", "code"], &["org_id", "id"]);
    indexed.indexes.push(("by_code".into(), true, vec!["code".into()]));
    indexed.foreign.push(("keyed_wrong".into(), vec!["id".into()], vec!["id".into()]));
    schema.insert("indexed".to_string(), indexed);
    let found = breaches(&schema);
    for expected in [
        "global_thing has no org_id",
        "keyed_wrong's primary key (id, org_id) does not lead",
        "indexed's unique index by_code (code)",
        "indexed's foreign key (id) to keyed_wrong",
        "outbox's unique index user_session_digest (token)",
    ] {
        assert!(found.iter().any(|f| f.starts_with(expected)), "missed {expected:?} in {found:#?}");
    }
    assert_eq!(found.len(), 5, "{found:#?}");
}

/// The SQL text of the store's sources: every string literal's content,
/// joined, with Rust's line continuations removed.
fn store_sql() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap().replace("\\\n", " ");
                files.push((path.display().to_string(), text));
            }
        }
    }
    files
}

/// Each `JOIN table [alias] ON condition` in `sql`: (table, condition).
fn joins(sql: &str) -> Vec<(String, String)> {
    const ENDS: &[&str] = &[
        " JOIN ", " LEFT ", " INNER ", " CROSS ", " WHERE ", " GROUP ", " ORDER ", " LIMIT ", " UNION ", " HAVING ", "\"", ")\n", " SET ",
    ];
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(at) = rest.find(" JOIN ") {
        rest = &rest[at + " JOIN ".len()..];
        let table: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let Some(on) = rest.find(" ON ") else { break };
        // `JOIN x USING`/subqueries/`LATERAL` are not table joins with ON here.
        if table.is_empty() || rest[..on].contains('(') || rest[..on].split_whitespace().count() > 3 {
            continue;
        }
        let condition = &rest[on + 4..];
        let end = ENDS.iter().filter_map(|e| condition.find(e)).min().unwrap_or(condition.len());
        out.push((table, condition[..end].to_string()));
    }
    out
}

#[test]
fn every_join_the_store_writes_matches_the_organisation() {
    let mut found = Vec::new();
    let mut seen = 0;
    for (path, text) in store_sql() {
        for (table, condition) in joins(&text) {
            if REFERENCE.iter().any(|(t, _)| *t == table) {
                continue;
            }
            // The system catalogs (read for the schema's own foreign keys
            // by the bulk path) hold no organisation's rows.
            if table.starts_with("pg_") {
                continue;
            }
            seen += 1;
            if !condition.contains("org_id") {
                found.push(format!("{path}: JOIN {table} ON {}", condition.trim()));
            }
        }
    }
    assert!(seen > 50, "found only {seen} joins: the scanner no longer reads the store's SQL");
    assert!(found.is_empty(), "joins that do not match org_id:\n{}", found.join("\n"));
    // The scanner itself.
    let caught = joins("SELECT * FROM claim c JOIN payer p ON p.payer_key = c.payer_key WHERE c.org_id = $1");
    assert_eq!(caught, vec![("payer".to_string(), "p.payer_key = c.payer_key".to_string())]);
}
