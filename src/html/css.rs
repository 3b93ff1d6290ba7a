//! The looks of the HTML: each element kind's CSS declarations, made from the style file alone.
//! The page writes them once as class rules in `<style>`; a fragment writes them on every
//! element, for CMS editors that keep `style` attributes but strip `<style>`.

use crate::document::Role;
use crate::style::{PageNumberPosition, Style};

/// What kind of element, for its look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Look {
    /// The content's box.
    Report,
    /// The title (`h1`), its lines.
    Title,
    /// 一、 headings (`h2`).
    Heading,
    /// （一） headings (`h3`).
    Subheading,
    Paragraph,
    /// The first line indented by the style's characters.
    Indent,
    AlignLeft,
    AlignCenter,
    AlignRight,
    AlignJustify,
    /// A stretch of a paragraph in another role's font (a run-in 楷体 heading).
    RunHeading,
    RunSubheading,
    RunTitle,
    Table,
    Cell,
    /// A header cell: the same weight as any other (a browser makes `th` bold).
    HeadCell,
    /// A figure: on one line, whatever its width.
    Figure,
    CellTop,
    CellBottom,
    /// The text of a vertical cell, set top to bottom with upright characters. Where an
    /// editor drops it, the text stands across a narrow column, one or two characters a line.
    Vertical,
    /// Rows are never split over two printed pages (as in the PDF).
    Row,
    /// Kept on the printed page with what follows (the tree's `keep.with_next`).
    KeepWithNext,
    /// Never broken over two printed pages (the tree's whole blocks).
    KeepWhole,
    Signature,
    SignatureBox,
    /// The 署名 of an unsealed 落款: its lines right-aligned, two characters in.
    Organ,
    /// The date of an unsealed 落款: two characters right of the 署名.
    Date,
    /// The 署名 of a sealed 落款, centred over the date; it adds nothing to the box's width,
    /// which is the date's, and may stand four characters out on either side of it.
    OrganSealed,
    DateSealed,
    Seal,
}

impl Look {
    /// Every look, general before particular: a later rule wins over an earlier one.
    pub(super) const ALL: [Look; 30] = [
        Look::Report,
        Look::Title,
        Look::Heading,
        Look::Subheading,
        Look::Paragraph,
        Look::Table,
        Look::Cell,
        Look::HeadCell,
        Look::Figure,
        Look::Vertical,
        Look::Row,
        Look::Signature,
        Look::SignatureBox,
        Look::Organ,
        Look::Date,
        Look::OrganSealed,
        Look::DateSealed,
        Look::Seal,
        Look::Indent,
        Look::AlignLeft,
        Look::AlignCenter,
        Look::AlignRight,
        Look::AlignJustify,
        Look::CellTop,
        Look::CellBottom,
        Look::KeepWithNext,
        Look::KeepWhole,
        Look::RunHeading,
        Look::RunSubheading,
        Look::RunTitle,
    ];

