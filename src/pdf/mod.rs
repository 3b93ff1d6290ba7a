//! The PDF writer: laid-out [`Pages`] → PDF bytes, with krilla. Decides nothing: every glyph,
//! rule and image is where the layout put it. krilla is used here and nowhere else.

mod read;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use krilla::Document as PdfDocument;
use krilla::blend::BlendMode;
use krilla::configure::{ConfigurationBuilder, ValidationError, validate};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId};
use krilla::{Data, SerializeSettings};

use crate::diag::{Diagnostic, Rule};
use crate::document::{Attachment, Meta, Timestamp};
use crate::fonts::{FaceId, Fonts};
use crate::layout::{Item, Pages, Picture, Segment, TextRun};
pub use read::read_attachments;

/// Which PDF/A level the file conforms to. krilla's validator checks it while writing, so a
/// non-conforming file is never written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Archival {
    /// Plain PDF 1.7.
    Off,
    /// PDF/A-2b: no embedded files allowed (other than PDF/A files), so no data inside.
    A2b,
    /// PDF/A-3b: the data and the seal travel inside as associated files.
    #[default]
    A3b,
}

impl Archival {
    pub fn code(self) -> &'static str {
        match self {
            Archival::Off => "off",
            Archival::A2b => "2b",
            Archival::A3b => "3b",
        }
    }

    pub fn from_code(code: &str) -> Option<Archival> {
        [Archival::Off, Archival::A2b, Archival::A3b]
            .into_iter()
            .find(|a| a.code() == code)
    }

    /// Whether files may be embedded.
    pub fn allows_attachments(self) -> bool {
        self != Archival::A2b
    }
}

#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// The creation date when the report has no date of its own (`SOURCE_DATE_EPOCH`).
    pub created: Option<Timestamp>,
    pub archival: Archival,
}

/// Writes the pages as a PDF, with `attachments` as associated files.
pub fn write(
    pages: &Pages,
    meta: &Meta,
    fonts: &Fonts,
    options: &PdfOptions,
    attachments: &[Attachment],
) -> Result<Vec<u8>, Diagnostic> {
    let mut settings = SerializeSettings::default();
    let archival = match options.archival {
        Archival::Off => None,
        Archival::A2b => Some(validate::Archival::A2_B),
        Archival::A3b => Some(validate::Archival::A3_B),
    };
    if let Some(level) = archival {
        settings.configuration = ConfigurationBuilder::new()
            .with_archival_validator(level)
            .finish()
            .map_err(|e| Diagnostic::error(Rule::Output, format!("PDF/A 设置无效（{e:?}）")))?;
    }
    let mut doc = PdfDocument::new_with(settings);
    let mut cache: HashMap<FaceId, Font> = HashMap::new();
    let sentinels = sentinels(pages, fonts);
    for (n, page) in pages.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(pages.width, pages.height)
            .ok_or_else(|| Diagnostic::error(Rule::Output, "页面尺寸无效"))?;
        let mut pdf_page = doc.start_page_with(settings);
        let mut surface = pdf_page.surface();
        if n == 0 {
            for (&face, &sentinel) in &sentinels {
                let font = font(face, fonts, &mut cache)?;
                let glyph = [PdfGlyph::blank(sentinel, 0..0)];
                surface.set_fill(Some(Fill::default()));
                surface.draw_glyphs(Point::from_xy(0.0, 0.0), &glyph, font, "", 1.0, false);
            }
        }
        for item in &page.items {
            match item {
                Item::Text(run) => text(&mut surface, run, fonts, &mut cache, &sentinels)?,
                Item::Line(segment) => line(&mut surface, segment),
                Item::Image(picture) => image(&mut surface, picture)?,
            }
        }
        surface.finish();
        pdf_page.finish();
    }
    let created = meta.created(options.created);
    for a in attachments {
        let file = EmbeddedFile {
            path: a.name.clone(),
            mime_type: MimeType::new(a.mime),
            description: Some(a.description.clone()),
            association_kind: if a.source {
                AssociationKind::Source
            } else {
                AssociationKind::Supplement
            },
            data: Data::from(a.bytes.clone()),
            modification_date: Some(date_time(created)),
            // Stored as is: an archive can read the data with any tool, and a damaged byte
            // stays local.
            compress: Some(false),
            location: None,
        };
        doc.embed_file(file).ok_or_else(|| {
            Diagnostic::error(
                Rule::Output,
                format!("无法嵌入 {}（同名文件已存在）", a.name),
            )
        })?;
    }
    doc.set_metadata(metadata(meta, created));
    doc.finish().map_err(|e| failure(e, &cache, fonts))
}

