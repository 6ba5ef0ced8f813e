//! Tolerant decoding of PHP-style form parameters.
//!
//! The Ember API mirrors a Laravel (PHP) application whose clients are game-server plugins
//! (Garry's Mod, Oxide, Minecraft). Those plugins seldom send JSON: they send query strings and
//! `application/x-www-form-urlencoded` bodies (sometimes labelled `text/plain`, sometimes with
//! no content type at all) and lean on PHP's `parse_str` bracket syntax to build nested
//! structures, e.g. `players[steam][connecting][ids][]=76561198131926932`. This module turns
//! such input into a [`serde_json::Value`] so handlers can treat form and JSON requests alike.
//!
//! # Decoding rules ([`parse_form`])
//!
//! - Pairs are split on `&`; empty segments are skipped and a segment without `=` is a key with
//!   an empty value. Key and value are percent-decoded exactly as `form_urlencoded` does (`+` is
//!   a space, `%XX` is a byte, a `%` not followed by two hex digits is kept literally); brackets
//!   are recognised *after* decoding, so `a%5B%5D=1` is `a[]=1`, as in PHP.
//! - Every value is a JSON string; the result is always a JSON object.
//! - A key is a field name followed by zero or more `[segment]` groups, at most [`MAX_DEPTH`].
//!   `[]` appends at the next integer index: one more than the largest integer key so far, or 0
//!   (PHP 8.3 semantics, so after `a[-5]` comes `-4`). Integer keys are PHP's canonical decimal
//!   integers (`0`, `17`, `-3`, but not `01`, `+1` or `-0`, which stay strings).
//! - The last assignment to a key wins and keeps the key's original position. A scalar replaces
//!   an earlier array or object at the same key and vice versa (`a[]=1&a=2` gives `"2"`,
//!   `a=2&a[]=1` gives `["1"]`).
//! - A nested level becomes a JSON array only when its keys are exactly `0, 1, …, n-1` in
//!   insertion order; anything else (`a[1]=x&a[0]=y`, sparse `a[2]=x`, `a[x]=1`, mixed
//!   `a[]=1&a[x]=2`) becomes an object keyed by the PHP keys. PHP would keep an ordered map in
//!   every case; JSON cannot, and `serde_json` maps do not promise to keep insertion order.
//!
//! - Brackets out of place are read as PHP reads them, never refused (Laravel answers such a
//!   request as if the odd field were any other): a `]` before the first `[` is part of the
//!   field name (`a]b=1` is the field `a]b`); a first `[` that no `]` closes is no group, and it
//!   and any later `[` become `_` (`a[b=1` is `a_b`, `a[b[c=1` is `a_b_c`); a later group that
//!   no `]` closes is dropped (`a[b][c=1` is `a[b]`); a group runs to the first `]`
//!   (`a[b[c]]=1` is the key `b[c` of `a`), and whatever follows a group other than the next
//!   `[` is ignored (`a[b]c=1`, `a[b]]=1` and `a[b]x[c]=1` are all `a[b]`).
//!
//! # Where we deliberately differ from PHP
//!
//! - A *body* sent as a form must be `key=value` pairs ([`looks_like_form`]): `AAA` or prose is
//!   refused (400) where PHP would read a field `AAA` with no value. Query strings keep PHP's
//!   reading (`?flag` is `flag=`).
//! - More than [`MAX_DEPTH`] bracket groups is [`FormError::TooDeep`] (PHP silently drops the
//!   variable past `max_input_nesting_level`, 64 by default).
//! - Decoding stops at the first offending pair; its error names the decoded key, and
//!   [`FormError::field`] the top-level field for the 422.
//! - A key that is not valid UTF-8 once percent-decoded is [`FormError::InvalidEncoding`]: a
//!   replaced key could silently collide with another field. A *value* that is not valid UTF-8
//!   is decoded lossily (invalid sequences become U+FFFD, as `form_urlencoded` does), because
//!   values carry player-supplied text such as names and one odd byte should not fail a request.
//! - A key whose field part is empty (`=1`, `[x]=1`, `[x=1`) is ignored, as in PHP, before its
//!   encoding is checked. Field names are otherwise kept verbatim: PHP's rewriting of spaces and
//!   dots in top-level names to `_` (and its skipping of leading spaces) is not reproduced.
//! - `[]` after the largest possible integer key is ignored, as PHP ignores it (with a warning).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

/// The deepest bracket nesting [`parse_form`] accepts: `a[1][2]…[16]` is fine, a 17th group is
/// [`FormError::TooDeep`].
pub const MAX_DEPTH: usize = 16;

/// Why a form could not be decoded; each names the offending (percent-decoded) key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormError {
    /// The key nests more than [`MAX_DEPTH`] bracket groups.
    #[error("field name `{key}` nests deeper than {max} levels", max = MAX_DEPTH)]
    TooDeep {
        /// The whole decoded key.
        key: String,
    },
    /// The key is not valid UTF-8 once percent-decoded (e.g. `%FF=1`).
    #[error("field name `{key}` is not valid UTF-8 once percent-decoded")]
    InvalidEncoding {
        /// The whole decoded key, invalid sequences replaced by U+FFFD.
        key: String,
    },
}

