//! A small tree of located values, the common ground of TOML, JSON and YAML input.
//!
//! Each syntax is parsed by its own crate into this tree; decoding then works on the tree alone,
//! so every diagnostic can point at the line and column of the value it is about, and numbers
//! keep the exact digits the user typed (`96171.6` stays `96171.6`).

use std::collections::HashSet;

use crate::diag::{Pos, Rule};
use crate::limits::{self, DATA_DEPTH, DATA_KEYS, KEY_CHARS};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Entries in source order.
    Table(Vec<Entry>),
    Array(Vec<Node>),
    /// A number as written, in decimal (TOML's 0x/0o/0b converted), underscores removed.
    Number {
        text: String,
        integer: bool,
    },
    String(String),
    Bool(bool),
    /// A TOML date or date-time, as written.
    Date(String),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

impl Node {
    /// The tree as JSON text, numbers with their digits as written (a number JSON cannot
    /// spell, such as TOML's `inf`, as text), dates as text: how the filing server sends a
    /// data file it was given as TOML.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match &self.value {
            Value::Table(entries) => {
                out.push('{');
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&super::write::json_string(&entry.key));
                    out.push_str(": ");
                    entry.value.write_json(out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            // The text of a number is valid JSON only as a JSON number.
            Value::Number { text, .. }
                if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() =>
            {
                out.push_str(text)
            }
            Value::Number { text, .. } | Value::String(text) | Value::Date(text) => {
                out.push_str(&super::write::json_string(text))
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Null => out.push_str("null"),
        }
    }
}

impl Value {
    /// What a clerk would call this kind of value.
    pub fn kind_zh(&self) -> &'static str {
        match self {
            Value::Table(_) => "表",
            Value::Array(_) => "数组",
            Value::Number { .. } => "数字",
            Value::String(_) => "文字",
            Value::Bool(_) => "布尔值",
            Value::Date(_) => "日期",
            Value::Null => "空值",
        }
    }
}

/// The input syntaxes, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Toml,
    Json,
    Yaml,
}

impl Syntax {
    pub fn from_path(path: &std::path::Path) -> Option<Syntax> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "toml" => Some(Syntax::Toml),
            "json" => Some(Syntax::Json),
            "yaml" | "yml" => Some(Syntax::Yaml),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Syntax::Toml => "TOML",
            Syntax::Json => "JSON",
            Syntax::Yaml => "YAML",
        }
    }
}

/// Why a text could not become a tree: a syntax error (in the parser's own words, translated
/// where we can), or a limit of docs/limits.md exceeded (`rule` is then [`Rule::Limit`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub rule: Rule,
    pub pos: Option<Pos>,
    pub message: String,
    /// The key path the error is about, when it is about one.
    pub key: Option<String>,
    pub hint: Option<String>,
}

impl SyntaxError {
    fn syntax(pos: Option<Pos>, message: String) -> Self {
        SyntaxError {
            rule: Rule::Syntax,
            pos,
            message,
            key: None,
            hint: None,
        }
    }

    fn limit(pos: Option<Pos>, message: String, key: Option<String>, hint: &str) -> Self {
        SyntaxError {
            rule: Rule::Limit,
            pos,
            message,
            key,
            hint: Some(hint.into()),
        }
    }

    /// Nesting deeper than [`DATA_DEPTH`], found by us or by the parser's own guard.
    fn too_deep(pos: Option<Pos>, key: Option<String>) -> Self {
        let message = limits::exceeded(
            "数据文件的嵌套层数",
            "data_depth",
            format!("{DATA_DEPTH} 层"),
            "嵌套得更深",
        );
        let hint = "一份报告的表最多嵌套三层（如 applications → 行 → 列）；检查括号是否配对";
        SyntaxError::limit(pos, message, key, hint)
    }
}

/// Parses a data file into a tree, refusing what exceeds the limits on keys and nesting.
pub fn parse(text: &str, syntax: Syntax) -> Result<Node, SyntaxError> {
    let mut guard = Guard::default();
    match syntax {
        Syntax::Toml => toml_tree::parse(text, &mut guard),
        Syntax::Json => json_tree::parse(text, &mut guard),
        Syntax::Yaml => yaml_tree::parse(text, &mut guard),
    }
}

/// Where in the text and in the tree a value stands, while a tree is built.
#[derive(Clone, Copy)]
struct Where<'a> {
    index: &'a LineIndex<'a>,
    /// The key path of the value.
    path: &'a str,
    /// 1 for the top-level table.
    depth: usize,
}