/// Why krilla refused to write the file, in the clerk's words.
fn failure(e: KrillaError, cache: &HashMap<FaceId, Font>, fonts: &Fonts) -> Diagnostic {
    let errors = match e {
        KrillaError::Validation(errors) => errors,
        // `seal::accept` decodes the seal first with the same decoder; this is the fallback.
        KrillaError::Image(_, _, message) => return seal_failure(&message),
        e => return Diagnostic::error(Rule::Output, format!("无法生成 PDF（{e:?}）")),
    };
    let font_name = |font: &Font| {
        cache.iter().find(|(_, f)| *f == font).map_or_else(
            || "某字体".to_string(),
            |(id, _)| fonts.face(*id).family.clone(),
        )
    };
    let mut missing = String::new();
    let mut problems = Vec::new();
    for (error, _) in &errors {
        match error {
            ValidationError::ContainsNotDefGlyph(_, _, text) => missing.push_str(text),
            ValidationError::RestrictedLicense(font) => problems.push(format!(
                "字体「{}」的授权不允许嵌入，PDF/A 文件必须嵌入字体",
                font_name(font)
            )),
            ValidationError::UnicodePrivateArea(_, _, ch, _) => problems.push(format!(
                "字符 U+{:04X} 属于私用区，PDF/A 不允许",
                *ch as u32
            )),
            other => problems.push(format!("{other:?}")),
        }
    }
    if !missing.is_empty() {
        let mut chars: Vec<char> = missing.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        let list: String = chars.into_iter().collect();
        problems.insert(0, format!("字体里没有这些字：{list}"));
    }
    Diagnostic::error(
        Rule::Output,
        format!("不能写出合格的 PDF/A 文件：{}", problems.join("；")),
    )
    .hint("用 --font-dir 换用合适的字体，或用 --pdfa=off 写普通 PDF")
}