    /// The class name in the page's style sheet.
    pub(super) fn class(self) -> &'static str {
        match self {
            Look::Report => "nb-report",
            Look::Title => "nb-title",
            Look::Heading => "nb-h1",
            Look::Subheading => "nb-h2",
            Look::Paragraph => "nb-p",
            Look::Indent => "nb-indent",
            Look::AlignLeft => "nb-left",
            Look::AlignCenter => "nb-center",
            Look::AlignRight => "nb-right",
            Look::AlignJustify => "nb-justify",
            Look::RunHeading => "nb-hei",
            Look::RunSubheading => "nb-kai",
            Look::RunTitle => "nb-song",
            Look::Table => "nb-table",
            Look::Cell => "nb-cell",
            Look::HeadCell => "nb-th",
            Look::Figure => "nb-num",
            Look::CellTop => "nb-top",
            Look::CellBottom => "nb-bottom",
            Look::Vertical => "nb-vertical",
            Look::Row => "nb-row",
            Look::KeepWithNext => "nb-keep-next",
            Look::KeepWhole => "nb-keep-whole",
            Look::Signature => "nb-signature",
            Look::SignatureBox => "nb-signature-box",
            Look::Organ => "nb-organ",
            Look::Date => "nb-date",
            Look::OrganSealed => "nb-organ-sealed",
            Look::DateSealed => "nb-date-sealed",
            Look::Seal => "nb-seal",
        }
    }

    /// The look of text in a font role, inside a paragraph of body text.
    pub(super) fn run(role: Role) -> Option<Look> {
        match role {
            Role::Body | Role::PageNumber => None,
            Role::Heading => Some(Look::RunHeading),
            Role::Subheading => Some(Look::RunSubheading),
            Role::Title => Some(Look::RunTitle),
        }
    }

    /// The declarations, `property: value;` each.
    pub(super) fn declarations(self, style: &Style, page: bool) -> String {
        let pitch = style.line_pitch_pt();
        let sizes = &style.sizes;
        let indent = style.body.first_line_indent_chars;
        let font = |role: Role| {
            format!(
                "font-family:{};font-size:{}pt;font-weight:normal;",
                families(style, role, page),
                pt(role.size(style))
            )
        };
        match self {
            Look::Report => format!(
                "{}line-height:{}pt;color:#000;background:#fff;max-width:{}mm;margin:0 auto;text-align:justify;",
                font(Role::Body),
                pt(pitch),
                pt(style.page.text_width_mm())
            ),
            Look::Title => format!(
                "{}line-height:{}pt;text-align:center;margin:0 0 {}pt;",
                font(Role::Title),
                pt(pitch),
                pt(pitch * style.body.blank_lines_after_title as f32)
            ),
            // Headings stand in by the indent, as the PDF sets them.
            Look::Heading => format!(
                "{}line-height:{}pt;margin:0;text-indent:{indent}em;",
                font(Role::Heading),
                pt(pitch)
            ),
            Look::Subheading => format!(
                "{}line-height:{}pt;margin:0;text-indent:{indent}em;",
                font(Role::Subheading),
                pt(pitch)
            ),
            // Characters on the body's grid: the pitch is a little less than the size.
            Look::Paragraph => format!(
                "{}line-height:{}pt;margin:0;letter-spacing:{}pt;",
                font(Role::Body),
                pt(pitch),
                pt(style.char_pitch_pt() - sizes.body)
            ),
            Look::Indent => format!("text-indent:{indent}em;"),
            Look::AlignLeft => "text-align:left;".into(),
            Look::AlignCenter => "text-align:center;".into(),
            Look::AlignRight => "text-align:right;".into(),
            Look::AlignJustify => "text-align:justify;".into(),
            Look::RunHeading => format!("font-family:{};", families(style, Role::Heading, page)),
            Look::RunSubheading => {
                format!("font-family:{};", families(style, Role::Subheading, page))
            }
            Look::RunTitle => format!("font-family:{};", families(style, Role::Title, page)),
            Look::Table => format!(
                "border-collapse:collapse;table-layout:fixed;width:100%;margin:{}pt 0;border:{}pt solid #000;font-family:{};font-size:{}pt;line-height:{};letter-spacing:0;",
                pt(pitch * style.table.space_lines),
                pt(style.table.outer_border_pt),
                families(style, Role::Body, page),
                pt(sizes.table),
                pt(style.table.line_height)
            ),
            Look::Cell => format!(
                "border:{}pt solid #000;padding:{}mm;text-align:center;vertical-align:middle;text-indent:0;",
                pt(style.table.inner_border_pt),
                pt(style.table.padding_mm)
            ),
            Look::HeadCell => "font-weight:normal;".into(),
            Look::Figure => "white-space:nowrap;".into(),
            Look::CellTop => "vertical-align:top;".into(),
            Look::CellBottom => "vertical-align:bottom;".into(),
            // One character wide: without writing-mode, the characters stack all the same.
            Look::Vertical => {
                "writing-mode:vertical-rl;text-orientation:upright;display:inline-block;max-width:1em;"
                    .into()
            }
            Look::Row => "break-inside:avoid;".into(),
            Look::KeepWithNext => "break-after:avoid;".into(),
            Look::KeepWhole => "break-inside:avoid;".into(),
            Look::Signature => {
                format!("text-align:right;margin:0;break-inside:avoid;line-height:{}pt;", pt(pitch))
            }
            Look::SignatureBox => "display:inline-block;position:relative;text-align:left;".into(),
            Look::Organ => "display:inline-block;text-align:right;".into(),
            Look::Date => format!("padding-left:{indent}em;white-space:nowrap;"),
            Look::OrganSealed => {
                "contain:inline-size;width:calc(100% + 8em);margin-left:-4em;text-align:center;"
                    .into()
            }
            Look::DateSealed => "white-space:nowrap;text-align:center;".into(),
            // Centred on the date, its centre a tenth of its height above the middle of the
            // 署名 and date (as the PDF places it), printed over them like ink.
            Look::Seal => format!(
                "position:absolute;left:50%;top:50%;width:{}mm;height:auto;transform:translate(-50%,-60%);mix-blend-mode:multiply;",
                pt(style.signature.seal_width_mm)
            ),
        }
    }
}