impl FormError {
    /// The whole decoded key the error is about.
    pub fn key(&self) -> &str {
        match self {
            Self::TooDeep { key } | Self::InvalidEncoding { key } => key,
        }
    }

    /// The top-level field name (the key up to its first `[`), for a 422 naming the field.
    pub fn field(&self) -> &str {
        let key = self.key();
        key.split_once('[').map_or(key, |(field, _)| field)
    }
}

/// Decodes an `application/x-www-form-urlencoded` string with PHP `parse_str` nesting rules into
/// JSON (always an object; see the module documentation for the rules).
pub fn parse_form(input: &str) -> Result<Value, FormError> {
    let mut root = Table::default();
    for segment in input.split('&').filter(|segment| !segment.is_empty()) {
        let (raw_key, raw_value) = segment.split_once('=').unwrap_or((segment, ""));
        let key = percent_decode(raw_key);
        // An empty field part is ignored whatever follows, so before the UTF-8 check too:
        // `[%FF]=1` is skipped like `[x]=1`, not refused with an empty field name.
        if key.first().is_none_or(|&byte| byte == b'[') {
            continue;
        }
        let key = String::from_utf8(key).map_err(|err| FormError::InvalidEncoding {
            key: String::from_utf8_lossy(err.as_bytes()).into_owned(),
        })?;
        let Some(SplitKey { field, segments }) = split_key(&key)? else {
            continue;
        };
        let value = String::from_utf8_lossy(&percent_decode(raw_value)).into_owned();
        root.assign(&field, &segments, value);
    }
    Ok(Value::Object(root.into_map()))
}

/// Merges two decoded parameter sets (later wins on conflicts, objects merged recursively), as
/// Laravel merges query and body: pass the query as `base` and the body as `overlay`.
///
/// Only objects merge; an overlay array, scalar or `null` replaces whatever `base` held.
pub fn merge(base: Value, overlay: Value) -> Value {
    match (base, overlay) {
        (Value::Object(mut base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(slot) => *slot = merge(slot.take(), value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
            Value::Object(base)
        }
        (_, overlay) => overlay,
    }
}

/// A list field: a JSON array of scalars, or a comma-separated string (`ids=1,2,3`; trim each,
/// drop empties), or a single scalar; anything else (`null`, objects, arrays holding containers
/// or `null`) is `None`.
///
/// Numbers and booleans are rendered as JSON text (`7`, `true`). Strings inside an array are
/// trimmed and empty ones dropped too, but are not split on commas.
pub fn as_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => {
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                let text = scalar_text(item)?;
                if !text.is_empty() {
                    list.push(text);
                }
            }
            Some(list)
        }
        Value::String(text) => Some(
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Value::Number(_) | Value::Bool(_) => scalar_text(value).map(|text| vec![text]),
        Value::Null | Value::Object(_) => None,
    }
}

/// Whether a body with no or a `text/plain` content type "looks like a form" (e.g. `a=1&b[c]=2`,
/// `players[steam][connecting][ids][]=1`): non-empty, no leading `{`/`[`, made of key=value
/// pairs separated by `&`, keys non-empty.
///
/// Surrounding whitespace is ignored and empty segments (`a=1&`) are allowed, but every other
/// segment needs an `=` and a raw key free of whitespace and control characters (real form keys
/// never contain them unencoded, so prose such as `x = 5` is not a form). Brackets are not
/// checked: [`parse_form`] reads them as PHP does.
pub fn looks_like_form(body: &str) -> bool {
    let body = body.trim();
    if body.is_empty() || body.starts_with(['{', '[']) {
        return false;
    }
    let mut pairs = 0usize;
    for segment in body.split('&').filter(|segment| !segment.is_empty()) {
        let Some((key, _)) = segment.split_once('=') else {
            return false;
        };
        if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return false;
        }
        pairs += 1;
    }
    pairs > 0
}

/// Whether a body sent *as* a form (`application/x-www-form-urlencoded`) is one: every
/// non-empty segment a `key=value` pair whose raw key has no control character (an encoder
/// escapes them). Unlike [`looks_like_form`], which guesses the type of an untyped body, this
/// reads what the client declared as PHP would: an empty key is allowed (`=1`: a pair PHP
/// ignores), so is a raw space in a key (PHP makes it `_`) and an empty body (no parameters);
/// a bare word (`AAA`, a field with no value to PHP) is refused as no form a client meant.
pub fn is_form_encoded(body: &str) -> bool {
    body.trim()
        .split('&')
        .filter(|segment| !segment.is_empty())
        .all(|segment| {
            segment
                .split_once('=')
                .is_some_and(|(key, _)| !key.chars().any(char::is_control))
        })
}

