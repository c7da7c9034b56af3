//! Tidy checks over the workspace's source, as rust-analyzer keeps them:
//! every source file is on ARCHITECTURE.md's code map, and no file grows
//! past the line budget (the files already over it may only shrink).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A source file's budget, in lines.
const BUDGET: usize = 1_000;

/// Files over the budget, each with the most lines it may have (a ratchet:
/// they may only shrink until cut by business area and step). None now:
/// issue 19 cut the last of them; a file over the budget is a failure.
const OVER_BUDGET: &[(&str, usize)] = &[];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for krate in std::fs::read_dir(root().join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            walk(&src, &mut out);
        }
    }
    out.sort();
    out
}

/// "crates/settle-store/src/ops.rs".
fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

#[test]
fn every_source_file_is_on_the_code_map() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let start = text.find("## Code map").expect("ARCHITECTURE.md has a code map");
    let map = &text[start..];
    let map = &map[..map[3..].find("\n## ").map_or(map.len(), |i| i + 3)];
    // "  settle-store/" opens a crate; "    name.rs" or "    dir/" (a folder
    // covers its files) lists what is in its src/.
    let mut listed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut krate = String::new();
    for line in map.lines() {
        if let Some(rest) = line.strip_prefix("    ").filter(|r| !r.starts_with(' ')) {
            if let Some(entry) = rest.split_whitespace().next() {
                listed.entry(krate.clone()).or_default().push(entry.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("  ").filter(|r| !r.starts_with(' ')) {
            if let Some(name) = rest.split_whitespace().next().and_then(|w| w.strip_suffix('/')) {
                krate = name.to_string();
            }
        }
    }
    let mut missing = Vec::new();
    for path in sources() {
        let rel = relative(&path);
        let parts: Vec<&str> = rel.split('/').collect();
        // crates / <crate> / src / ...
        let (krate, inside) = (parts[1], &parts[3..]);
        let entries = listed.get(krate).cloned().unwrap_or_default();
        let on_map = match inside {
            [file] => entries.iter().any(|e| e == file),
            [dir, ..] => entries.iter().any(|e| *e == format!("{dir}/")),
            [] => true,
        };
        if !on_map {
            missing.push(rel);
        }
    }
    assert!(
        missing.is_empty(),
        "add these to ARCHITECTURE.md's code map, each with what it owns:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_source_file_passes_its_line_budget() {
    let mut over = Vec::new();
    for path in sources() {
        let rel = relative(&path);
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        let allowed = OVER_BUDGET.iter().find(|(f, _)| *f == rel).map_or(BUDGET, |(_, n)| *n);
        if lines > allowed {
            over.push(format!("{rel}: {lines} lines, at most {allowed}; cut it by business area and step"));
        }
        if allowed > BUDGET && lines <= BUDGET {
            over.push(format!("{rel}: {lines} lines, within the budget now: take it off OVER_BUDGET"));
        }
    }
    for (file, _) in OVER_BUDGET {
        assert!(root().join(file).exists(), "{file} is on OVER_BUDGET but does not exist");
    }
    assert!(over.is_empty(), "{}", over.join("\n"));
}
