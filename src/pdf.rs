//! The PDF writer: laid-out [`Pages`] → PDF bytes, with krilla. Decides nothing: every glyph,
//! rule and image is where the layout put it. krilla is used here and nowhere else.

use std::collections::HashMap;
use std::ops::Range;

use krilla::Document as PdfDocument;
use krilla::blend::BlendMode;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId};
use krilla::{Data, SerializeSettings};

use crate::diag::{Diagnostic, Rule};
use crate::document::Meta;
use crate::fonts::{FaceId, Fonts};
use crate::layout::{self, Item, Pages, Picture, Segment, TextRun};
use crate::model::Date;

/// A moment in UTC, for the document's creation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Timestamp {
    /// From seconds since 1970-01-01 UTC (`SOURCE_DATE_EPOCH`).
    pub fn from_unix(seconds: u64) -> Timestamp {
        let date = Date::from_unix_days((seconds / 86_400) as i64).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        });
        let secs = seconds % 86_400;
        Timestamp {
            year: date.year,
            month: date.month,
            day: date.day,
            hour: (secs / 3600) as u8,
            minute: (secs % 3600 / 60) as u8,
            second: (secs % 60) as u8,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// The creation date when the report has no date of its own (`SOURCE_DATE_EPOCH`). Never
    /// the clock, so the same input gives the same bytes.
    pub created: Option<Timestamp>,
}

/// Writes the pages as a PDF.
pub fn write(
    pages: &Pages,
    meta: &Meta,
    fonts: &Fonts,
    options: &PdfOptions,
) -> Result<Vec<u8>, Diagnostic> {
    let mut doc = PdfDocument::new_with(SerializeSettings::default());
    let mut cache: HashMap<FaceId, Font> = HashMap::new();
    for page in &pages.pages {
        let settings = PageSettings::from_wh(pages.width, pages.height)
            .ok_or_else(|| Diagnostic::error(Rule::Output, "页面尺寸无效"))?;
        let mut pdf_page = doc.start_page_with(settings);
        let mut surface = pdf_page.surface();
        for item in &page.items {
            match item {
                Item::Text(run) => text(&mut surface, run, fonts, &mut cache)?,
                Item::Line(segment) => line(&mut surface, segment),
                Item::Image(picture) => image(&mut surface, picture)?,
            }
        }
        surface.finish();
        pdf_page.finish();
    }
    doc.set_metadata(metadata(meta, options));
    doc.finish()
        .map_err(|e| Diagnostic::error(Rule::Output, format!("无法生成 PDF（{e:?}）")))
}

fn metadata(meta: &Meta, options: &PdfOptions) -> Metadata {
    let keywords = meta
        .keywords
        .split([',', '，'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    let mut m = Metadata::new()
        .title(meta.title.clone())
        .authors(vec![meta.author.clone()])
        .description(meta.subject.clone())
        .keywords(keywords)
        .language(meta.language.clone())
        .creator(format!("nianbao {}", env!("CARGO_PKG_VERSION")));
    let dated = meta.date.map(|d| Timestamp {
        year: d.year,
        month: d.month,
        day: d.day,
        hour: 0,
        minute: 0,
        second: 0,
    });
    let created = dated.or(options.created);
    if let Some(t) = created {
        m = m.creation_date(
            DateTime::new(t.year)
                .month(t.month)
                .day(t.day)
                .hour(t.hour)
                .minute(t.minute)
                .second(t.second)
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        );
    }
    m
}

/// A layout glyph as krilla sees it. krilla asks for values "at a size" and also calls them at
/// size 1.0 to get em units, so they are kept in em and scaled.
struct PdfGlyph {
    id: u16,
    /// In em.
    x_advance: f32,
    /// In em.
    x_offset: f32,
    range: Range<usize>,
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
    fn y_offset(&self, _size: f32) -> f32 {
        0.0
    }
    fn y_advance(&self, _size: f32) -> f32 {
        0.0
    }
    fn location(&self) -> Option<krilla::surface::Location> {
        None
    }
}

fn text(
    surface: &mut Surface,
    run: &TextRun,
    fonts: &Fonts,
    cache: &mut HashMap<FaceId, Font>,
) -> Result<(), Diagnostic> {
    let font = match cache.get(&run.face) {
        Some(f) => f.clone(),
        None => {
            let face = fonts.face(run.face);
            let font = Font::new(Data::from(face.data.clone()), face.index).ok_or_else(|| {
                Diagnostic::error(
                    Rule::Font,
                    format!("字体无法嵌入 PDF：{}", face.path.display()),
                )
            })?;
            cache.insert(run.face, font.clone());
            font
        }
    };
    let glyphs: Vec<PdfGlyph> = run
        .glyphs
        .iter()
        .map(|g: &layout::Glyph| PdfGlyph {
            id: g.id,
            x_advance: g.x_advance / run.size,
            x_offset: g.x_offset / run.size,
            range: g.range.clone(),
        })
        .collect();
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

fn image(surface: &mut Surface, p: &Picture) -> Result<(), Diagnostic> {
    let image = Image::from_png(Data::from(p.png.clone()), false)
        .map_err(|e| Diagnostic::error(Rule::Seal, format!("印章图片无法读取（{e}）")))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_to_civil_date() {
        let t = Timestamp::from_unix(0);
        assert_eq!((t.year, t.month, t.day, t.hour), (1970, 1, 1, 0));
        // 2025-01-20 09:30:15 UTC
        let t = Timestamp::from_unix(1_737_365_415);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2025, 1, 20, 9, 30, 15)
        );
        let t = Timestamp::from_unix(951_782_400); // 2000-02-29
        assert_eq!((t.year, t.month, t.day), (2000, 2, 29));
    }
}