/// Holds the tree being built to [`DATA_KEYS`], [`DATA_DEPTH`] and [`KEY_CHARS`], key by key,
/// so a hostile file is stopped at the first key or value past a limit, before any work that
/// grows with it.
#[derive(Default)]
struct Guard {
    keys: usize,
}

impl Guard {
    /// A table or array opening at `depth` (the top-level table is 1), under key path `path`.
    fn nest(&self, depth: usize, pos: Pos, path: &str) -> Result<(), SyntaxError> {
        if depth > DATA_DEPTH {
            let key = (!path.is_empty()).then(|| path.to_string());
            return Err(SyntaxError::too_deep(Some(pos), key));
        }
        Ok(())
    }

    /// A key of the table at `parent`: counted and measured. Returns the key's path.
    fn key(&mut self, key: &str, pos: Pos, parent: &str) -> Result<String, SyntaxError> {
        self.keys += 1;
        let chars = key.chars().count();
        let shown: String = key.chars().take(KEY_CHARS).collect();
        let path = if parent.is_empty() {
            shown
        } else {
            format!("{parent}.{shown}")
        };
        if self.keys > DATA_KEYS {
            let message = limits::exceeded(
                "数据文件的键数",
                "data_keys",
                format!("{DATA_KEYS} 个"),
                format!("至少有 {} 个", self.keys),
            );
            let hint = "一份完整的报告约有 250 个键；确认选对了文件";
            return Err(SyntaxError::limit(Some(pos), message, Some(path), hint));
        }
        if chars > KEY_CHARS {
            let message = limits::exceeded(
                "键名的字数",
                "key_chars",
                format!("{KEY_CHARS} 字"),
                format!("有 {chars} 字"),
            );
            let hint = "键名是固定的英文名称，见 docs/data-format.md";
            return Err(SyntaxError::limit(
                Some(pos),
                message,
                Some(format!("{path}…")),
                hint,
            ));
        }
        Ok(path)
    }
}

/// Byte offset → 1-based line and character column, in time independent of the line's length
/// (a minified JSON file is one line of a megabyte, with a position for every value).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Characters before each [`CHECKPOINT`]-byte block of the text.
    chars_before: Vec<u32>,
}

const CHECKPOINT: usize = 64;

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut chars_before = Vec::with_capacity(text.len() / CHECKPOINT + 1);
        let mut count = 0u32;
        for block in text.as_bytes().chunks(CHECKPOINT) {
            chars_before.push(count);
            count += char_starts(block);
        }
        chars_before.push(count);
        LineIndex {
            text,
            starts,
            chars_before,
        }
    }

    /// Characters in the text before byte `offset`.
    fn chars_to(&self, offset: usize) -> u32 {
        let block = offset / CHECKPOINT;
        let from = block * CHECKPOINT;
        self.chars_before[block] + char_starts(&self.text.as_bytes()[from..offset])
    }

    /// Where the content of a quoted string starting at `offset` begins: after the opening
    /// quote(s), and after the newline that TOML trims right behind `"""` or `'''`.
    pub fn content_pos(&self, offset: usize) -> Pos {
        let rest = self.text.get(offset..).unwrap_or("");
        let skip = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
            let after = &rest[3..];
            3 + if after.starts_with("\r\n") {
                2
            } else if after.starts_with('\n') {
                1
            } else {
                0
            }
        } else if rest.starts_with(['"', '\'']) {
            1
        } else {
            0
        };
        self.pos(offset + skip)
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let column = self.chars_to(offset) - self.chars_to(self.starts[line]);
        Pos {
            line: line as u32 + 1,
            column: column + 1,
        }
    }
}

/// The characters that begin in `bytes` (every byte but UTF-8 continuation bytes).
fn char_starts(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32
}

fn duplicate_key(key: &str, pos: Pos) -> SyntaxError {
    let key: String = key.chars().take(KEY_CHARS).collect();
    SyntaxError::syntax(Some(pos), format!("键 \"{key}\" 重复出现（duplicate key）"))
}

/// Checks a table's keys for duplicates (TOML's parser does this itself; JSON and YAML do not),
/// in one pass: a table of many keys must not take quadratic time.
fn reject_duplicates(entries: &[Entry]) -> Result<(), SyntaxError> {
    let mut seen = HashSet::with_capacity(entries.len());
    for e in entries {
        if !seen.insert(e.key.as_str()) {
            return Err(duplicate_key(&e.key, e.key_pos));
        }
    }
    Ok(())
}

