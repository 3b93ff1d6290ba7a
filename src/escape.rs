//! Text in markup, for every writer of XML or HTML (.docx parts, the HTML page): the markup
//! characters escaped, and the characters neither XML 1.0 nor HTML may carry dropped (the
//! data's checks refuse them before this; a template's literal text might still hold one).

/// Appends `text` to `out` as element text or attribute value.
pub fn markup_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
}

/// `text` as element text or attribute value.
pub fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    markup_into(&mut out, text);
    out
}
