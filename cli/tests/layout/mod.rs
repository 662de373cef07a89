//! The file-level import graph of one crate's sources, and the circles in it (mutual pairs
//! and strongly connected components, by Tarjan's algorithm).

mod tokens;

use std::collections::{BTreeMap, BTreeSet};
use tokens::{is_ident, tokens, use_paths, without_test_modules, ModPath, Tok};

pub fn module_of(rel: &str) -> ModPath {
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: ModPath = rel.split(['/', '\\']).map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Test-only files: `tests.rs`, `tests_*.rs`, `test_support.rs`, anything under `tests/`.
fn is_test_file(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split(['/', '\\']).collect();
    let (name, dirs) = parts.split_last().expect("a file name");
    dirs.contains(&"tests")
        || name == &"tests.rs"
        || name == &"test_support.rs"
        || (name.starts_with("tests_") && name.ends_with(".rs"))
}

/// The file-level import graph of one crate's sources.
pub struct ImportGraph {
    /// Module -> file path relative to `src/`.
    pub files: BTreeMap<ModPath, String>,
    /// Module -> the other modules it names (test-only files have none).
    pub edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

impl ImportGraph {
    /// `sources`: (path relative to `src/`, text) of every `.rs` file of the crate.
    pub fn new(sources: &[(String, String)]) -> ImportGraph {
        let has_lib = sources.iter().any(|(rel, _)| rel == "lib.rs");
        // A `main.rs` beside a `lib.rs` is another crate (the binary), which reaches the
        // library only by its package name: not part of this graph.
        let sources: Vec<&(String, String)> = sources
            .iter()
            .filter(|(rel, _)| !(has_lib && rel == "main.rs"))
            .collect();
        let files: BTreeMap<ModPath, String> = sources
            .iter()
            .map(|(rel, _)| (module_of(rel), rel.clone()))
            .collect();
        let mut edges = BTreeMap::new();
        for (rel, text) in sources {
            if is_test_file(rel) {
                continue;
            }
            let module = module_of(rel);
            let named = names(&files, &module, text);
            edges.insert(module, named);
        }
        ImportGraph { files, edges }
    }

    pub fn file(&self, m: &ModPath) -> &str {
        &self.files[m]
    }
}

/// The modules (other than `module` itself) that the text of `module`'s file names.
fn names(files: &BTreeMap<ModPath, String>, module: &ModPath, text: &str) -> BTreeSet<ModPath> {
    let t = without_test_modules(tokens(text));
    let mut paths = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if is_ident(t.get(i), "use") {
            let start = i + 1;
            let mut depth = 0i32;
            let mut end = start;
            while end < t.len() {
                match t[end] {
                    Tok::Punct('{') => depth += 1,
                    Tok::Punct('}') => depth -= 1,
                    Tok::Punct(';') if depth == 0 => break,
                    _ => {}
                }
                end += 1;
            }
            paths.extend(use_paths(&t[start..end]));
            i = end + 1;
            continue;
        }
        // An inline path: `name::...` not itself the tail of a longer path.
        if matches!(t[i], Tok::Ident(_))
            && t.get(i + 1) == Some(&Tok::PathSep)
            && (i == 0 || t[i - 1] != Tok::PathSep)
        {
            let mut path = Vec::new();
            let mut j = i;
            while let Some(Tok::Ident(name)) = t.get(j) {
                path.push(name.clone());
                if t.get(j + 1) != Some(&Tok::PathSep) {
                    break;
                }
                j += 2;
            }
            paths.push(path);
            i = j + 1;
            continue;
        }
        i += 1;
    }
    paths
        .iter()
        .filter_map(|p| resolve(files, module, p))
        .filter(|m| m != module)
        .collect()
}

/// The module a path from `cur` lands in: the longest prefix that is a file's module.
fn resolve(files: &BTreeMap<ModPath, String>, cur: &[String], path: &[String]) -> Option<ModPath> {
    let first = path.first()?;
    let (mut base, rest): (ModPath, &[String]) = match first.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "super" => {
            let supers = path.iter().take_while(|p| *p == "super").count();
            let keep = cur.len().saturating_sub(supers);
            (cur[..keep].to_vec(), &path[supers..])
        }
        "self" => (cur.to_vec(), &path[1..]),
        child => {
            let mut m = cur.to_vec();
            m.push(child.to_string());
            if !files.contains_key(&m) {
                return None;
            }
            (cur.to_vec(), path)
        }
    };
    let mut best = files.contains_key(&base).then(|| base.clone());
    for part in rest {
        base.push(part.clone());
        if !files.contains_key(&base) {
            break;
        }
        best = Some(base.clone());
    }
    best
}

