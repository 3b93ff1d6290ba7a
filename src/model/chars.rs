//! Which characters a text of the data may hold, decided once for `check`, `render`, `batch`
//! and `verify` alike (docs/data-format.md「文字中的字符」).
//!
//! A clerk's text comes from Word, web pages and WeChat, and brings characters nobody typed:
//!
//! - Windows and old Mac line ends (CR LF, CR) are line breaks and a tab is a space, silently:
//!   that is what they are;
//! - line and paragraph separators (U+2028, U+2029, U+0085) become line breaks, with a warning:
//!   the clerk sees a line break, no font draws the character;
//! - invisible format characters (U+FEFF, zero-width spaces and joiners, direction marks, the
//!   soft hyphen) are removed with a warning: no font draws them, and the printed text looks
//!   the same without them;
//! - control characters, private-use characters (no font has them: often a rare character
//!   from an old input method) and noncharacters are errors: each stands for something the
//!   clerk must decide.
//!
//! The rule is one of character classes, not of fonts: these characters cannot be printed
//! with any font, so `check` can refuse them without loading one. A character that some font
//! lacks (a rare 汉字) is a matter for `render`, which knows the fonts (rule `missing-glyph`).

use std::borrow::Cow;

/// What becomes of a character of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Keep,
    /// CR: a line break (the LF of CR LF is kept, the CR dropped), not reported.
    Return,
    /// Replaced by a space, not reported.
    Space,
    /// Replaced by a line break, with a warning.
    LineBreak,
    /// Removed, with a warning.
    Invisible,
    /// Refused: the kind, for messages.
    Control,
    PrivateUse,
    Noncharacter,
}

pub fn class(c: char) -> Class {
    match c {
        '\n' => Class::Keep,
        '\r' => Class::Return,
        '\u{85}' | '\u{2028}' | '\u{2029}' => Class::LineBreak,
        '\t' => Class::Space,
        '\u{AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' => {
            Class::Invisible
        }
        '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' => Class::Invisible,
        '\u{FFF9}'..='\u{FFFB}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}' => Class::Invisible,
        c if c.is_control() => Class::Control,
        '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}' => {
            Class::PrivateUse
        }
        '\u{FDD0}'..='\u{FDEF}' => Class::Noncharacter,
        c if (c as u32) & 0xFFFE == 0xFFFE => Class::Noncharacter,
        _ => Class::Keep,
    }
}

/// The first character of one class found in a text, and how many there were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub class: Class,
    pub first: char,
    /// 1-based line within the text, and column in characters.
    pub line: usize,
    pub column: usize,
    pub count: usize,
}

/// A text with line breaks and spaces normalised and invisible characters removed, and the first
/// character of each class found that is reported (every class but [`Class::Keep`],
/// [`Class::Return`] and [`Class::Space`]). Linear in the text's length.
pub fn clean(text: &str) -> (Cow<'_, str>, Vec<Found>) {
    if text.chars().all(|c| class(c) == Class::Keep) {
        return (Cow::Borrowed(text), Vec::new());
    }
    let mut out = String::with_capacity(text.len());
    let mut found: Vec<Found> = Vec::new();
    let (mut line, mut column) = (1, 0);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        let class = class(c);
        let breaks = matches!(class, Class::Return | Class::LineBreak) || c == '\n';
        match class {
            Class::Keep => out.push(c),
            Class::Space => out.push(' '),
            Class::Return if chars.peek() == Some(&'\n') => continue, // the \n is the break
            Class::Return => out.push('\n'),
            _ => {
                if class == Class::LineBreak {
                    out.push('\n');
                }
                match found.iter_mut().find(|f| f.class == class) {
                    Some(f) => f.count += 1,
                    None => found.push(Found {
                        class,
                        first: c,
                        line,
                        column,
                        count: 1,
                    }),
                }
            }
        }
        if breaks {
            line += 1;
            column = 0;
        }
    }
    (Cow::Owned(out), found)
}

/// The 1-based line and column (in characters) of byte `offset` of `text`, as messages about a
/// place inside a text value give it ([`super::SourceMap::in_text`] maps it into the file). An
/// offset inside a character counts as that character.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// `U+FEFF`.
pub fn code(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// A value quoted in a message: at most `max` characters (then `…（共 N 字）`), every character
/// that is not plain text written as its code, so a message can neither fill the screen nor
/// carry terminal control sequences.
pub fn quote(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        count += 1;
        if count > max {
            continue;
        }
        match class(c) {
            _ if c == '\n' => out.push_str("\\n"),
            Class::Keep => out.push(c),
            _ => out.push_str(&format!("<{}>", code(c))),
        }
    }
    if count > max {
        out.push_str(&format!("…（共 {count} 字）"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_the_characters_clerks_paste() {
        assert_eq!(class('中'), Class::Keep);
        assert_eq!(class('\u{3000}'), Class::Keep);
        assert_eq!(class('\u{2028}'), Class::LineBreak);
        assert_eq!(class('\r'), Class::Return);
        assert_eq!(class('\t'), Class::Space);
        assert_eq!(class('\u{FEFF}'), Class::Invisible);
        assert_eq!(class('\u{200B}'), Class::Invisible);
        assert_eq!(class('\u{1}'), Class::Control);
        assert_eq!(class('\u{1B}'), Class::Control);
        assert_eq!(class('\u{9F}'), Class::Control);
        assert_eq!(class('\u{E000}'), Class::PrivateUse);
        assert_eq!(class('\u{10FFFD}'), Class::PrivateUse);
        assert_eq!(class('\u{FFFF}'), Class::Noncharacter);
        assert_eq!(class('\u{1FFFE}'), Class::Noncharacter);
        assert_eq!(class('\u{FDD0}'), Class::Noncharacter);
    }

    #[test]
    fn clean_normalises_breaks_and_reports_the_first_of_each_class() {
        let (text, found) = clean("甲\r\n乙\u{2028}丙\t丁\u{FEFF}戊\u{200B}\n\u{1}己\u{2}\r庚");
        assert_eq!(text, "甲\n乙\n丙 丁戊\n己\n庚");
        assert_eq!(
            found,
            [
                Found {
                    class: Class::LineBreak,
                    first: '\u{2028}',
                    line: 2,
                    column: 2,
                    count: 1
                },
                Found {
                    class: Class::Invisible,
                    first: '\u{FEFF}',
                    line: 3,
                    column: 4,
                    count: 2
                },
                Found {
                    class: Class::Control,
                    first: '\u{1}',
                    line: 4,
                    column: 1,
                    count: 2
                },
            ]
        );
        assert!(matches!(clean("普通的文字\n第二行"), (Cow::Borrowed(_), f) if f.is_empty()));
    }

    #[test]
    fn quotes_are_short_and_show_codes() {
        assert_eq!(quote("a\u{1B}[31mb", 10), "a<U+001B>[31mb");
        assert_eq!(quote(&"9".repeat(50), 5), "99999…（共 50 字）");
    }
}
