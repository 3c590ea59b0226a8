//! The crate's modules stand in the layers its `lib.rs` doc lists: this test reads that list and
//! every source file, and fails when a module imports from a layer above its own, when modules
//! import each other in a circle, or when a module is in no layer — so the layering cannot
//! silently regress.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The layers of the `lib.rs` doc, lowest first: lines `//! 1. name: `a`, `b` — what`.
fn layers(lib: &str) -> BTreeMap<String, (usize, String)> {
    let mut out = BTreeMap::new();
    for line in lib.lines() {
        let Some(item) = line.strip_prefix("//! ") else {
            continue;
        };
        let Some((rank, rest)) = item.split_once(". ") else {
            continue;
        };
        let (Ok(rank), Some((name, rest))) = (rank.parse::<usize>(), rest.split_once(": ")) else {
            continue;
        };
        let modules = rest.split('—').next().unwrap_or_default();
        for m in modules.split(',') {
            let m = m.trim().trim_matches('`');
            assert!(!m.is_empty(), "an empty module name in layer {name}");
            let before = out.insert(m.to_owned(), (rank, name.to_owned()));
            assert!(before.is_none(), "`{m}` is listed in two layers");
        }
    }
    out
}

/// The module path of a source file below `src/` (`cache/apply.rs` → `["cache", "apply"]`).
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The top-level modules `code` (a file at `path`) refers to: `crate::x…`, `crate::{x, y…}`,
/// and `super::…` climbing to the crate root. Comments do not count.
fn imports(code: &str, path: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or_default();
        let mut rest = line;
        while let Some(at) = [rest.find("crate::"), rest.find("super::")]
            .into_iter()
            .flatten()
            .min()
        {
            let word_start =
                at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
            let mut tail = &rest[at..];
            let mut module = Vec::new();
            if tail.starts_with("crate::") {
                tail = &tail["crate::".len()..];
            } else {
                module = path.to_vec();
                while let Some(t) = tail.strip_prefix("super::") {
                    module.pop();
                    tail = t;
                }
            }
            rest = &rest[at + 1..];
            if !word_start {
                continue;
            }
            if let Some(top) = module.first() {
                // Still inside a top-level module: a sibling or a parent of its own.
                out.insert(top.clone());
                continue;
            }
            if let Some(group) = tail.strip_prefix('{') {
                // `crate::{a::B, c}`: the first name of each entry at the group's own depth.
                let mut depth = 0;
                let mut entries = vec![String::new()];
                for c in group.chars() {
                    match c {
                        '}' if depth == 0 => break,
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => entries.push(String::new()),
                        _ if depth == 0 => entries.last_mut().unwrap().push(c),
                        _ => {}
                    }
                }
                out.extend(
                    entries
                        .iter()
                        .map(|e| first_name(e.trim()))
                        .filter(|n| !n.is_empty()),
                );
            } else {
                let name = first_name(tail);
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// The leading identifier of `s`.
fn first_name(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Each top-level module and the top-level modules it imports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        if f == src().join("lib.rs") {
            continue; // The crate root names the layers and re-exports from them.
        }
        let path = module_path(&f);
        let Some(top) = path.first().cloned() else {
            continue;
        };
        let code = std::fs::read_to_string(&f).unwrap();
        let to = g.entry(top.clone()).or_default();
        to.extend(imports(&code, &path).into_iter().filter(|m| *m != top));
    }
    g
}

#[test]
fn modules_import_only_from_their_own_layer_or_below() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let layers = layers(&lib);
    assert!(layers.len() >= 5, "the layer list in lib.rs was not found");
    let g = graph();
    let mut wrong = Vec::new();
    for (m, to) in &g {
        let Some((rank, layer)) = layers.get(m) else {
            wrong.push(format!("`{m}` is in no layer of the lib.rs doc"));
            continue;
        };
        for t in to {
            match layers.get(t) {
                None => wrong.push(format!(
                    "`{m}` imports `crate::{t}`, which is no module of a layer (import from the module that defines it)"
                )),
                Some((r, l)) if r > rank => wrong.push(format!(
                    "`{m}` ({layer}) imports `{t}` from the layer above it ({l})"
                )),
                Some(_) => {}
            }
        }
    }
    for m in layers.keys().filter(|m| !g.contains_key(*m)) {
        wrong.push(format!("the lib.rs doc lists `{m}`, which is not a module"));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Not vacuous: the facade does use the engine, and the engine the storage.
    assert!(
        g["desk"].contains("sync") && g["sync"].contains("cache"),
        "{g:?}"
    );
}

#[test]
fn modules_do_not_import_each_other_in_a_circle() {
    let g = graph();
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if !done.insert(m.to_owned()) {
            return None;
        }
        stack.push(m.to_owned());
        for t in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(t, g, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        if let Some(cycle) = visit(m, &g, &mut Vec::new(), &mut done) {
            panic!(
                "modules import each other in a circle: {}",
                cycle.join(" → ")
            );
        }
    }
}

#[test]
fn the_scanner_finds_every_form_of_import() {
    let at = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let code = "use crate::api::Api;\n\
                use crate::{cache::{Cache, TicketQuery}, error::Error, local};\n\
                use super::super::sync::Inner; // crate::desk in a comment does not count\n\
                let x = crate::notify::decide(&a, &b);\n\
                use super::apply;\n";
    let found = imports(code, &at(&["cache", "search"]));
    let want: BTreeSet<String> = ["api", "cache", "error", "local", "sync", "notify"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, want);
    // In a top-level module, `super::` is the crate root.
    let found = imports("use super::desk::Desk;", &at(&["sync"]));
    assert!(found.contains("desk"), "{found:?}");
}
