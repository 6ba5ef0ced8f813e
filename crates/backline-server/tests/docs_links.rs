//! The documentation names only things that exist.
//!
//! Documentation drifts when code moves: the README once named `form.rs` and `floods.rs`
//! files that had become folders, and a contract kept outside the repository as if it were
//! inside. This test binary (no server started) reads `README.md` and every `docs/**/*.md`,
//! and fails naming each file, line and target that does not exist. (`bench/README.md` and
//! `fuzz/README.md` are not read yet: they name placeholders such as `corpus/TARGET/` and
//! module-relative paths this rule does not resolve.) The rule, also in `docs/testing.md`:
//!
//! - **Links.** Every Markdown link or image `[text](target)` (and reference definition
//!   `[name]: target`) whose target is not a URL (`http:`, `https:`, `mailto:`) must name an
//!   existing file or folder relative to the document; an `#anchor` into a Markdown file (or
//!   a bare `#anchor` into the document itself) must be the GitHub slug of one of its
//!   headings.
//! - **Paths in backticks.** Text in a code span (outside fenced code blocks) counts as a
//!   repository path when it has no white space, contains a `/`, does not start with `/` (a
//!   URL path such as `/admin/v1/orgs`), contains none of the characters in
//!   [`NOT_IN_A_PATH`] (templates, globs, URLs, query strings), and looks like a file or
//!   folder: its last part has a file extension, or it ends with `/`, or its first part is a
//!   top-level folder of the repository or one of a crate's ([`CRATE_FOLDERS`]). It must exist
//!   relative to the document's folder, the repository root, `crates/`, a crate's folder or a
//!   crate's `src/`, so `crates/backline-server/src/http/credentials.rs`, `tests/api/floods/`
//!   and `http/credentials.rs` are all checked.
//! - **Not checked:** fenced code blocks (commands and synopses), paths under `target/`
//!   (build output), and paths starting with `../` that leave the repository: documents
//!   outside it are named in words.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// Characters that make backticked text a template, glob, URL or query rather than a path.
const NOT_IN_A_PATH: &[char] = &[
    '{', '}', '<', '>', '[', ']', '*', '…', '|', '=', '?', ':', '#', ',', '(', ')', '$', '@', '\'',
    '"', '\\',
];

/// Folders every crate may have; a backticked text starting with one of them is a path.
const CRATE_FOLDERS: &[&str] = &["src", "tests", "migrations", "examples"];

/// Top-level folders a backticked text may start with to count as a path, even when the
/// repository's root is read before one of them exists.
const TOP_LEVEL_FOLDERS: &[&str] = &["crates", "docs", "scripts", "bench", "fuzz", ".ci"];

/// The repository: two levels above this crate.
fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// The repository and where a path written in a document may be relative to.
struct Repository {
    root: PathBuf,
    /// Top-level folder names (the fixed list and whatever the root holds).
    top_level: BTreeSet<String>,
    /// Folders a path may be relative to, besides the document's own folder.
    bases: Vec<PathBuf>,
}

impl Repository {
    fn open(root: PathBuf) -> Self {
        let mut top_level: BTreeSet<String> =
            TOP_LEVEL_FOLDERS.iter().map(|s| s.to_string()).collect();
        let mut bases = vec![root.clone(), root.join("crates")];
        for entry in std::fs::read_dir(&root).expect("the root can be read") {
            let entry = entry.expect("a root entry can be read");
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && name != "target" && name != ".git" {
                top_level.insert(name);
            }
        }
        // Every crate of the workspace: folders under `crates/`, and top-level folders with
        // a `Cargo.toml` (the bench and the fuzz targets).
        let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
            .expect("crates/ can be read")
            .map(|entry| entry.expect("a crate entry can be read").path())
            .collect();
        crates.extend(
            top_level
                .iter()
                .map(|name| root.join(name))
                .filter(|dir| dir.join("Cargo.toml").is_file()),
        );
        crates.sort();
        for krate in crates.into_iter().filter(|dir| dir.is_dir()) {
            bases.push(krate.join("src"));
            bases.push(krate);
        }
        Self {
            root,
            top_level,
            bases,
        }
    }

    /// Whether backticked `text` counts as a repository path (the rule in this file's `//!`).
    fn is_path(&self, text: &str) -> bool {
        if text.is_empty()
            || !text.contains('/')
            || text.starts_with('/')
            || text.contains(char::is_whitespace)
            || text.contains(NOT_IN_A_PATH)
        {
            return false;
        }
        let trimmed = text.trim_end_matches('/');
        let last = trimmed.rsplit('/').next().unwrap_or_default();
        let first = text.split('/').next().unwrap_or_default();
        has_extension(last)
            || text.ends_with('/')
            || self.top_level.contains(first)
            || CRATE_FOLDERS.contains(&first)
    }

    /// Whether `path`, written in the document at `document` (relative to the root), names
    /// something that exists, or is exempt: build output, or outside the repository.
    fn resolves(&self, document: &Path, path: &str) -> bool {
        if path == "target" || path.starts_with("target/") {
            return true;
        }
        let folder = self.root.join(document.parent().unwrap_or(Path::new("")));
        if path.starts_with("../") {
            return match normalise(&folder.join(path)) {
                Some(full) if full.starts_with(&self.root) => full.exists(),
                _ => true,
            };
        }
        std::iter::once(&folder)
            .chain(&self.bases)
            .any(|base| base.join(path).exists())
    }

