//! The server crate's shape, checked on its source (issue 22, "One house, four doors"); the
//! layers and the rules are described in docs/architecture.md.
//!
//! Over 600 lines because the checks carry their own small Rust lexer and its tests: the rules
//! are only as good as the scanner, so the two stay together.
//!
//! The layers: the application layer (`app/`) under four doors (`api/`, `web/`, `cli/`,
//! `jobs.rs`), the HTTP plumbing the two HTTP doors share (`http/`), infrastructure below (`db/`,
//! `mail/`, `delivery.rs`, `calendars.rs`, `time.rs`, `config.rs`, `metrics.rs`), and `serve.rs`,
//! the one file that wires the doors together.
//!
//! The checks read `crates/server/src` as text: every `crate::…` and `super::…` path in code
//! (comments and string literals are blanked first, so doc links such as [`crate::api`] are
//! fine) is resolved to the top-level module it lands in, and each pair is held against the
//! rules in [`forbidden`]. A new top-level module must be given a layer in [`kind`].

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// Files longer than this need a reason at their top.
const MAX_LINES: usize = 600;

/// The sentence that exempts a long file, within its first [`REASON_WITHIN`] lines.
const LONG_FILE_REASON: &str = "//! Over 600 lines because";

/// How many lines at the top of a file may carry [`LONG_FILE_REASON`].
const REASON_WITHIN: usize = 5;

// ---------------------------------------------------------------------------------------------
// The rules.
// ---------------------------------------------------------------------------------------------

/// What a top-level module of the server crate is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `app/`: every use case.
    App,
    /// `http/`: what `api/` and `web/` share.
    Http,
    /// `api/`, `web/`, `cli/`, `jobs.rs`.
    Door,
    /// `serve.rs`: wires the doors together.
    Serve,
    /// What the application layer may use: `db/`, `mail/`, `delivery.rs`, …
    Infra,
    /// `lib.rs`, `main.rs`.
    Root,
    /// Not placed in any layer yet.
    Unknown,
}

/// The doors.
const DOORS: [&str; 4] = ["api", "web", "cli", "jobs"];

/// The infrastructure modules.
const INFRA: [&str; 7] = ["db", "mail", "delivery", "calendars", "time", "config", "metrics"];

/// The kind of top-level module `module` (`app`, `api`, `jobs`, `lib`, …).
fn kind(module: &str) -> Kind {
    match module {
        "app" => Kind::App,
        "http" => Kind::Http,
        "serve" => Kind::Serve,
        "lib" | "main" => Kind::Root,
        m if DOORS.contains(&m) => Kind::Door,
        m if INFRA.contains(&m) => Kind::Infra,
        _ => Kind::Unknown,
    }
}

const APP_NO_DOOR: &str = "the application layer imports no door; return AppError (or plain data) \
     from the use case and let the door map it";
const APP_NO_HTTP: &str = "the application layer imports nothing of http/ (the HTTP doors' plumbing); \
     take &Context rather than AppState, and leave cookies, headers and addresses to the door";
const HTTP_NO_DOOR: &str = "http/ is what api/ and web/ share, so it imports no door; move the piece \
     both need into http/ (HTTP plumbing) or app/ (anything else) and import it from both doors";
const INFRA_NO_DOOR: &str = "infrastructure (db/, mail/, delivery, calendars, time, config, metrics) \
     sits under the application layer and imports no door; move the type it needs down into it or \
     into app/";
const DOOR_NO_DOOR: &str = "a door does not import another door; move what both need into app/ \
     (a use case or its types) or, between api/ and web/, into http/";
const ONLY_CLI_STARTS_SERVE: &str = "serve.rs wires the doors together and only cli/ starts it; a \
     door that imported serve would import every other door through it";
const HTTP_IS_FOR_HTTP_DOORS: &str = "http/ is what the two HTTP doors share; cli/ and jobs.rs reach \
     the application through app::Context, not AppState or request plumbing";