pub struct Circles<'g> {
    graph: &'g ImportGraph,
    /// (a, b) with a < b, each naming the other.
    pub pairs: Vec<(ModPath, ModPath)>,
    /// Every set of two or more modules that reach each other, each sorted.
    pub cycles: Vec<Vec<ModPath>>,
}

impl<'g> Circles<'g> {
    pub fn of(graph: &'g ImportGraph) -> Circles<'g> {
        let mut pairs = Vec::new();
        for (a, targets) in &graph.edges {
            for b in targets.iter().filter(|b| *b > a) {
                if graph.edges.get(b).is_some_and(|back| back.contains(a)) {
                    pairs.push((a.clone(), b.clone()));
                }
            }
        }
        let mut tarjan = Tarjan::default();
        for v in graph.edges.keys() {
            if !tarjan.index.contains_key(v) {
                tarjan.visit(&graph.edges, v);
            }
        }
        let mut cycles = tarjan.sccs;
        for c in &mut cycles {
            c.sort();
        }
        cycles.sort();
        Circles {
            graph,
            pairs,
            cycles,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.cycles.is_empty()
    }

    /// Pairs and cycles by file, each cycle with its members' imports inside it.
    pub fn report(&self) -> String {
        let g = self.graph;
        let mut s = format!(
            "{} mutual pairs, {} cycles (a file must not import one that imports it back, \
             directly or around a circle)\n",
            self.pairs.len(),
            self.cycles.len()
        );
        for (a, b) in &self.pairs {
            s += &format!("  pair {} <-> {}\n", g.file(a), g.file(b));
        }
        for c in &self.cycles {
            let mut files: Vec<&str> = c.iter().map(|m| g.file(m)).collect();
            files.sort();
            s += &format!("  cycle {}\n", files.join(" "));
            for m in c {
                let inside: Vec<&str> = g.edges[m]
                    .iter()
                    .filter(|t| c.contains(t))
                    .map(|t| g.file(t))
                    .collect();
                s += &format!("    {} -> {}\n", g.file(m), inside.join(", "));
            }
        }
        s
    }
}

#[derive(Default)]
struct Tarjan {
    next: usize,
    index: BTreeMap<ModPath, usize>,
    low: BTreeMap<ModPath, usize>,
    stack: Vec<ModPath>,
    on_stack: BTreeSet<ModPath>,
    sccs: Vec<Vec<ModPath>>,
}

impl Tarjan {
    fn visit(&mut self, edges: &BTreeMap<ModPath, BTreeSet<ModPath>>, v: &ModPath) {
        self.index.insert(v.clone(), self.next);
        self.low.insert(v.clone(), self.next);
        self.next += 1;
        self.stack.push(v.clone());
        self.on_stack.insert(v.clone());
        for w in edges[v].iter().filter(|w| edges.contains_key(*w)) {
            if !self.index.contains_key(w) {
                self.visit(edges, w);
                let low = self.low[v].min(self.low[w]);
                self.low.insert(v.clone(), low);
            } else if self.on_stack.contains(w) {
                let low = self.low[v].min(self.index[w]);
                self.low.insert(v.clone(), low);
            }
        }
        if self.low[v] == self.index[v] {
            let mut scc = Vec::new();
            loop {
                let w = self.stack.pop().expect("v is on the stack");
                self.on_stack.remove(&w);
                let done = &w == v;
                scc.push(w);
                if done {
                    break;
                }
            }
            if scc.len() > 1 {
                self.sccs.push(scc);
            }
        }
    }
}