/// A number as CSS writes it: at most two decimals, no trailing zeros.
pub(super) fn pt(value: f32) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Fonts Windows and macOS ship for each role, after the style's own (which name the official
/// fonts first and the open fonts nianbao ships last).
fn system_families(role: Role) -> &'static [&'static str] {
    match role {
        Role::Title => &["SimSun", "STSong", "Songti SC"],
        Role::Heading => &["SimHei", "Microsoft YaHei", "STHeiti", "PingFang SC"],
        Role::Subheading => &["KaiTi", "STKaiti", "Kaiti SC"],
        Role::Body => &["FangSong", "STFangsong"],
        Role::PageNumber => &["SimSun", "STSong"],
    }
}

/// A role's `font-family` list: on the page, ASCII letters and digits first from the Latin
/// chain (as the PDF sets them; not in the title) and the role's face (its chain's fonts by
/// their full names, see [`sheet`]); then the role's chain by family names, the system fonts
/// and the generic family.
pub(super) fn families(style: &Style, role: Role, page: bool) -> String {
    let face = role_face(role);
    let mut names: Vec<&str> = Vec::new();
    if page && role != Role::Title {
        names.push(LATIN_FACE);
    }
    if page {
        names.push(&face);
    }
    for name in role
        .families(style)
        .iter()
        .map(String::as_str)
        .chain(system_families(role).iter().copied())
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let generic = if role == Role::Heading {
        "sans-serif"
    } else {
        "serif"
    };
    let mut list: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    list.push(generic.to_string());
    list.join(",")
}

/// The page's face for ASCII letters and digits: the Latin chain's fonts, for those characters
/// only (`unicode-range`), so that Chinese punctuation stays in the role's font.
const LATIN_FACE: &str = "nianbao-latin";

/// Printed page numbers as the PDF sets them (GB/T 9704 7.5): `— N —` in the page-number
/// role's font, the style's distance below the 版心, outside (odd pages right, even left, one
/// character in) or centred.
fn page_numbers(style: &Style) -> String {
    let pn = &style.page_number;
    let dash = pn.dash.replace(['\\', '"'], "");
    let look = format!(
        "content:\"{dash} \" counter(page) \" {dash}\";font-family:{};font-size:{}pt;vertical-align:top;padding-top:{}mm;",
        families(style, Role::PageNumber, false),
        pt(style.sizes.page_number),
        pt(pn.distance_mm)
    );
    match pn.position {
        PageNumberPosition::Outside => format!(
            "@page :right{{@bottom-right{{{look}text-align:right;padding-right:1em;}}}}\n\
             @page :left{{@bottom-left{{{look}text-align:left;padding-left:1em;}}}}\n"
        ),
        PageNumberPosition::Center => {
            format!("@page{{@bottom-center{{{look}text-align:center;}}}}\n")
        }
    }
}

/// The page's face for a role's chain.
fn role_face(role: Role) -> String {
    format!("nianbao-{}", role.name())
}

/// `local()` sources for fonts by name: a browser matches them by full name (as `Noto Serif SC
/// Bold`, which no family is called), where `font-family` matches family names only.
fn locals(names: &[String]) -> String {
    let sources: Vec<String> = names.iter().map(|f| format!("local('{f}')")).collect();
    sources.join(",")
}

/// The page's style sheet: the Latin face and the roles' faces, the print page, and a rule per
/// look.
pub(super) fn sheet(style: &Style) -> String {
    let page = &style.page;
    let mut css = format!(
        "@font-face{{font-family:'{LATIN_FACE}';src:{};unicode-range:U+0021-007E;}}\n",
        locals(&style.fonts.latin)
    );
    for role in [Role::Title, Role::Heading, Role::Subheading, Role::Body] {
        css.push_str(&format!(
            "@font-face{{font-family:'{}';src:{};}}\n",
            role_face(role),
            locals(role.families(style))
        ));
    }
    css.push_str(&format!(
        "@page{{size:{}mm {}mm;margin:{}mm {}mm {}mm {}mm;}}\n",
        pt(page.width_mm),
        pt(page.height_mm),
        pt(page.margin_top_mm),
        pt(page.margin_right_mm),
        pt(page.margin_bottom_mm),
        pt(page.margin_left_mm)
    ));
    css.push_str(&page_numbers(style));
    css.push_str("body{margin:0;background:#fff;}\n");
    css.push_str("@media screen{.nb-report{padding:2em 0;}}\n");
    for look in Look::ALL {
        css.push_str(&format!(
            ".{}{{{}}}\n",
            look.class(),
            look.declarations(style, true)
        ));
    }
    css
}