/// The parsers' own guards against deep nesting, in their words: reported as our limit.
fn is_recursion_limit(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("recursion") || m.contains("recurse") || m.contains("nesting depth")
}

mod toml_tree {
    use toml::Spanned;
    use toml::de::{DeTable, DeValue};

    use super::*;

    pub fn parse(text: &str, guard: &mut Guard) -> Result<Node, SyntaxError> {
        let index = LineIndex::new(text);
        let root = DeTable::parse(text).map_err(|e| {
            let pos = e.span().map(|s| index.pos(s.start));
            let key = e.span().and_then(|s| text.get(s)).map(str::trim);
            match key {
                Some(key) if e.message().contains("duplicate key") && !key.is_empty() => {
                    duplicate_key(key.trim_matches('"'), pos.unwrap_or_default())
                }
                _ if is_recursion_limit(e.message()) => SyntaxError::too_deep(pos, None),
                _ => SyntaxError::syntax(pos, translate(e.message())),
            }
        })?;
        let at = Where {
            index: &index,
            path: "",
            depth: 1,
        };
        Ok(Node {
            value: table(root.get_ref(), &at, guard)?,
            pos: Pos { line: 1, column: 1 },
        })
    }

    fn table(t: &DeTable<'_>, at: &Where, guard: &mut Guard) -> Result<Value, SyntaxError> {
        let mut entries = Vec::with_capacity(t.len());
        for (k, v) in t.iter() {
            let key_pos = at.index.pos(k.span().start);
            let path = guard.key(k.get_ref(), key_pos, at.path)?;
            let inner = Where {
                path: &path,
                depth: at.depth + 1,
                ..*at
            };
            entries.push(Entry {
                key: k.get_ref().to_string(),
                key_pos,
                value: node(v, &inner, guard)?,
            });
        }
        Ok(Value::Table(entries))
    }

    /// A value at `at.depth` (a table or array there is checked against the nesting limit).
    fn node(v: &Spanned<DeValue<'_>>, at: &Where, guard: &mut Guard) -> Result<Node, SyntaxError> {
        let index = at.index;
        let pos = match v.get_ref() {
            DeValue::String(_) => index.content_pos(v.span().start),
            _ => index.pos(v.span().start),
        };
        if matches!(v.get_ref(), DeValue::Array(_) | DeValue::Table(_)) {
            guard.nest(at.depth, pos, at.path)?;
        }
        let inner = Where {
            depth: at.depth + 1,
            ..*at
        };
        let value = match v.get_ref() {
            DeValue::String(s) => Value::String(s.to_string()),
            DeValue::Integer(i) => Value::Number {
                text: integer_text(i.as_str(), i.radix()),
                integer: true,
            },
            DeValue::Float(f) => Value::Number {
                text: f.as_str().replace('_', ""),
                integer: false,
            },
            DeValue::Boolean(b) => Value::Bool(*b),
            DeValue::Datetime(d) => Value::Date(d.to_string()),
            DeValue::Array(a) => Value::Array(
                a.iter()
                    .map(|v| node(v, &inner, guard))
                    .collect::<Result<_, _>>()?,
            ),
            DeValue::Table(t) => table(t, at, guard)?,
        };
        Ok(Node { value, pos })
    }

    fn integer_text(digits: &str, radix: u32) -> String {
        let digits = digits.replace('_', "");
        if radix == 10 {
            return digits;
        }
        match u128::from_str_radix(&digits, radix) {
            Ok(n) => n.to_string(),
            Err(_) => digits,
        }
    }

    /// toml's messages are English; the common ones get a Chinese lead.
    fn translate(message: &str) -> String {
        let msg = message.trim();
        let zh = if msg.contains("duplicate key") {
            "键重复出现"
        } else if msg.contains("invalid table header") || msg.contains("duplicate table") {
            "表头重复或无效"
        } else if msg.contains("unclosed") || msg.contains("unterminated") {
            "括号或引号没有闭合"
        } else if msg.contains("invalid") || msg.contains("expected") {
            "写法不符合 TOML 语法"
        } else {
            "TOML 语法错误"
        };
        format!("{zh}（{msg}）")
    }
}