    /// Every missing link target and path of one document, as `file:line: message`.
    fn check(&self, document: &Path, text: &str) -> Vec<String> {
        let mut problems = Vec::new();
        for block in blocks(text) {
            for span in code_spans(&block.text) {
                let code = &block.text[span.clone()];
                if self.is_path(code) && !self.resolves(document, code) {
                    let line = block.first_line + block.text[..span.start].matches('\n').count();
                    problems.push(format!(
                        "{}:{line}: `{code}` names no file or folder of the repository",
                        document.display()
                    ));
                }
            }
            for (offset, target) in link_targets(&block.text) {
                let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
                if is_url(path) {
                    continue;
                }
                let line = block.first_line + block.text[..offset].matches('\n').count();
                let folder = self.root.join(document.parent().unwrap_or(Path::new("")));
                let linked = folder.join(path);
                if !path.is_empty() && !linked.exists() {
                    problems.push(format!(
                        "{}:{line}: link to `{target}`, which does not exist",
                        document.display()
                    ));
                    continue;
                }
                let is_markdown = linked.extension().is_some_and(|ext| ext == "md");
                if anchor.is_empty() || !(path.is_empty() || is_markdown) {
                    continue;
                }
                let linked_text = if path.is_empty() {
                    text.to_string()
                } else {
                    std::fs::read_to_string(&linked).expect("a linked document can be read")
                };
                if !heading_slugs(&linked_text).contains(anchor) {
                    problems.push(format!(
                        "{}:{line}: link to `{target}`, whose document has no such heading",
                        document.display()
                    ));
                }
            }
        }
        problems
    }
}

/// The anchors GitHub gives the headings of a Markdown text: lower case, characters other
/// than letters, digits, `-`, `_` and spaces dropped, spaces made `-`; a repeated slug gets
/// `-1`, `-2`, … appended.
fn heading_slugs(text: &str) -> BTreeSet<String> {
    let mut slugs = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        let hashes = line.len() - line.trim_start_matches('#').len();
        if fenced || !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let slug: String = line[hashes..]
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut unique = slug.clone();
        let mut repeat = 0;
        while slugs.contains(&unique) {
            repeat += 1;
            unique = format!("{slug}-{repeat}");
        }
        slugs.insert(unique);
    }
    slugs
}

/// `name.ext` with an extension of 1–8 ASCII letters or digits, starting with a letter.
fn has_extension(name: &str) -> bool {
    match name.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && (1..=8).contains(&ext.len())
                && ext.starts_with(|c: char| c.is_ascii_alphabetic())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

fn is_url(target: &str) -> bool {
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| target.starts_with(scheme))
}

/// Resolves `.` and `..` without touching the file system; `None` above the file system root.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// A run of text lines outside fenced code blocks, between blank lines (code spans and links
/// never cross a blank line).
struct Block {
    /// 1-based line number of the block's first line.
    first_line: usize,
    text: String,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    let mut fence: Option<&str> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"]
            .into_iter()
            .find(|marker| trimmed.starts_with(marker));
        match (fence, marker) {
            (None, Some(marker)) => {
                fence = Some(marker);
                out.extend(current.take());
                continue;
            }
            (Some(open), Some(marker)) if open == marker => {
                fence = None;
                continue;
            }
            (Some(_), _) => continue,
            (None, None) => {}
        }
        if line.trim().is_empty() {
            out.extend(current.take());
            continue;
        }
        match &mut current {
            Some(block) => {
                block.text.push('\n');
                block.text.push_str(line);
            }
            None => {
                current = Some(Block {
                    first_line: index + 1,
                    text: line.to_string(),
                })
            }
        }
    }
    out.extend(current);
    out
}

/// Byte ranges of the contents of the code spans in `text` (a run of N backticks up to the
/// next run of exactly N; an unclosed run is literal text), trimmed of one space each side.
fn code_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let run_at = |mut at: usize| {
        let start = at;
        while at < bytes.len() && bytes[at] == b'`' {
            at += 1;
        }
        at - start
    };
    let mut spans = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'`' {
            at += 1;
            continue;
        }
        let opening = run_at(at);
        let content = at + opening;
        let mut search = content;
        let mut close = None;
        while search < bytes.len() {
            if bytes[search] == b'`' {
                let run = run_at(search);
                if run == opening {
                    close = Some(search);
                    break;
                }
                search += run;
            } else {
                search += 1;
            }
        }
        match close {
            Some(end) => {
                let inner = &text[content..end];
                let lead = inner.len() - inner.trim_start_matches(' ').len();
                let trail = inner.len() - inner.trim_end_matches(' ').len();
                let (start, stop) = (content + lead.min(1), end - trail.min(1));
                spans.push(start.min(stop)..stop);
                at = end + opening;
            }
            None => at = content,
        }
    }
    spans
}

