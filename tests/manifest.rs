//! What Cargo.toml and the README promise about building: `rust-version` is the true minimum
//! (the newest `rust-version` the dependencies of a build declare), the tests' minimum is the
//! one the README states, and the release profile carries no debug info. Read from
//! `cargo metadata` (offline: the lock file's versions), so a dependency update that raises the
//! minimum fails here.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

fn version(v: &str) -> (u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// The newest `rust-version` among the packages racelint needs, following only `kinds` of
/// dependency edges from racelint itself (and normal and build edges below it), on this host.
fn newest_rust_version(meta: &serde_json::Value, kinds: &[&str]) -> ((u32, u32), String) {
    let packages: HashMap<&str, &serde_json::Value> =
        meta["packages"].as_array().unwrap().iter().map(|p| (p["id"].as_str().unwrap(), p)).collect();
    let nodes: HashMap<&str, &serde_json::Value> =
        meta["resolve"]["nodes"].as_array().unwrap().iter().map(|n| (n["id"].as_str().unwrap(), n)).collect();
    let root = meta["resolve"]["root"].as_str().unwrap();
    let mut seen = HashSet::new();
    let mut stack = vec![(root, true)];
    let mut newest = ((0, 0), String::new());
    while let Some((id, is_root)) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if !is_root {
            if let Some(rv) = packages[id]["rust_version"].as_str() {
                if version(rv) > newest.0 {
                    newest = (version(rv), format!("{} {}", packages[id]["name"].as_str().unwrap(), rv));
                }
            }
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let follow = dep["dep_kinds"].as_array().unwrap().iter().any(|k| {
                // `--filter-platform` has dropped the other platforms' edges
                let kind = k["kind"].as_str().unwrap_or("normal");
                if is_root {
                    kinds.contains(&kind)
                } else {
                    kind != "dev"
                }
            });
            if follow {
                stack.push((dep["pkg"].as_str().unwrap(), false));
            }
        }
    }
    newest
}

#[test]
fn rust_version_is_the_dependencies_true_minimum_and_the_readme_says_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let host = Command::new("rustc").arg("-vV").output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let host = host.lines().find_map(|l| l.strip_prefix("host: ")).unwrap_or("x86_64-unknown-linux-gnu").to_string();
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked", "--filter-platform", &host])
        .current_dir(root)
        .output()
        .expect("cargo metadata");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let declared = version(env!("CARGO_PKG_RUST_VERSION"));
    let (build, build_by) = newest_rust_version(&meta, &["normal", "build"]);
    let (tests, tests_by) = newest_rust_version(&meta, &["normal", "build", "dev"]);
    assert_eq!(declared, build, "Cargo.toml's rust-version must be what the build needs ({build_by})");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let line = format!("Rust {}.{} or newer to build, {}.{} for the tests", build.0, build.1, tests.0, tests.1);
    assert!(readme.contains(&line), "the README's toolchain line should say `{line}` (tests: {tests_by})");
}

#[test]
fn release_builds_carry_no_debug_info_and_profiling_builds_do() {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap()).unwrap();
    let profiles = &manifest["profile"];
    assert_eq!(profiles["release"]["debug"].as_bool(), Some(false));
    assert_eq!(profiles["release"]["strip"].as_str(), Some("debuginfo"));
    assert_eq!(profiles["profiling"]["inherits"].as_str(), Some("release"));
    assert!(profiles["profiling"]["debug"].as_integer().is_some_and(|d| d >= 1));
}