/// Why top-level module `from` may not refer to `to`, or `None` if it may.
fn forbidden(from: &str, to: &str) -> Option<&'static str> {
    if from == to {
        return None;
    }
    match (kind(from), kind(to)) {
        (Kind::App, Kind::Door | Kind::Serve) => Some(APP_NO_DOOR),
        (Kind::App, Kind::Http) => Some(APP_NO_HTTP),
        (Kind::Http, Kind::Door | Kind::Serve) => Some(HTTP_NO_DOOR),
        (Kind::Infra, Kind::Door | Kind::Serve) => Some(INFRA_NO_DOOR),
        // The CLI hands the jobs their settings when it starts the server.
        (Kind::Door, Kind::Door) if (from, to) == ("cli", "jobs") => None,
        (Kind::Door, Kind::Door) => Some(DOOR_NO_DOOR),
        (Kind::Door, Kind::Serve) if from != "cli" => Some(ONLY_CLI_STARTS_SERVE),
        (Kind::Door, Kind::Http) if from == "cli" || from == "jobs" => Some(HTTP_IS_FOR_HTTP_DOORS),
        _ => None,
    }
}

/// Whether an arrow `from → to` is one the design draws (doors → app, api/web → http, doors →
/// infrastructure, app → infrastructure, http → app and infrastructure, infrastructure →
/// infrastructure, cli → serve, serve → anything). Other arrows that no rule forbids
/// (infrastructure → app, cli → jobs, …) are reported, not failed.
fn planned(from: &str, to: &str) -> bool {
    match (kind(from), kind(to)) {
        (Kind::Serve, _) => true,
        (Kind::Door, Kind::App | Kind::Infra) => true,
        (Kind::Door, Kind::Serve) => from == "cli",
        (Kind::Door, Kind::Http) => from == "api" || from == "web",
        (Kind::App, Kind::Infra) => true,
        (Kind::Http, Kind::App | Kind::Infra) => true,
        (Kind::Infra, Kind::Infra) => true,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// The checks.
// ---------------------------------------------------------------------------------------------

/// The application layer imports nothing from the doors, so that every use case can be reached
/// from every door: `app/`, `http/` and the infrastructure never name `crate::api`, `crate::web`,
/// `crate::cli`, `crate::jobs` or `crate::serve` (nor climb into them with `super::super::…`),
/// and `app/` does not name `crate::http`.
#[test]
fn inner_layers_import_no_door() {
    let found = violations(|from| matches!(kind(from), Kind::App | Kind::Http | Kind::Infra));
    assert!(
        found.is_empty(),
        "{} reference(s) from the inner layers to a door:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// One house, four doors: a door never imports another door (web/ does not call api/'s
/// handlers, api/ does not render pages, jobs.rs and cli/ go through app/), so that each door can
/// change without the others noticing.
#[test]
fn doors_do_not_import_each_other() {
    let found = violations(|from| kind(from) == Kind::Door);
    assert!(
        found.is_empty(),
        "{} reference(s) from one door to another:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// The arrows point one way, from the doors inwards: the graph of `crate::<module>` references
/// between top-level modules has no loop through a door or serve.rs, since such a loop would
/// make a door and the layer it stands on one thing again.
#[test]
fn no_import_loop_through_a_door() {
    let files = sources();
    let edges = edges(&files);
    let graph: BTreeMap<String, BTreeSet<String>> = graph_of(&edges);
    let mut loops = Vec::new();
    for component in components(&graph) {
        let Some(start) = component
            .iter()
            .find(|m| matches!(kind(m), Kind::Door | Kind::Serve))
            .or_else(|| component.iter().next())
        else {
            continue;
        };
        let cycle = cycle_through(&graph, &component, start);
        let described = describe_cycle(&cycle, &edges);
        let members = component.iter().cloned().collect::<Vec<_>>().join(", ");
        if component.iter().any(|m| matches!(kind(m), Kind::Door | Kind::Serve)) {
            loops.push(format!(
                "a loop through a door among {{{members}}}, e.g. {}:\n{described}\n  break it at the arrow \
                 into the door: what the inner module needs belongs in app/ or http/",
                cycle.join(" → ")
            ));
        } else {
            // Allowed (no door in it), but worth knowing about.
            eprintln!(
                "note: a loop without a door (allowed) among {{{members}}}, e.g. {}:\n{described}",
                cycle.join(" → ")
            );
        }
    }
    for ((from, to), (at, text)) in &edges {
        if !planned(from, to) && forbidden(from, to).is_none() {
            eprintln!("note: an arrow outside the plan (allowed): {from} → {to}, e.g. {at} {text}");
        }
    }
    assert!(loops.is_empty(), "{}", loops.join("\n"));
}

/// Issue 22 asks for "no file of the server crate over ~600 lines without a reason written at
/// its top": a file that long usually holds two things; split it, or say at its top why not.
#[test]
fn no_file_over_600_lines_without_a_reason() {
    let mut long = Vec::new();
    for f in sources() {
        let lines = f.text.lines().count();
        if lines > MAX_LINES && !has_reason(&f.text) {
            long.push(format!(
                "{}: {lines} lines (limit {MAX_LINES}): split it, or begin it with a line \
                 `{LONG_FILE_REASON} …` saying why it stays whole",
                f.shown()
            ));
        }
    }
    assert!(
        long.is_empty(),
        "{} file(s) over {MAX_LINES} lines without a reason at the top:\n{}",
        long.len(),
        long.join("\n")
    );
}

/// Every top-level module declared in lib.rs is placed in a layer here (app, http, a door,
/// serve, infrastructure), so that the rules above cover the whole crate and a new module is a
/// decision about where it stands.
#[test]
fn every_top_level_module_has_a_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(root.join("lib.rs")).unwrap();
    let declared = declared_modules(&lib);
    assert!(!declared.is_empty(), "no `mod` declarations found in src/lib.rs");
    let unplaced: Vec<String> = declared
        .iter()
        .filter(|m| kind(m) == Kind::Unknown)
        .map(|m| {
            format!(
                "crates/server/src/lib.rs declares `mod {m}`, which is in no layer: put it in one in \
                 crates/server/tests/architecture.rs (`kind`) and in docs/architecture.md, or move it \
                 under app/"
            )
        })
        .collect();
    assert!(unplaced.is_empty(), "{}", unplaced.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Reading the source.
// ---------------------------------------------------------------------------------------------

/// One source file of the server crate.
struct Source {
    /// Path under `src/`, with `/` (`app/tickets/open.rs`).
    rel: String,
    /// Its module path (`["app", "tickets", "open"]`; empty for lib.rs and main.rs).
    module: Vec<String>,
    /// Its text.
    text: String,
}

impl Source {
    /// The path to show in a message, from the workspace root.
    fn shown(&self) -> String {
        format!("crates/server/src/{}", self.rel)
    }

    /// The top-level module it belongs to (`lib` and `main` for the roots).
    fn layer(&self) -> String {
        match self.module.first() {
            Some(m) => m.clone(),
            None => self.rel.trim_end_matches(".rs").to_owned(),
        }
    }
}

/// Every `.rs` file under `crates/server/src`, by path.
fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let Ok(rel) = path.strip_prefix(&root) else { continue };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push(Source {
                module: module_path(&rel),
                rel,
                text,
            }),
            // Removed between listing and reading (the tree may be changing under us).
            Err(e) => eprintln!("note: skipped {}: {e}", path.display()),
        }
    }
    files
}

/// The module path of the file at `rel` under `src/`.
fn module_path(rel: &str) -> Vec<String> {
    if rel == "lib.rs" || rel == "main.rs" {
        return Vec::new();
    }
    let mut parts: Vec<String> = rel.trim_end_matches(".rs").split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Whether a long file says at its top why it is long.
fn has_reason(text: &str) -> bool {
    text.lines()
        .take(REASON_WITHIN)
        .any(|l| l.trim_start().starts_with(LONG_FILE_REASON))
}

/// The modules `lib.rs` declares (`pub mod api;` → `api`).
fn declared_modules(lib: &str) -> Vec<String> {
    let tokens = tokens(&code_only(lib));
    tokens
        .windows(3)
        .filter_map(|w| match (&w[0].tok, &w[1].tok, &w[2].tok) {
            (Tok::Ident(m), Tok::Ident(name), Tok::Other(';') | Tok::Open) if m == "mod" => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// A reference in code to a module of the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ref {
    /// 1-based line.
    line: usize,
    /// The path as written, flattened (`crate::api::problem::ApiError`, `super::super::api`).
    text: String,
    /// The top-level module it lands in (`api`).
    target: String,
}

/// Every `crate::…` and `super::…` path in the code of a file whose module path is `module`,
/// with the top-level module each lands in. Comments and the insides of string and character
/// literals are ignored; `super` is resolved through inline modules (`mod tests { … }`).
fn references(module: &[String], text: &str) -> Vec<Ref> {
    let toks = tokens(&code_only(text));
    let mut refs = Vec::new();
    // Inline modules: (name, brace depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    for i in 0..toks.len() {
        match &toks[i].tok {
            Tok::Open => {
                depth += 1;
                if i >= 2
                    && let (Tok::Ident(kw), Tok::Ident(name)) = (&toks[i - 2].tok, &toks[i - 1].tok)
                    && kw == "mod"
                {
                    inline.push((name.clone(), depth));
                }
                continue;
            }
            Tok::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            _ => {}
        }
        let after_sep = i > 0 && toks[i - 1].tok == Tok::Sep;
        if after_sep {
            continue;
        }
        let (base, prefix, mut j) = match &toks[i].tok {
            Tok::Ident(w) if w == "crate" => (Vec::new(), "crate".to_owned(), i + 1),
            Tok::Ident(w) if w == "super" => {
                let here: Vec<String> = module
                    .iter()
                    .cloned()
                    .chain(inline.iter().map(|(n, _)| n.clone()))
                    .collect();
                let mut ups = 1;
                let mut j = i + 1;
                while toks.get(j).map(|t| &t.tok) == Some(&Tok::Sep)
                    && matches!(toks.get(j + 1).map(|t| &t.tok), Some(Tok::Ident(w)) if w == "super")
                {
                    ups += 1;
                    j += 2;
                }
                if ups > here.len() {
                    continue;
                }
                (here[..here.len() - ups].to_vec(), vec!["super"; ups].join("::"), j)
            }
            _ => continue,
        };
        if toks.get(j).map(|t| &t.tok) != Some(&Tok::Sep) {
            continue; // `pub(crate)`, `pub(super)`
        }
        j += 1;
        // The paths after the prefix: one, or each item of a `{…}` group (first level).
        let mut items: Vec<(usize, Vec<String>)> = Vec::new();
        match toks.get(j).map(|t| &t.tok) {
            Some(Tok::Ident(_)) => items.push((toks[j].line, segments(&toks, j))),
            Some(Tok::Open) => {
                let mut level = 0usize;
                let mut k = j;
                while k < toks.len() {
                    match &toks[k].tok {
                        Tok::Open => level += 1,
                        Tok::Close => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        Tok::Ident(_) if level == 1 && matches!(toks[k - 1].tok, Tok::Open | Tok::Comma) => {
                            items.push((toks[k].line, segments(&toks, k)));
                        }
                        _ => {}
                    }
                    k += 1;
                }
            }
            // `super::*`
            _ => items.push((toks[i].line, Vec::new())),
        }
        for (line, segs) in items {
            let segs: Vec<String> = segs.into_iter().filter(|s| s != "self").collect();
            let Some(target) = base.iter().chain(segs.iter()).next() else {
                continue;
            };
            let text = if segs.is_empty() {
                prefix.clone()
            } else {
                format!("{prefix}::{}", segs.join("::"))
            };
            refs.push(Ref {
                line,
                text,
                target: target.clone(),
            });
        }
    }
    refs
}

/// The identifiers of the path starting at token `k` (`api`, `::`, `problem` → `[api, problem]`),
/// at most four.
fn segments(toks: &[Token], mut k: usize) -> Vec<String> {
    let mut segs = Vec::new();
    while let Some(Tok::Ident(s)) = toks.get(k).map(|t| &t.tok) {
        segs.push(s.clone());
        if segs.len() == 4 || toks.get(k + 1).map(|t| &t.tok) != Some(&Tok::Sep) {
            break;
        }
        k += 2;
    }
    segs
}

/// Every reference between top-level modules that a rule forbids, for files whose layer passes
/// `which`, as `path:line refers to …: why`.
fn violations(which: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for f in sources() {
        let from = f.layer();
        if !which(&from) {
            continue;
        }
        for r in references(&f.module, &f.text) {
            if let Some(why) = forbidden(&from, &r.target) {
                found.push(format!("{}:{} refers to {}: {why}", f.shown(), r.line, r.text));
            }
        }
    }
    found
}

/// An arrow between top-level modules, with its first occurrence (`path:line`, the path written).
type Edges = BTreeMap<(String, String), (String, String)>;

/// The arrows between the crate's top-level modules (lib.rs and main.rs left out).
fn edges(files: &[Source]) -> Edges {
    let modules: BTreeSet<String> = files.iter().filter_map(|f| f.module.first().cloned()).collect();
    let mut edges = Edges::new();
    for f in files {
        let from = f.layer();
        if kind(&from) == Kind::Root {
            continue;
        }
        for r in references(&f.module, &f.text) {
            if r.target != from && modules.contains(&r.target) {
                edges
                    .entry((from.clone(), r.target.clone()))
                    .or_insert_with(|| (format!("{}:{}", f.shown(), r.line), r.text.clone()));
            }
        }
    }
    edges
}

/// The adjacency sets of `edges`.
fn graph_of(edges: &Edges) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from.clone()).or_default().insert(to.clone());
        graph.entry(to.clone()).or_default();
    }
    graph
}

/// The nodes reachable from `start` (itself included).
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([start.to_owned()]);
    let mut todo = vec![start.to_owned()];
    while let Some(n) = todo.pop() {
        for m in graph.get(&n).into_iter().flatten() {
            if seen.insert(m.clone()) {
                todo.push(m.clone());
            }
        }
    }
    seen
}

/// The strongly connected components of more than one node: the import loops.
fn components(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    let reach: BTreeMap<&String, BTreeSet<String>> = graph.keys().map(|n| (n, reachable(graph, n))).collect();
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for n in graph.keys() {
        if done.contains(n) {
            continue;
        }
        let component: BTreeSet<String> = reach[n].iter().filter(|m| reach[*m].contains(n)).cloned().collect();
        done.extend(component.iter().cloned());
        if component.len() > 1 {
            found.push(component);
        }
    }
    found
}

/// A shortest cycle from `start` back to itself inside `component`, as the nodes visited
/// (`[api, app, api]`).
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, component: &BTreeSet<String>, start: &str) -> Vec<String> {
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    let mut todo = VecDeque::from([start.to_owned()]);
    while let Some(n) = todo.pop_front() {
        for m in graph.get(&n).into_iter().flatten().filter(|m| component.contains(*m)) {
            if m == start {
                // Back from `n` to `start`, then round again to `start`.
                let mut path = vec![n.clone()];
                let mut at = n.clone();
                while let Some(p) = previous.get(&at) {
                    path.push(p.clone());
                    at = p.clone();
                }
                path.reverse();
                path.push(start.to_owned());
                return path;
            }
            if m != start && !previous.contains_key(m) {
                previous.insert(m.clone(), n.clone());
                todo.push_back(m.clone());
            }
        }
    }
    vec![start.to_owned()]
}

/// Each arrow of `cycle` with where it is written.
fn describe_cycle(cycle: &[String], edges: &Edges) -> String {
    cycle
        .windows(2)
        .map(|w| {
            let (at, text) = edges
                .get(&(w[0].clone(), w[1].clone()))
                .map_or(("?", "?"), |(a, t)| (a.as_str(), t.as_str()));
            format!("  {} → {}: {at} refers to {text}", w[0], w[1])
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// A small lexer: enough of Rust to tell code from comments and literals.
// ---------------------------------------------------------------------------------------------

/// `text` with comments and the insides of string and character literals replaced by spaces,
/// newlines kept (so line numbers stay right).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut level = 0usize;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    level += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    level -= 1;
                    out.push_str("  ");
                    i += 2;
                    if level == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (i == 0 || !ident(c[i - 1]) || ((c[i - 1] == 'b' || c[i - 1] == 'c') && (i < 2 || !ident(c[i - 2]))))
            && {
                let mut k = i + 1;
                while c.get(k) == Some(&'#') {
                    k += 1;
                }
                c.get(k) == Some(&'"')
            }
        {
            // Raw string: r"…", r#"…"#, br"…", cr#"…"#.
            let mut hashes = 0;
            out.push('r');
            i += 1;
            while c[i] == '#' {
                hashes += 1;
                out.push('#');
                i += 1;
            }
            out.push('"');
            i += 1;
            while i < c.len() {
                if c[i] == '"' && (1..=hashes).all(|h| c.get(i + h) == Some(&'#')) {
                    out.push('"');
                    out.extend(std::iter::repeat_n('#', hashes));
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(c[i]));
                i += 1;
            }
        } else if c[i] == '"' {
            out.push('"');
            i += 1;
            while i < c.len() {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                    if i < c.len() {
                        out.push(blank(c[i]));
                        i += 1;
                    }
                } else if c[i] == '"' {
                    out.push('"');
                    i += 1;
                    break;
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == '\'' && (next == Some('\\') || c.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\'', '\u{1F600}'); anything else is a lifetime.
            out.push('\'');
            let mut k = if next == Some('\\') { i + 3 } else { i + 2 };
            while k < c.len() && c[k] != '\'' {
                k += 1;
            }
            for &ch in &c[i + 1..k.min(c.len())] {
                out.push(blank(ch));
            }
            out.push('\'');
            i = k + 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// A token of [`code_only`] text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Open,
    Close,
    Comma,
    Other(char),
}

/// A token and its 1-based line.
#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// The tokens of `code` (identifiers, `::`, braces, commas; everything else one character).
fn tokens(code: &str) -> Vec<Token> {
    let c: Vec<char> = code.chars().collect();
    let mut toks = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            toks.push(Token {
                tok: Tok::Ident(c[start..i].iter().collect()),
                line,
            });
        } else if ch.is_ascii_digit() {
            // A number with its suffix (`1u8`, `0x1F`) is not an identifier.
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            toks.push(Token {
                tok: Tok::Other('0'),
                line,
            });
        } else {
            let tok = match ch {
                ':' if c.get(i + 1) == Some(&':') => {
                    i += 1;
                    Tok::Sep
                }
                '{' => Tok::Open,
                '}' => Tok::Close,
                ',' => Tok::Comma,
                other => Tok::Other(other),
            };
            toks.push(Token { tok, line });
            i += 1;
        }
    }
    toks
}

// ---------------------------------------------------------------------------------------------
// The scanner, tested on small inputs: the checks above are only as good as it is.
// ---------------------------------------------------------------------------------------------

mod scanner {
    use super::*;

    fn module(path: &str) -> Vec<String> {
        module_path(path)
    }

    fn targets(path: &str, text: &str) -> Vec<String> {
        references(&module(path), text).into_iter().map(|r| r.target).collect()
    }

    #[test]
    fn a_use_of_a_door_is_flagged_with_its_line() {
        let text = "//! Opening a ticket.\n\nuse crate::app::AppError;\nuse crate::api::problem::ApiError;\n";
        let refs = references(&module("app/tickets/open.rs"), text);
        let api: Vec<&Ref> = refs.iter().filter(|r| r.target == "api").collect();
        assert_eq!(api.len(), 1, "{refs:?}");
        assert_eq!(api[0].line, 4);
        assert_eq!(api[0].text, "crate::api::problem::ApiError");
        assert!(forbidden("app", "api").is_some());
    }

    #[test]
    fn comments_doc_links_and_strings_are_not_code() {
        let text = r##"
// see [`crate::api`]
//! the pages ([`crate::web`])
/// links to [`crate::cli::run`]
/* crate::jobs /* nested crate::serve */ still a comment crate::api */
const S: &str = "crate::web::routes";
const R: &str = r#"crate::api"#;
const B: &[u8] = br"crate::cli";
let c = '"'; let d = '\''; fn f<'a>(x: &'a str) {}
"##;
        assert_eq!(targets("app/x.rs", text), Vec::<String>::new());
    }

    #[test]
    fn code_after_literals_and_lifetimes_is_still_read() {
        let text = "let q = '\"'; fn f<'a>(x: &'a str) {}\nlet s = \"a \\\" b\"; use crate::web::x;\n";
        let refs = references(&module("api/x.rs"), text);
        assert_eq!(refs.len(), 1, "{refs:?}");
        assert_eq!((refs[0].line, refs[0].target.as_str()), (2, "web"));
    }

    #[test]
    fn webhooks_is_not_web() {
        let t = targets(
            "api/webhooks.rs",
            "use crate::webhooks::Format;\nuse crate::app::webhooks::sender;\n",
        );
        assert_eq!(t, ["webhooks", "app"]);
        assert!(forbidden("api", "webhooks").is_none());
        assert!(forbidden("api", "web").is_some());
    }

    #[test]
    fn each_item_of_a_group_counts() {
        let t = targets(
            "web/x.rs",
            "use crate::{\n    app::{AppError, AppResult},\n    api::problem,\n};\n",
        );
        assert_eq!(t, ["app", "api"]);
    }

    #[test]
    fn super_is_resolved_and_may_climb_out_of_app() {
        // From app/tickets/open.rs, super is app::tickets and super::super::super the crate root.
        assert_eq!(
            targets("app/tickets/open.rs", "use super::super::super::api::problem;"),
            ["api"]
        );
        assert_eq!(targets("app/tickets/open.rs", "use super::super::AppError;"), ["app"]);
        assert_eq!(targets("app/tickets/open.rs", "use super::read;"), ["app"]);
        assert_eq!(targets("app/tickets/mod.rs", "use super::super::web::Lang;"), ["web"]);
        // Inside `mod tests { … }` one `super` is the file itself.
        let text = "fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::AppError;\n}\nuse super::Foo;";
        assert_eq!(targets("app/audit.rs", text), ["app", "app", "app"]);
        // Visibility is not a reference.
        assert!(targets("app/audit.rs", "pub(crate) fn f() {}\npub(super) fn g() {}").is_empty());
    }

    #[test]
    fn a_two_node_loop_is_found_and_shown() {
        let mut edges = Edges::new();
        for (from, to) in [("api", "app"), ("app", "api"), ("app", "db")] {
            edges.insert(
                (from.into(), to.into()),
                (format!("{from}.rs:1"), format!("crate::{to}")),
            );
        }
        let graph = graph_of(&edges);
        let found = components(&graph);
        assert_eq!(found, [BTreeSet::from(["api".to_owned(), "app".to_owned()])]);
        let cycle = cycle_through(&graph, &found[0], "api");
        assert_eq!(cycle, ["api", "app", "api"]);
        assert!(describe_cycle(&cycle, &edges).contains("app → api: app.rs:1 refers to crate::api"));
    }

    #[test]
    fn a_three_node_loop_is_walked_in_order() {
        let mut edges = Edges::new();
        for (from, to) in [("web", "http"), ("http", "app"), ("app", "web"), ("app", "db")] {
            edges.insert((from.into(), to.into()), (String::new(), String::new()));
        }
        let graph = graph_of(&edges);
        let found = components(&graph);
        assert_eq!(found.len(), 1);
        assert_eq!(cycle_through(&graph, &found[0], "web"), ["web", "http", "app", "web"]);
    }

    #[test]
    fn no_loop_in_a_tree() {
        let mut edges = Edges::new();
        for (from, to) in [("api", "app"), ("web", "app"), ("app", "db"), ("serve", "api")] {
            edges.insert((from.into(), to.into()), (String::new(), String::new()));
        }
        assert!(components(&graph_of(&edges)).is_empty());
    }

    #[test]
    fn the_rules() {
        for (from, to) in [
            ("app", "api"),
            ("app", "web"),
            ("app", "cli"),
            ("app", "jobs"),
            ("app", "serve"),
            ("app", "http"),
            ("http", "api"),
            ("http", "web"),
            ("db", "api"),
            ("config", "cli"),
            ("metrics", "serve"),
            ("web", "api"),
            ("api", "web"),
            ("api", "jobs"),
            ("cli", "web"),
            ("jobs", "cli"),
            ("api", "serve"),
            ("jobs", "http"),
        ] {
            assert!(forbidden(from, to).is_some(), "{from} → {to} should be forbidden");
        }
        for (from, to) in [
            ("api", "app"),
            ("web", "http"),
            ("cli", "serve"),
            ("cli", "jobs"),
            ("http", "app"),
            ("app", "db"),
            ("metrics", "app"),
            ("serve", "web"),
            ("jobs", "mail"),
        ] {
            assert!(forbidden(from, to).is_none(), "{from} → {to} should be allowed");
        }
    }

    #[test]
    fn a_long_file_needs_its_reason_near_the_top() {
        assert!(has_reason(
            "//! Tickets.\n//!\n//! Over 600 lines because the fold is one match.\n"
        ));
        assert!(!has_reason(
            "//! Tickets.\n\n\n\n\n//! Over 600 lines because too late.\n"
        ));
        assert!(!has_reason("//! Tickets, over 600 lines.\n"));
    }

    #[test]
    fn module_paths() {
        assert_eq!(module("app/tickets/mod.rs"), ["app", "tickets"]);
        assert_eq!(module("app/tickets/open.rs"), ["app", "tickets", "open"]);
        assert_eq!(module("jobs.rs"), ["jobs"]);
        assert!(module("lib.rs").is_empty());
        assert_eq!(
            declared_modules("//! x\npub mod api;\nmod web;\n#[cfg(test)]\nmod tests {}\n"),
            ["api", "web", "tests"]
        );
    }
}
