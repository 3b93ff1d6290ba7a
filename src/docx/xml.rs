//! A small XML writer: elements are written as they are made, so every part comes out in the
//! order the schema asks for by the order of the code that writes it.

use crate::escape::markup_into;
use std::fmt::Write;

pub(super) const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// An attribute value: text (escaped) or a number.
pub(super) enum Value<'a> {
    Text(&'a str),
    Int(i64),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Text(s)
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(s: &'a String) -> Self {
        Value::Text(s)
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<i32> for Value<'_> {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}

impl From<u32> for Value<'_> {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}

impl From<usize> for Value<'_> {
    fn from(v: usize) -> Self {
        Value::Int(v as i64)
    }
}

/// Attributes as written: `attrs![("w:val", 3), ("w:type", "dxa")]`.
macro_rules! attrs {
    ($(($k:expr, $v:expr)),* $(,)?) => {
        &[$(($k, $crate::docx::xml::Value::from($v))),*]
    };
}
pub(super) use attrs;

pub(super) struct Xml {
    out: String,
}

impl Xml {
    /// A part, its declaration written.
    pub fn new() -> Xml {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str(DECLARATION);
        Xml { out }
    }

    fn start(&mut self, tag: &str, attributes: &[(&str, Value)]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (key, value) in attributes {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            match value {
                Value::Text(t) => markup_into(&mut self.out, t),
                Value::Int(v) => {
                    let _ = write!(self.out, "{v}");
                }
            }
            self.out.push('"');
        }
    }

    /// `<tag …>`: children follow until [`Xml::close`].
    pub fn open(&mut self, tag: &str, attributes: &[(&str, Value)]) {
        self.start(tag, attributes);
        self.out.push('>');
    }

    /// `<tag …/>`.
    pub fn empty(&mut self, tag: &str, attributes: &[(&str, Value)]) {
        self.start(tag, attributes);
        self.out.push_str("/>");
    }

    pub fn close(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// `<tag …>text</tag>`.
    pub fn leaf(&mut self, tag: &str, attributes: &[(&str, Value)], text: &str) {
        self.open(tag, attributes);
        self.text(text);
        self.close(tag);
    }

    /// Character data, escaped.
    pub fn text(&mut self, text: &str) {
        markup_into(&mut self.out, text);
    }

    /// Markup written as it is (a character reference).
    pub fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_nest_and_values_are_escaped() {
        let mut x = Xml::new();
        x.open("w:p", attrs![("w:rsid", "a\"b&c")]);
        x.empty("w:sz", attrs![("w:val", 32)]);
        x.leaf("w:t", &[], "<甲&乙>\u{1}");
        x.close("w:p");
        assert_eq!(
            x.finish(),
            format!(
                "{DECLARATION}<w:p w:rsid=\"a&quot;b&amp;c\"><w:sz w:val=\"32\"/><w:t>&lt;甲&amp;乙&gt;</w:t></w:p>"
            )
        );
    }
}