mod json_tree {
    use jsonc_parser::ast;
    use jsonc_parser::common::Ranged;
    use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

    use super::*;

    pub fn parse(text: &str, guard: &mut Guard) -> Result<Node, SyntaxError> {
        let index = LineIndex::new(text);
        // Plain JSON only: no comments, trailing commas or other JSON5 liberties.
        let strict = ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        let parsed = parse_to_ast(text, &CollectOptions::default(), &strict).map_err(|e| {
            let pos = Some(index.pos(e.range().start));
            let message = e.kind().to_string();
            if is_recursion_limit(&message) {
                SyntaxError::too_deep(pos, None)
            } else {
                SyntaxError::syntax(pos, format!("JSON 语法错误（{message}）"))
            }
        })?;
        let at = Where {
            index: &index,
            path: "",
            depth: 1,
        };
        match parsed.value {
            Some(v) => node(&v, &at, guard),
            None => Ok(Node {
                value: Value::Table(Vec::new()),
                pos: Pos { line: 1, column: 1 },
            }),
        }
    }

    fn node(v: &ast::Value<'_>, at: &Where, guard: &mut Guard) -> Result<Node, SyntaxError> {
        let index = at.index;
        if let ast::Value::Array(_) | ast::Value::Object(_) = v {
            guard.nest(at.depth, index.pos(v.range().start), at.path)?;
        }
        let inner = Where {
            depth: at.depth + 1,
            ..*at
        };
        let (value, start) = match v {
            ast::Value::StringLit(s) => (Value::String(s.value.to_string()), s.range.start + 1),
            ast::Value::NumberLit(n) => (
                Value::Number {
                    text: n.value.to_string(),
                    integer: !n.value.contains(['.', 'e', 'E']),
                },
                n.range.start,
            ),
            ast::Value::BooleanLit(b) => (Value::Bool(b.value), b.range.start),
            ast::Value::NullKeyword(n) => (Value::Null, n.range.start),
            ast::Value::Array(a) => (
                Value::Array(
                    a.elements
                        .iter()
                        .map(|e| node(e, &inner, guard))
                        .collect::<Result<_, _>>()?,
                ),
                a.range.start,
            ),
            ast::Value::Object(o) => {
                let mut entries = Vec::with_capacity(o.properties.len());
                for p in &o.properties {
                    let key = match &p.name {
                        ast::ObjectPropName::String(s) => s.value.to_string(),
                        ast::ObjectPropName::Word(w) => w.value.to_string(),
                    };
                    let key_pos = index.pos(p.range.start);
                    let path = guard.key(&key, key_pos, at.path)?;
                    let child = Where {
                        path: &path,
                        ..inner
                    };
                    entries.push(Entry {
                        key,
                        key_pos,
                        value: node(&p.value, &child, guard)?,
                    });
                }
                reject_duplicates(&entries)?;
                (Value::Table(entries), o.range.start)
            }
        };
        Ok(Node {
            value,
            pos: index.pos(start),
        })
    }
}

mod yaml_tree {
    use saphyr_parser::{Event, Parser, ScalarStyle, Span};

    use super::*;

    fn pos(span: &Span) -> Pos {
        Pos {
            line: span.start.line() as u32,
            column: span.start.col() as u32 + 1,
        }
    }

    enum Frame {
        Map {
            pos: Pos,
            /// The key path of this table.
            path: String,
            entries: Vec<Entry>,
            /// The keys so far, to find a duplicate without scanning `entries`.
            seen: HashSet<String>,
            key: Option<(String, Pos)>,
        },
        Seq {
            pos: Pos,
            path: String,
            items: Vec<Node>,
        },
    }

    /// The key path of a value that goes into the innermost open table or array.
    fn path_in(stack: &[Frame]) -> String {
        match stack.last() {
            None => String::new(),
            Some(Frame::Seq { path, .. }) => path.clone(),
            Some(Frame::Map { path, key, .. }) => match key {
                Some((k, _)) if path.is_empty() => k.clone(),
                Some((k, _)) => format!("{path}.{k}"),
                None => path.clone(),
            },
        }
    }