/// A scalar as list text: strings trimmed, numbers and booleans as JSON text.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// Percent-decodes one key or value the way `form_urlencoded` does, but to bytes, so invalid
/// UTF-8 can be told apart from a literal U+FFFD.
fn percent_decode(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let high = bytes.get(i + 1).and_then(hex_digit);
                let low = bytes.get(i + 2).and_then(hex_digit);
                if let (Some(high), Some(low)) = (high, low) {
                    out.push(high << 4 | low);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    out
}

fn hex_digit(byte: &u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// A decoded key: the top-level field and its bracket segments (`""` for `[]`).
struct SplitKey<'a> {
    /// Borrowed from the key, or rebuilt when PHP folds stray brackets into the name.
    field: Cow<'a, str>,
    segments: Vec<&'a str>,
}

/// Splits a decoded key into its field name and bracket segments, reading brackets out of place
/// as PHP's `parse_str` does (see the module documentation); `None` when the field name is empty
/// and the pair is to be ignored.
fn split_key(key: &str) -> Result<Option<SplitKey<'_>>, FormError> {
    let Some(open) = key.find('[') else {
        return Ok((!key.is_empty()).then_some(SplitKey {
            field: Cow::Borrowed(key),
            segments: Vec::new(),
        }));
    };
    let field = &key[..open];
    if field.is_empty() {
        return Ok(None);
    }
    let mut segments = Vec::new();
    let mut rest = &key[open..];
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            if segments.is_empty() {
                // Not a group: PHP keeps it in the name, each `[` made `_`.
                let name = format!("{field}_{}", inner.replace('[', "_"));
                return Ok(Some(SplitKey {
                    field: Cow::Owned(name),
                    segments,
                }));
            }
            break;
        };
        if segments.len() == MAX_DEPTH {
            return Err(FormError::TooDeep {
                key: key.to_owned(),
            });
        }
        segments.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    Ok(Some(SplitKey {
        field: Cow::Borrowed(field),
        segments,
    }))
}

/// PHP's integer array keys: canonical decimal integers within `i64`.
fn integer_key(key: &str) -> Option<i64> {
    let digits = key.strip_prefix('-').unwrap_or(key);
    let canonical = key == "0"
        || (!digits.is_empty()
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit()));
    if canonical {
        key.parse().ok()
    } else {
        None
    }
}

/// One value while decoding.
enum Node {
    Leaf(String),
    Table(Table),
}

impl Node {
    fn into_value(self) -> Value {
        match self {
            Self::Leaf(text) => Value::String(text),
            Self::Table(table) => table.into_value(),
        }
    }
}

/// A PHP array while decoding: insertion-ordered entries with a key index.
#[derive(Default)]
struct Table {
    entries: Vec<(String, Node)>,
    positions: HashMap<String, usize>,
    /// The largest integer key so far; `[]` appends just after it.
    max_integer: Option<i64>,
}

impl Table {
    /// Assigns `value` at `key` (`""` appends) followed by the nested `segments`.
    fn assign(&mut self, key: &str, segments: &[&str], value: String) {
        let key = if key.is_empty() {
            match self.max_integer {
                None => 0,
                Some(max) => match max.checked_add(1) {
                    Some(next) => next,
                    None => return,
                },
            }
            .to_string()
        } else {
            key.to_owned()
        };
        match segments.split_first() {
            None => self.set(key, Node::Leaf(value)),
            Some((next, rest)) => self.child_table(key).assign(next, rest, value),
        }
    }

    /// Appends a new entry, keeping track of the largest integer key.
    fn push(&mut self, key: String, node: Node) -> usize {
        if let Some(integer) = integer_key(&key) {
            self.max_integer = Some(self.max_integer.map_or(integer, |max| max.max(integer)));
        }
        let position = self.entries.len();
        self.positions.insert(key.clone(), position);
        self.entries.push((key, node));
        position
    }

    /// Sets `key` to `node`, in place when the key exists (PHP keeps its position).
    fn set(&mut self, key: String, node: Node) {
        match self.positions.get(&key) {
            Some(&position) => self.entries[position].1 = node,
            None => {
                self.push(key, node);
            }
        }
    }

    /// The table at `key`, replacing a scalar there (or creating it) as PHP does.
    fn child_table(&mut self, key: String) -> &mut Table {
        let position = match self.positions.get(&key) {
            Some(&position) => position,
            None => self.push(key, Node::Table(Table::default())),
        };
        let node = &mut self.entries[position].1;
        if let Node::Leaf(_) = node {
            *node = Node::Table(Table::default());
        }
        match node {
            Node::Table(table) => table,
            Node::Leaf(_) => unreachable!("a leaf was just replaced by a table"),
        }
    }

    fn into_value(self) -> Value {
        let is_list = self
            .entries
            .iter()
            .enumerate()
            .all(|(index, (key, _))| integer_key(key) == i64::try_from(index).ok());
        if is_list {
            Value::Array(
                self.entries
                    .into_iter()
                    .map(|(_, node)| node.into_value())
                    .collect(),
            )
        } else {
            Value::Object(self.into_map())
        }
    }

    fn into_map(self) -> Map<String, Value> {
        self.entries
            .into_iter()
            .map(|(key, node)| (key, node.into_value()))
            .collect()
    }
}

#[cfg(test)]
mod tests;
