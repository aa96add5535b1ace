//! Tidy checks in the style of rust-analyzer's: the crate dependency table of
//! `ARCHITECTURE.md` is the real one (both ways), the session's dependency tree does no
//! I/O, and the kiosk's tree holds no server, no signer and no emulator.
//!
//! Reads `cargo metadata` (normal dependencies only; tests and benches may use more).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Crates the session's whole dependency tree must not contain.
const SESSION_FORBIDDEN: &[&str] = &["tokio", "slint", "rusqlite", "reqwest", "serialport"];

/// Workspace crates the kiosk's tree must not contain.
const KIOSK_FORBIDDEN: &[&str] = &["manassa-sim", "manassa-emulators"];

/// `crate → its workspace dependencies`, from the table between the markers.
type Table = BTreeMap<String, BTreeSet<String>>;

fn metadata(no_deps: bool) -> Value {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .arg("--manifest-path")
        .arg(Path::new(ROOT).join("Cargo.toml"));
    if no_deps {
        cmd.arg("--no-deps");
    } else {
        cmd.args(["--filter-platform", &host_triple()]);
    }
    let out = cmd.output().expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed (dependencies must be fetched: run scripts/test.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

fn host_triple() -> String {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_string()
}

/// The workspace's crates and their normal dependencies on other workspace crates.
fn real_table(meta: &Value) -> Table {
    let packages = meta["packages"].as_array().expect("packages");
    let names: BTreeSet<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null() && names.contains(d["name"].as_str().unwrap()))
                .map(|d| d["name"].as_str().unwrap().to_string())
                .collect();
            (p["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

/// Parses the table rows `| `crate` | folder | what | `dep`, `dep` |` between
/// `<!-- crate-deps:start -->` and `<!-- crate-deps:end -->`; `—` means none.
fn parse_table(doc: &str) -> Result<Table, String> {
    let start = doc
        .find("<!-- crate-deps:start -->")
        .ok_or("no crate-deps:start marker")?;
    let end = doc
        .find("<!-- crate-deps:end -->")
        .ok_or("no crate-deps:end marker")?;
    let mut table = Table::new();
    for line in doc[start..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let [name, _folder, _what, deps] = cells[..] else {
            return Err(format!("a row needs 4 cells: {line}"));
        };
        let deps = deps
            .split(',')
            .map(|d| d.trim().trim_matches('`').to_string())
            .filter(|d| !d.is_empty() && d != "—")
            .collect();
        if table
            .insert(name.trim_matches('`').to_string(), deps)
            .is_some()
        {
            return Err(format!("crate listed twice: {name}"));
        }
    }
    Ok(table)
}

/// Every difference between the documented and the real table, one line each.
fn differences(documented: &Table, real: &Table) -> Vec<String> {
    let mut out = Vec::new();
    let empty = BTreeSet::new();
    for (name, deps) in real {
        let Some(allowed) = documented.get(name) else {
            out.push(format!("{name} is not in ARCHITECTURE.md's crate table"));
            continue;
        };
        for d in deps.difference(allowed) {
            out.push(format!(
                "{name} depends on {d}, which the table does not allow"
            ));
        }
    }
    for (name, allowed) in documented {
        let deps = real.get(name).unwrap_or(&empty);
        if !real.contains_key(name) {
            out.push(format!(
                "the table lists {name}, which is not a workspace crate"
            ));
        }
        for d in allowed.difference(deps) {
            out.push(format!("the table says {name} uses {d}; it does not"));
        }
    }
    out
}

#[test]
fn crate_dependencies_are_the_documented_ones() {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md")).unwrap();
    let documented = parse_table(&doc).unwrap();
    let real = real_table(&metadata(true));
    assert!(real.len() >= 12, "the workspace has its crates: {real:?}");
    let diff = differences(&documented, &real);
    assert!(diff.is_empty(), "ARCHITECTURE.md:\n{}", diff.join("\n"));
}

#[test]
fn the_checker_sees_an_undocumented_edge_and_a_stale_row() {
    let doc = "<!-- crate-deps:start -->\n| crate | folder | what | may depend on |\n\
               | `a` | `x` | y | `b` |\n| `b` | `x` | y | — |\n<!-- crate-deps:end -->";
    let documented = parse_table(doc).unwrap();
    let mut real = Table::new();
    real.insert("a".into(), BTreeSet::from(["c".to_string()]));
    real.insert("b".into(), BTreeSet::new());
    real.insert("c".into(), BTreeSet::new());
    let diff = differences(&documented, &real);
    assert_eq!(
        diff,
        [
            "a depends on c, which the table does not allow",
            "c is not in ARCHITECTURE.md's crate table",
            "the table says a uses b; it does not",
        ]
    );
}

/// Package ids reachable from `root` over normal (non-dev, non-build) edges.
fn normal_tree<'a>(meta: &'a Value, root: &str) -> BTreeSet<&'a str> {
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let root_id = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == root && p["source"].is_null())
        .and_then(|p| p["id"].as_str())
        .unwrap_or_else(|| panic!("{root} is a workspace crate"));
    let mut seen = BTreeSet::from([root_id]);
    let mut queue = VecDeque::from([root_id]);
    while let Some(id) = queue.pop_front() {
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            let pkg = dep["pkg"].as_str().unwrap();
            if normal && seen.insert(pkg) {
                queue.push_back(pkg);
            }
        }
    }
    seen
}

fn package<'a>(meta: &'a Value, id: &str) -> &'a Value {
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
}

#[test]
fn the_session_tree_does_no_io_and_the_kiosk_holds_no_server_signer_or_emulator() {
    let meta = metadata(false);
    let name = |id: &str| package(&meta, id)["name"].as_str().unwrap().to_string();

    let session: BTreeSet<String> = normal_tree(&meta, "manassa-session")
        .into_iter()
        .map(name)
        .collect();
    assert!(session.contains("manassa-i18n"), "premise: {session:?}");
    for bad in SESSION_FORBIDDEN {
        assert!(
            !session.contains(*bad),
            "manassa-session's tree holds {bad}"
        );
    }

    let kiosk = normal_tree(&meta, "manassa");
    let kiosk_names: BTreeSet<String> = kiosk.iter().copied().map(name).collect();
    assert!(
        kiosk_names.contains("manassa-seal"),
        "premise: it verifies seals"
    );
    for bad in KIOSK_FORBIDDEN {
        assert!(!kiosk_names.contains(*bad), "the kiosk's tree holds {bad}");
    }
    // Who in the kiosk's tree asks for the seal's signing code, by name or by default?
    let seal = kiosk
        .iter()
        .map(|id| package(&meta, id))
        .find(|p| p["name"] == "manassa-seal")
        .unwrap();
    let default = seal["features"]["default"].as_array();
    assert!(
        default.is_none_or(|d| !d.iter().any(|f| f == "sign")),
        "manassa-seal signs by default"
    );
    for id in &kiosk {
        let p = package(&meta, id);
        for d in p["dependencies"].as_array().unwrap() {
            let asks_sign = d["name"] == "manassa-seal"
                && d["kind"].is_null()
                && d["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f == "sign");
            assert!(
                !asks_sign,
                "{} enables manassa-seal/sign in the kiosk's tree",
                p["name"]
            );
        }
    }
}