    pub fn parse(text: &str, guard: &mut Guard) -> Result<Node, SyntaxError> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Node> = None;
        let mut documents = 0;
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|e| {
                let pos = Some(Pos {
                    line: e.marker().line() as u32,
                    column: e.marker().col() as u32 + 1,
                });
                if is_recursion_limit(e.info()) {
                    SyntaxError::too_deep(pos, None)
                } else {
                    SyntaxError::syntax(pos, format!("YAML 语法错误（{}）", e.info()))
                }
            })?;
            let finished = match event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        return Err(SyntaxError::syntax(
                            Some(pos(&span)),
                            "一个文件只能有一份报告（YAML 文件里有多个 --- 文档）".into(),
                        ));
                    }
                    None
                }
                Event::Alias(_) => {
                    return Err(SyntaxError::syntax(
                        Some(pos(&span)),
                        "不支持 YAML 别名（*alias），请把内容直接写出".into(),
                    ));
                }
                Event::Scalar(text, style, _, _) => {
                    let mut at = pos(&span);
                    if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
                        at.column += 1; // the content, not the quote
                    }
                    Some(Node {
                        value: scalar(&text, style),
                        pos: at,
                    })
                }
                Event::MappingStart(..) => {
                    let path = path_in(&stack);
                    guard.nest(stack.len() + 1, pos(&span), &path)?;
                    stack.push(Frame::Map {
                        pos: pos(&span),
                        path,
                        entries: Vec::new(),
                        seen: HashSet::new(),
                        key: None,
                    });
                    None
                }
                Event::SequenceStart(..) => {
                    let path = path_in(&stack);
                    guard.nest(stack.len() + 1, pos(&span), &path)?;
                    stack.push(Frame::Seq {
                        pos: pos(&span),
                        path,
                        items: Vec::new(),
                    });
                    None
                }
                Event::MappingEnd => match stack.pop() {
                    Some(Frame::Map { pos, entries, .. }) => Some(Node {
                        value: Value::Table(entries),
                        pos,
                    }),
                    _ => None,
                },
                Event::SequenceEnd => match stack.pop() {
                    Some(Frame::Seq { pos, items, .. }) => Some(Node {
                        value: Value::Array(items),
                        pos,
                    }),
                    _ => None,
                },
                _ => None,
            };
            if let Some(node) = finished {
                match stack.last_mut() {
                    None => root = Some(node),
                    Some(Frame::Seq { items, .. }) => items.push(node),
                    Some(Frame::Map {
                        path,
                        entries,
                        seen,
                        key,
                        ..
                    }) => match key.take() {
                        None => {
                            let Value::String(k) = scalar_key(&node) else {
                                return Err(SyntaxError::syntax(
                                    Some(node.pos),
                                    "键必须是简单的文字".into(),
                                ));
                            };
                            guard.key(&k, node.pos, path)?;
                            if !seen.insert(k.clone()) {
                                return Err(duplicate_key(&k, node.pos));
                            }
                            *key = Some((k, node.pos));
                        }
                        Some((k, key_pos)) => entries.push(Entry {
                            key: k,
                            key_pos,
                            value: node,
                        }),
                    },
                }
            }
        }
        Ok(match root {
            Some(Node {
                value: Value::Null, ..
            })
            | None => Node {
                value: Value::Table(Vec::new()),
                pos: Pos { line: 1, column: 1 },
            },
            Some(node) => node,
        })
    }

    /// Keys are text whatever they look like (`2021:` is the key "2021").
    fn scalar_key(node: &Node) -> Value {
        match &node.value {
            Value::String(s) | Value::Date(s) => Value::String(s.clone()),
            Value::Number { text, .. } => Value::String(text.clone()),
            Value::Bool(b) => Value::String(b.to_string()),
            _ => Value::Null,
        }
    }

    /// YAML 1.2 core schema for plain scalars; quoted and block scalars are always text.
    fn scalar(text: &str, style: ScalarStyle) -> Value {
        if style != ScalarStyle::Plain {
            return Value::String(text.to_string());
        }
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
            "true" | "True" | "TRUE" => return Value::Bool(true),
            "false" | "False" | "FALSE" => return Value::Bool(false),
            _ => {}
        }
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return Value::Number {
                text: text.trim_start_matches('+').to_string(),
                integer: true,
            };
        }
        if is_yaml_float(unsigned) {
            return Value::Number {
                text: text.trim_start_matches('+').to_string(),
                integer: false,
            };
        }
        Value::String(text.to_string())
    }

    fn is_yaml_float(s: &str) -> bool {
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let mut parts = mantissa.splitn(2, '.');
        let int = parts.next().unwrap_or("");
        let frac = parts.next();
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        let mantissa_ok = digits(int)
            && frac.is_none_or(digits)
            && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
        let exponent_ok = exponent.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        });
        mantissa_ok && exponent_ok && (frac.is_some() || exponent.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(node: &Node) -> &[Entry] {
        match &node.value {
            Value::Table(t) => t,
            other => panic!("not a table: {other:?}"),
        }
    }

    #[test]
    fn toml_keeps_positions_and_raw_digits() {
        let text =
            "organ = \"某镇\"\n[active_disclosure]\nfees_10k_yuan = 96171.60\ncount = 0x1F\n";
        let root = parse(text, Syntax::Toml).unwrap();
        let top = table(&root);
        assert_eq!(top[0].key, "organ");
        assert_eq!(
            top[0].value.pos,
            Pos {
                line: 1,
                column: 10
            }
        );
        let ad = table(&top[1].value);
        assert_eq!(
            ad[0].value.value,
            Value::Number {
                text: "96171.60".into(),
                integer: false
            }
        );
        assert_eq!(
            ad[0].value.pos,
            Pos {
                line: 3,
                column: 17
            }
        );
        assert_eq!(
            ad[1].value.value,
            Value::Number {
                text: "31".into(),
                integer: true
            }
        );
    }

    #[test]
    fn strings_are_located_at_their_first_character() {
        let toml = "a = \"x\"\nb = \"\"\"\nfirst\nsecond\"\"\"\nc = \'\'\'inline\'\'\'\n";
        let t = parse(toml, Syntax::Toml).unwrap();
        let pos: Vec<Pos> = table(&t).iter().map(|e| e.value.pos).collect();
        assert_eq!(
            pos,
            [
                Pos { line: 1, column: 6 },
                Pos { line: 3, column: 1 },
                Pos { line: 5, column: 8 }
            ]
        );
        let yaml = "a: \"x\"\nb: |\n  first\n";
        let t = parse(yaml, Syntax::Yaml).unwrap();
        let pos: Vec<Pos> = table(&t).iter().map(|e| e.value.pos).collect();
        assert_eq!(
            pos,
            [Pos { line: 1, column: 5 }, Pos { line: 3, column: 3 }]
        );
        let t = parse("{\"a\": \"x\"}", Syntax::Json).unwrap();
        assert_eq!(table(&t)[0].value.pos, Pos { line: 1, column: 8 });
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "organ = \"一面坡镇\"\nyear = 2021\n[text]\nx = \"中文\" \ny = 5\n";
        let root = parse(text, Syntax::Toml).unwrap();
        let t = table(&table(&root)[2].value);
        assert_eq!(t[1].value.pos, Pos { line: 5, column: 5 });
        let index = LineIndex::new("ab\n一二三x");
        assert_eq!(index.pos(3 + 9), Pos { line: 2, column: 4 });
    }

    #[test]
    fn json_and_yaml_give_the_same_tree_shape() {
        let json = r#"{"organ": "某镇", "year": 2021, "rows": [1, 2.5, -3]}"#;
        let yaml = "organ: 某镇\nyear: 2021\nrows: [1, 2.5, -3]\n";
        let j = parse(json, Syntax::Json).unwrap();
        let y = parse(yaml, Syntax::Yaml).unwrap();
        let strip = |n: &Node| -> Vec<(String, Value)> {
            table(n)
                .iter()
                .map(|e| {
                    let v = match &e.value.value {
                        Value::Array(items) => Value::Array(
                            items
                                .iter()
                                .map(|i| Node {
                                    pos: Pos::default(),
                                    ..i.clone()
                                })
                                .collect(),
                        ),
                        v => v.clone(),
                    };
                    (e.key.clone(), v)
                })
                .collect()
        };
        assert_eq!(strip(&j), strip(&y));
        assert_eq!(table(&y)[1].value.pos, Pos { line: 2, column: 7 });
    }

    #[test]
    fn duplicate_keys_are_syntax_errors_in_every_syntax() {
        for (text, syntax) in [
            ("a = 1\na = 2\n", Syntax::Toml),
            ("{\"a\": 1, \"a\": 2}", Syntax::Json),
            ("a: 1\na: 2\n", Syntax::Yaml),
        ] {
            let err = parse(text, syntax).unwrap_err();
            assert!(err.pos.is_some(), "{syntax:?}: {err:?}");
            assert!(err.message.contains("重复"), "{syntax:?}: {}", err.message);
        }
    }

    #[test]
    fn yaml_plain_scalars_resolve_like_yaml_1_2() {
        let y = parse(
            "a: 1e30\nb: '12'\nc: 2022-01-20\nd: ~\ne: .5\nf: 1.\n",
            Syntax::Yaml,
        )
        .unwrap();
        let t = table(&y);
        assert_eq!(
            t[0].value.value,
            Value::Number {
                text: "1e30".into(),
                integer: false
            }
        );
        assert_eq!(t[1].value.value, Value::String("12".into()));
        assert_eq!(t[2].value.value, Value::String("2022-01-20".into()));
        assert_eq!(t[3].value.value, Value::Null);
        assert!(matches!(
            t[4].value.value,
            Value::Number { integer: false, .. }
        ));
        assert!(matches!(
            t[5].value.value,
            Value::Number { integer: false, .. }
        ));
    }

    #[test]
    fn yaml_rejects_aliases_and_several_documents() {
        assert!(parse("a: &x 1\nb: *x\n", Syntax::Yaml).is_err());
        assert!(parse("a: 1\n---\nb: 2\n", Syntax::Yaml).is_err());
    }

    #[test]
    fn line_index_counts_characters_across_checkpoints() {
        let text = format!("a\n{}x\n{}", "一二三".repeat(50), "é".repeat(100));
        let index = LineIndex::new(&text);
        for (offset, _) in text.char_indices() {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let want = Pos {
                line: text[..offset].matches('\n').count() as u32 + 1,
                column: text[line_start..offset].chars().count() as u32 + 1,
            };
            assert_eq!(index.pos(offset), want, "offset {offset}");
        }
        assert_eq!(index.pos(text.len()).line, 3);
    }

    #[test]
    fn key_count_and_nesting_are_limited_in_every_syntax() {
        let many: String = (0..=DATA_KEYS).map(|i| format!("k{i} = 1\n")).collect();
        let json = format!(
            "{{{}}}",
            (0..=DATA_KEYS)
                .map(|i| format!("\"k{i}\": 1"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let yaml: String = (0..=DATA_KEYS).map(|i| format!("k{i}: 1\n")).collect();
        for (text, syntax) in [
            (&many, Syntax::Toml),
            (&json, Syntax::Json),
            (&yaml, Syntax::Yaml),
        ] {
            let err = parse(text, syntax).unwrap_err();
            assert_eq!(err.rule, Rule::Limit, "{syntax:?}");
            assert_eq!(err.key.as_deref(), Some(format!("k{DATA_KEYS}").as_str()));
            assert!(err.message.contains("data_keys"), "{}", err.message);
        }
        // One key fewer is read.
        let fewer: String = (0..DATA_KEYS).map(|i| format!("k{i}: 1\n")).collect();
        assert!(parse(&fewer, Syntax::Yaml).is_ok());

        let deep = |n: usize| format!("a = {}1{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(DATA_DEPTH - 1), Syntax::Toml).is_ok());
        let err = parse(&deep(DATA_DEPTH), Syntax::Toml).unwrap_err();
        assert_eq!((err.rule, err.key.as_deref()), (Rule::Limit, Some("a")));
        assert_eq!(
            err.pos,
            Some(Pos {
                line: 1,
                column: 4 + DATA_DEPTH as u32
            })
        );
        // Deeper than the parsers' own guards: the same limit.
        for (text, syntax) in [
            (
                format!("{{\"a\": {}{}}}", "[".repeat(5000), "]".repeat(5000)),
                Syntax::Json,
            ),
            (
                format!("a: {}{}", "[".repeat(5000), "]".repeat(5000)),
                Syntax::Yaml,
            ),
            (deep(5000), Syntax::Toml),
        ] {
            let err = parse(&text, syntax).unwrap_err();
            assert_eq!(err.rule, Rule::Limit, "{syntax:?}: {}", err.message);
            assert!(err.message.contains("data_depth"), "{}", err.message);
        }
    }

    #[test]
    fn a_key_longer_than_the_limit_is_refused() {
        let long = "k".repeat(KEY_CHARS + 1);
        let err = parse(&format!("{long}: 1\n"), Syntax::Yaml).unwrap_err();
        assert_eq!(err.rule, Rule::Limit);
        assert!(err.message.contains("key_chars"), "{}", err.message);
        assert!(parse(&format!("{}: 1\n", "k".repeat(KEY_CHARS)), Syntax::Yaml).is_ok());
    }
}