/// Targets of inline links and images (`[text](target "title")`) and of reference
/// definitions (`[name]: target`) outside code spans, with their byte offset.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut masked: Vec<u8> = text.as_bytes().to_vec();
    for span in code_spans(text) {
        for byte in &mut masked[span.start.saturating_sub(1)..(span.end + 1).min(text.len())] {
            *byte = b'x';
        }
    }
    let masked = String::from_utf8_lossy(&masked).into_owned();
    let mut targets = Vec::new();
    let mut from = 0;
    while let Some(found) = masked[from..].find("](") {
        let start = from + found + 2;
        let Some(length) = masked[start..].find(')') else {
            break;
        };
        let inside = masked[start..start + length].trim();
        let target = inside
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_start_matches('<')
            .trim_end_matches('>');
        targets.push((start, target.to_string()));
        from = start + length;
    }
    let mut offset = 0;
    for line in masked.split('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix('[') {
            if let Some((_, after)) = rest.split_once("]:") {
                if let Some(target) = after.split_whitespace().next() {
                    targets.push((offset, target.to_string()));
                }
            }
        }
        offset += line.len() + 1;
    }
    targets
}

/// `README.md` and every Markdown file under `docs/`.
fn documents(root: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, folder: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(root.join(folder)).expect("docs/ can be read") {
            let path = entry.expect("a docs entry can be read").path();
            let relative = folder.join(path.file_name().expect("an entry has a name"));
            if path.is_dir() {
                walk(root, &relative, out);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                out.push(relative);
            }
        }
    }
    let mut out = vec![
        PathBuf::from("README.md"),
        PathBuf::from("bench/README.md"),
        PathBuf::from("fuzz/README.md"),
    ];
    walk(root, Path::new("docs"), &mut out);
    out.sort();
    out
}

#[test]
fn every_link_and_path_in_the_documentation_exists() {
    let repository = Repository::open(repository_root());
    let documents = documents(&repository.root);
    assert!(
        documents.len() > 8,
        "the README and docs/ were found: {documents:?}"
    );
    let problems: Vec<String> = documents
        .iter()
        .flat_map(|document| {
            let text = std::fs::read_to_string(repository.root.join(document))
                .expect("a document can be read");
            repository.check(document, &text)
        })
        .collect();
    assert!(
        problems.is_empty(),
        "the documentation names {} thing(s) that do not exist:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_readme_fits_on_a_screen() {
    let readme = std::fs::read_to_string(repository_root().join("README.md")).expect("README");
    let lines = readme.lines().count();
    assert!(
        lines < 200,
        "README.md has {lines} lines; move detail into docs/"
    );
}

#[test]
fn the_path_rule_counts_paths_and_nothing_else() {
    let repository = Repository::open(repository_root());
    for path in [
        "crates/backline-server/src/config.rs",
        "apis/ember/form.rs",
        "tests/api/floods.rs",
        "tests/cluster/crash",
        "shared/docs/api/SPECTRA.md",
        "docs/console/",
        "scripts/test",
        ".ci/run",
        "../shared/docs/STYLE.md",
    ] {
        assert!(repository.is_path(path), "{path} should count as a path");
    }
    for text in [
        "/admin/v1/orgs",
        "text/plain",
        "match/prepare",
        "account/authenticate/password",
        "apis/{spectra,nakama,ember}/",
        "target/console-screenshots/<backend>/",
        "http://HOST:7350/spectra",
        "tests/api/admin_*.rs",
        "backline role grant/revoke",
        "Cargo.toml",
        "nakama-js/2.8.0",
    ] {
        assert!(
            !repository.is_path(text),
            "{text} should not count as a path"
        );
    }
}

#[test]
fn missing_paths_and_links_are_reported_with_their_line() {
    let repository = Repository::open(repository_root());
    let text = "# Title\n\
                The decoder is `apis/ember/form.rs`, the floods are in\n\
                `tests/api/floods.rs`; the contract is `shared/docs/api/SPECTRA.md`.\n\
                \n\
                See [the cache](docs/no-such-file.md) and [testing](docs/testing.md#ci),\n\
                not [testing](docs/testing.md#no-such-heading) or [here](#nowhere): [here](#title).\n\
                Present: `apis/ember/form/`, `tests/api/floods/`, `http/credentials.rs`,\n\
                `crates/backline-store/migrations/`, `scripts/test`, `target/release/backline`,\n\
                `../outside/the/repository.md`, `/v2/rpc/{id}`.\n\
                \n\
                ```sh\n\
                cat `no/such/file.rs`\n\
                ```\n";
    let problems = repository.check(Path::new("README.md"), text);
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert!(problems[0].starts_with("README.md:2: `apis/ember/form.rs`"));
    assert!(problems[1].starts_with("README.md:3: `tests/api/floods.rs`"));
    assert!(problems[2].starts_with("README.md:3: `shared/docs/api/SPECTRA.md`"));
    assert!(problems[3].starts_with("README.md:5: link to `docs/no-such-file.md`"));
    assert!(problems[4].starts_with("README.md:6: link to `docs/testing.md#no-such-heading`"));
    assert!(problems[5].starts_with("README.md:6: link to `#nowhere`"));
}