fn date_time(t: Timestamp) -> DateTime {
    DateTime::new(t.year)
        .month(t.month)
        .day(t.day)
        .hour(t.hour)
        .minute(t.minute)
        .second(t.second)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

fn metadata(meta: &Meta, created: Timestamp) -> Metadata {
    let keywords = meta
        .keywords
        .split([',', '，'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    Metadata::new()
        .title(meta.title.clone())
        .authors(vec![meta.author.clone()])
        .description(meta.subject.clone())
        .keywords(keywords)
        .language(meta.language.clone())
        .creator(crate::document::generator())
        .creation_date(date_time(created))
}

/// A layout glyph as krilla sees it. krilla asks for values "at a size" and also calls them at
/// size 1.0 to get em units, so they are kept in em and scaled.
struct PdfGlyph {
    id: u16,
    /// In em.
    x_advance: f32,
    /// In em.
    x_offset: f32,
    /// In em, up (krilla's direction; the layout's is down).
    y_offset: f32,
    range: Range<usize>,
}

impl PdfGlyph {
    /// A blank glyph that takes no room.
    fn blank(id: u16, range: Range<usize>) -> PdfGlyph {
        PdfGlyph {
            id,
            x_advance: 0.0,
            x_offset: 0.0,
            y_offset: 0.0,
            range,
        }
    }
}

impl krilla::text::Glyph for PdfGlyph {
    fn glyph_id(&self) -> GlyphId {
        GlyphId::new(self.id as u32)
    }
    fn text_range(&self) -> Range<usize> {
        self.range.clone()
    }
    fn x_advance(&self, size: f32) -> f32 {
        self.x_advance * size
    }
    fn x_offset(&self, size: f32) -> f32 {
        self.x_offset * size
    }
    fn y_offset(&self, size: f32) -> f32 {
        self.y_offset * size
    }
    fn y_advance(&self, _size: f32) -> f32 {
        0.0
    }
    fn location(&self) -> Option<krilla::surface::Location> {
        None
    }
}

/// The blank glyph (U+3000) of each face that has clusters of several glyphs.
///
/// krilla writes a cluster with an `/ActualText` span, so that readers extract its text whole
/// (a label set over several lines, compressed punctuation). But it also maps the cluster's
/// first glyph to the cluster's whole text in the font's ToUnicode table unless that glyph
/// already has a mapping, which would make every other use of the glyph read as the cluster.
/// So each cluster begins with this blank glyph, given an empty mapping at the top of the first
/// page before any cluster is drawn.
fn sentinels(pages: &Pages, fonts: &Fonts) -> BTreeMap<FaceId, u16> {
    pages
        .pages
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|item| match item {
            Item::Text(run) if has_clusters(run) => Some(run.face),
            _ => None,
        })
        .filter_map(|face| Some((face, fonts.face(face).glyph('\u{3000}')?)))
        .collect()
}

fn has_clusters(run: &TextRun) -> bool {
    run.glyphs.windows(2).any(|w| w[0].range == w[1].range)
}

fn font(
    face: FaceId,
    fonts: &Fonts,
    cache: &mut HashMap<FaceId, Font>,
) -> Result<Font, Diagnostic> {
    if let Some(f) = cache.get(&face) {
        return Ok(f.clone());
    }
    let f = fonts.face(face);
    let font = Font::new(Data::from(f.data), f.index).ok_or_else(|| {
        Diagnostic::error(
            Rule::Font,
            format!("字体无法嵌入 PDF：{}", f.path.display()),
        )
    })?;
    cache.insert(face, font.clone());
    Ok(font)
}

fn text(
    surface: &mut Surface,
    run: &TextRun,
    fonts: &Fonts,
    cache: &mut HashMap<FaceId, Font>,
    sentinels: &BTreeMap<FaceId, u16>,
) -> Result<(), Diagnostic> {
    let font = font(run.face, fonts, cache)?;
    let em = |v: f32| v / run.size;
    let sentinel = sentinels.get(&run.face);
    let mut glyphs: Vec<PdfGlyph> = Vec::with_capacity(run.glyphs.len() + 1);
    for (i, g) in run.glyphs.iter().enumerate() {
        let starts_cluster = (i == 0 || run.glyphs[i - 1].range != g.range)
            && run.glyphs.get(i + 1).is_some_and(|n| n.range == g.range);
        if let Some(&id) = sentinel.filter(|_| starts_cluster) {
            glyphs.push(PdfGlyph::blank(id, g.range.clone()));
        }
        glyphs.push(PdfGlyph {
            id: g.id,
            x_advance: em(g.x_advance),
            x_offset: em(g.x_offset),
            y_offset: -em(g.y_offset),
            range: g.range.clone(),
        });
    }
    surface.set_fill(Some(Fill::default()));
    surface.set_stroke(None);
    surface.draw_glyphs(
        Point::from_xy(run.x, run.y),
        &glyphs,
        font,
        &run.text,
        run.size,
        false,
    );
    Ok(())
}

fn line(surface: &mut Surface, s: &Segment) {
    let mut path = PathBuilder::new();
    path.move_to(s.x1, s.y1);
    path.line_to(s.x2, s.y2);
    let Some(path) = path.finish() else { return };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        width: s.width,
        ..Stroke::default()
    }));
    surface.draw_path(&path);
}

/// The seal could not be decoded: said of `signature.seal`, the decoder's words in brackets.
fn seal_failure(message: &str) -> Diagnostic {
    let key = crate::seal::KEY;
    Diagnostic::error(
        Rule::Seal,
        format!(
            "印章图片无法解码（PNG 解码器：{}）",
            message.trim_end_matches('.')
        ),
    )
    .field(key, crate::model::schema::label(key))
    .hint("用图像软件打开印章图片，重新导出为 PNG")
}

fn image(surface: &mut Surface, p: &Picture) -> Result<(), Diagnostic> {
    // Not interpolated: PDF/A forbids it, and a seal is shown at its own resolution anyway.
    let image = Image::from_png(Data::from(p.png.clone()), false).map_err(|e| seal_failure(&e))?;
    let Some(size) = Size::from_wh(p.width, p.height) else {
        return Ok(());
    };
    // Multiply, like ink: the 署名 and date under the seal stay legible.
    surface.push_blend_mode(BlendMode::Multiply);
    surface.push_transform(&Transform::from_translate(p.x, p.y));
    surface.draw_image(image, size);
    surface.pop();
    surface.pop();
    Ok(())
}
