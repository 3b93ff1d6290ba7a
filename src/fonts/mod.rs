//! Finding fonts, once: each role's fallback chain resolved to font faces, and per-character
//! lookup along the chain.
//!
//! Faces come from `--font-dir` directories, the machine's fonts (unless `--no-system-fonts`)
//! and the open fonts built into the program ([`shipped`]), found with fontdb. The official
//! fonts (仿宋_GB2312, 方正小标宋简体 …) come first in each chain, so they win whenever installed.
//! fontdb is used here and nowhere else; the layout asks [`Fonts`] for glyphs and metrics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ttf_parser::gsub::SubstitutionSubtable;

use crate::diag::{Diagnostic, Location, Rule};
use crate::document::Role;
use crate::style::Style;

pub mod shipped;
mod subset;

pub use subset::SubsetError;

/// The chains a character can be looked up in: the document's roles, plus Latin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chain {
    Role(Role),
    /// Digits and Latin letters (Times New Roman by practice), where a font for them exists.
    Latin,
}

impl Chain {
    pub const ALL: [Chain; 6] = [
        Chain::Role(Role::Title),
        Chain::Role(Role::Heading),
        Chain::Role(Role::Subheading),
        Chain::Role(Role::Body),
        Chain::Role(Role::PageNumber),
        Chain::Latin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Chain::Role(r) => r.name(),
            Chain::Latin => "latin",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Chain::Role(Role::Title) => "标题（小标宋）",
            Chain::Role(Role::Heading) => "一级标题（黑体）",
            Chain::Role(Role::Subheading) => "二级标题（楷体）",
            Chain::Role(Role::Body) => "正文和表格（仿宋）",
            Chain::Role(Role::PageNumber) => "页码（宋体）",
            Chain::Latin => "数字和西文",
        }
    }

    fn families(self, style: &Style) -> &[String] {
        match self {
            Chain::Role(r) => r.families(style),
            Chain::Latin => &style.fonts.latin,
        }
    }
}

/// Index of a loaded face in [`Fonts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct FaceId(pub u16);

/// A face in use: its file, its data (shared with the PDF writer) and its parsed tables.
pub struct Face {
    /// The font file; for a face built into the program, its name in `fonts/`.
    pub path: PathBuf,
    pub index: u32,
    pub family: String,
    pub post_script_name: String,
    pub weight: u16,
    /// Whether the face is one of the shipped open fonts.
    pub bundled: bool,
    /// The whole font file: built into the program, or read once and kept ([`font_data`]).
    pub data: &'static [u8],
    parsed: ttf_parser::Face<'static>,
    units_per_em: f32,
    /// The ideographic em box: top and bottom relative to the baseline, in em (0.88, −0.12).
    em_top: f32,
    em_bottom: f32,
    /// The GSUB lookups of the vertical forms, found on first use (see [`Face::vertical_glyph`]).
    vertical: OnceLock<Vec<u16>>,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("path", &self.path)
            .field("family", &self.family)
            .field("weight", &self.weight)
            .finish()
    }
}

impl Face {
    /// The `head` table's checksum adjustment: a checksum of the whole font file that every
    /// font tool writes. With the name and size it tells two font files apart without hashing
    /// twenty megabytes.
    pub fn checksum(&self) -> u32 {
        self.parsed
            .raw_face()
            .table(ttf_parser::Tag::from_bytes(b"head"))
            .and_then(|head| head.get(8..12))
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The glyph for a character in Chinese text. Quotation marks are full-width there
    /// (GB/T 15834): a font whose plain “ ” ‘ ’ are proportional Western quotes may offer the
    /// full-width ones as the standardized variation sequence with VS2 (U+FE01), as Zhuque
    /// Fangsong does, and then that glyph is the one.
    pub fn glyph(&self, ch: char) -> Option<u16> {
        quote_variant(&self.parsed, ch)
            .or_else(|| self.parsed.glyph_index(ch).map(|g| g.0).filter(|g| *g != 0))
    }

    /// Horizontal advance of a glyph, in em.
    pub fn advance(&self, glyph: u16) -> f32 {
        self.parsed
            .glyph_hor_advance(ttf_parser::GlyphId(glyph))
            .map_or(0.0, |a| a as f32 / self.units_per_em)
    }

    /// The glyph's outline box (x_min, y_min, x_max, y_max) in em, y up.
    pub fn bounds(&self, glyph: u16) -> Option<(f32, f32, f32, f32)> {
        let b = self.parsed.glyph_bounding_box(ttf_parser::GlyphId(glyph))?;
        let u = self.units_per_em;
        Some((
            b.x_min as f32 / u,
            b.y_min as f32 / u,
            b.x_max as f32 / u,
            b.y_max as f32 / u,
        ))
    }

    /// The glyph that stands for `glyph` in vertical text: the font's GSUB `vert` feature (or
    /// `vrt2`, in a font without `vert`) applied to it, single substitutions only. `None` when
    /// the font has no vertical form for the glyph, which is then drawn as it is (ideographs).
    ///
    /// For 、，。 this is the form that sits in the upper right of the box, for （）《》“” the
    /// turned brackets and corner brackets. Takes what [`Face::glyph`] gives, so the full-width
    /// quote variants too. The lookups are found on the first call, then each call is a few
    /// coverage searches.
    pub fn vertical_glyph(&self, glyph: u16) -> Option<u16> {
        let gsub = self.parsed.tables().gsub?;
        let lookups = self
            .vertical
            .get_or_init(|| vertical_lookups(&self.parsed, &gsub));
        vertical_form(&gsub, lookups, glyph)
    }

    /// Top of the ideographic em box above the baseline, in em.
    pub fn em_top(&self) -> f32 {
        self.em_top
    }

    pub fn em_bottom(&self) -> f32 {
        self.em_bottom
    }
}

/// Where fonts come from.
#[derive(Debug, Clone)]
pub struct FontOptions {
    /// Scan the machine's font directories.
    pub system: bool,
    /// More directories to scan (`--font-dir`), searched before the system's.
    pub dirs: Vec<PathBuf>,
    /// A directory to take the shipped fonts from instead of the copies built into the
    /// program (a library user trying other versions of them); `None`, the built-in ones.
    pub bundled: Option<PathBuf>,
}

impl Default for FontOptions {
    fn default() -> Self {
        FontOptions {
            system: true,
            dirs: Vec::new(),
            bundled: None,
        }
    }
}

/// One family of a chain, as resolved.
#[derive(Debug, Clone)]
pub struct ChainEntry {
    pub family: String,
    pub face: Option<FaceId>,
}

/// The fonts of a run: every role's chain resolved to faces.
#[derive(Debug)]
pub struct Fonts {
    faces: Vec<Face>,
    chains: HashMap<Chain, Vec<ChainEntry>>,
    bundled_dir: Option<PathBuf>,
    /// The faces built into the program, by their id in the font database.
    shipped: HashMap<fontdb::ID, shipped::Shipped>,
}

impl Fonts {
    /// Finds the fonts for a style. Fails only when some role has no font at all.
    pub fn load(style: &Style, options: &FontOptions) -> Result<Fonts, Diagnostic> {
        let mut db = fontdb::Database::new();
        let bundled_dir = options.bundled.clone();
        for dir in &options.dirs {
            db.load_fonts_dir(dir);
        }
        if options.system {
            db.load_system_fonts();
        }
        // Loaded last so that, for a family both have, the machine's own copy wins.
        let mut shipped = HashMap::new();
        match &bundled_dir {
            Some(dir) => db.load_fonts_dir(dir),
            None => {
                for font in &shipped::SHIPPED {
                    let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(font.data);
                    for id in db.load_font_source(fontdb::Source::Binary(data)) {
                        shipped.insert(id, *font);
                    }
                }
            }
        }
        let mut fonts = Fonts {
            faces: Vec::new(),
            chains: HashMap::new(),
            bundled_dir: bundled_dir.clone(),
            shipped,
        };
        let mut by_id: HashMap<fontdb::ID, FaceId> = HashMap::new();
        for chain in Chain::ALL {
            let mut entries = Vec::new();
            for family in chain.families(style) {
                let face = match find(&db, family) {
                    Some(id) => match by_id.get(&id) {
                        Some(f) => Some(*f),
                        None => {
                            let loaded = fonts.load_face(&db, id)?;
                            by_id.insert(id, loaded);
                            Some(loaded)
                        }
                    },
                    None => None,
                };
                entries.push(ChainEntry {
                    family: family.clone(),
                    face,
                });
            }
            let usable = entries.iter().any(|e| e.face.is_some());
            if !usable && chain != Chain::Latin {
                let shipped = match &bundled_dir {
                    Some(dir) => dir.display().to_string(),
                    None => fonts.shipped_families(&db).join("、"),
                };
                let hint = format!(
                    "样式文件的 [fonts] {} 一项应以随附字体结尾（{shipped}）",
                    chain.name()
                );
                return Err(Diagnostic::error(
                    Rule::Font,
                    format!(
                        "{}没有可用的字体：{}",
                        chain.zh(),
                        chain.families(style).join("、")
                    ),
                )
                .hint(hint));
            }
            fonts.chains.insert(chain, entries);
        }
        Ok(fonts)
    }

    fn load_face(&mut self, db: &fontdb::Database, id: fontdb::ID) -> Result<FaceId, Diagnostic> {
        let info = db.face(id).expect("queried ids exist");
        let (path, data, bundled) = match (&info.source, self.shipped.get(&id)) {
            (_, Some(font)) => (PathBuf::from(font.file), font.data, true),
            (fontdb::Source::File(path), None) => {
                let data = font_data(path).map_err(|e| {
                    Diagnostic::error(Rule::Font, format!("无法读取字体文件：{e}"))
                        .at(Location::file(&path.display().to_string()))
                })?;
                let bundled = self
                    .bundled_dir
                    .as_ref()
                    .is_some_and(|d| path.parent().is_some_and(|p| same_dir(p, d)));
                (path.clone(), data, bundled)
            }
            _ => unreachable!("fonts are loaded from files or built in"),
        };
        let fail = |message: String| {
            Diagnostic::error(Rule::Font, message).at(Location::file(&path.display().to_string()))
        };
        let parsed = ttf_parser::Face::parse(data, info.index)
            .map_err(|e| fail(format!("无法解析字体文件（{e}）")))?;
        let units_per_em = parsed.units_per_em() as f32;
        // The ideographic em box from the typographic metrics when they span one em, as CJK
        // fonts' do; otherwise the conventional 0.88 / −0.12.
        let (asc, desc) = (
            parsed.typographic_ascender().unwrap_or(0) as f32,
            parsed.typographic_descender().unwrap_or(0) as f32,
        );
        let (em_top, em_bottom) =
            if asc > 0.0 && ((asc - desc) - units_per_em).abs() < units_per_em * 0.02 {
                (asc / units_per_em, desc / units_per_em)
            } else {
                (0.88, -0.12)
            };
        let family = english_family(&info.families).unwrap_or_default();
        self.faces.push(Face {
            path,
            index: info.index,
            family,
            post_script_name: info.post_script_name.clone(),
            weight: info.weight.0,
            bundled,
            data,
            parsed,
            units_per_em,
            em_top,
            em_bottom,
            vertical: OnceLock::new(),
        });
        Ok(FaceId(self.faces.len() as u16 - 1))
    }

    /// The families of the built-in fonts, in the order of `fonts/README.md`.
    fn shipped_families(&self, db: &fontdb::Database) -> Vec<String> {
        let mut ids: Vec<(&str, fontdb::ID)> =
            self.shipped.iter().map(|(id, f)| (f.file, *id)).collect();
        let order = |file: &str| shipped::SHIPPED.iter().position(|s| s.file == file);
        ids.sort_by_key(|(file, _)| order(file));
        let mut families: Vec<String> = Vec::new();
        for (_, id) in ids {
            let family = db.face(id).and_then(|f| english_family(&f.families));
            if let Some(family) = family
                && !families.contains(&family)
            {
                families.push(family);
            }
        }
        families
    }

    pub fn face(&self, id: FaceId) -> &Face {
        &self.faces[id.0 as usize]
    }

    pub fn faces(&self) -> impl Iterator<Item = (FaceId, &Face)> {
        self.faces
            .iter()
            .enumerate()
            .map(|(i, f)| (FaceId(i as u16), f))
    }

    /// A chain as resolved, family by family (for `nianbao fonts`).
    pub fn chain(&self, chain: Chain) -> &[ChainEntry] {
        self.chains.get(&chain).map_or(&[], Vec::as_slice)
    }

    /// The faces of a chain, most wanted first.
    pub fn chain_faces(&self, chain: Chain) -> impl Iterator<Item = FaceId> + '_ {
        self.chain(chain).iter().filter_map(|e| e.face)
    }

    /// The first face of a role's chain: what sets the role's metrics.
    pub fn primary(&self, role: Role) -> FaceId {
        self.chain_faces(Chain::Role(role))
            .next()
            .expect("every role has a face (checked in load)")
    }

    /// The face and glyph for a character: along the role's chain (Latin first for ASCII
    /// letters and digits outside the title), then along every other chain.
    pub fn glyph(&self, role: Role, ch: char) -> Option<(FaceId, u16)> {
        let latin = role != Role::Title && ch.is_ascii_graphic();
        let preferred = latin
            .then_some(Chain::Latin)
            .into_iter()
            .chain([Chain::Role(role)]);
        let rest = Chain::ALL.into_iter();
        preferred
            .chain(rest)
            .flat_map(|c| self.chain_faces(c))
            .find_map(|f| self.face(f).glyph(ch).map(|g| (f, g)))
    }

    /// Whether some role fell back to a shipped open font because its official fonts are
    /// missing on this machine.
    pub fn uses_substitutes(&self) -> bool {
        [Role::Title, Role::Heading, Role::Subheading, Role::Body]
            .into_iter()
            .any(|r| self.face(self.primary(r)).bundled)
    }
}

/// The variation selector of the full-width quotation marks (see [`Face::glyph`]).
const QUOTE_SELECTOR: char = '\u{FE01}';

/// The full-width form of a quotation mark that the font offers as the variation sequence with
/// VS2 (see [`Face::glyph`]); `None` for every other character.
fn quote_variant(face: &ttf_parser::Face<'_>, ch: char) -> Option<u16> {
    if !matches!(ch, '‘' | '’' | '“' | '”') {
        return None;
    }
    face.glyph_variation_index(ch, QUOTE_SELECTOR)
        .map(|g| g.0)
        .filter(|g| *g != 0)
}

/// `glyph` through the vertical lookups in turn (see [`Face::vertical_glyph`]).
fn vertical_form(
    gsub: &ttf_parser::opentype_layout::LayoutTable,
    lookups: &[u16],
    glyph: u16,
) -> Option<u16> {
    let mut g = ttf_parser::GlyphId(glyph);
    for &index in lookups {
        let Some(lookup) = gsub.lookups.get(index) else {
            continue;
        };
        // The first subtable that covers the glyph substitutes it; lookups apply in turn.
        for subtable in lookup.subtables.into_iter::<SubstitutionSubtable>() {
            if let SubstitutionSubtable::Single(single) = subtable
                && let Some(to) = single_substitute(&single, g)
            {
                g = to;
                break;
            }
        }
    }
    (g.0 != glyph && g.0 != 0).then_some(g.0)
}

/// The lookups of the `vert` feature, or of `vrt2` in a font without `vert`, in the order
/// they apply (the lookup list's). The feature is the one the Chinese language system of the
/// `hani` script lists (else its default, else the `DFLT` script's), or, where no script
/// lists one, every feature of that tag.
///
/// None in a GSUB table that ttf-parser cannot read safely (see [`subset::gsub_is_safe`]).
fn vertical_lookups(
    face: &ttf_parser::Face<'_>,
    gsub: &ttf_parser::opentype_layout::LayoutTable,
) -> Vec<u16> {
    use ttf_parser::Tag;
    if !subset::gsub_is_safe(face) {
        return Vec::new();
    }
    let scripts = [Tag::from_bytes(b"hani"), Tag::from_bytes(b"DFLT")];
    let systems: Vec<ttf_parser::opentype_layout::LanguageSystem> = scripts
        .iter()
        .filter_map(|tag| gsub.scripts.find(*tag))
        .flat_map(|script| {
            [
                script.languages.find(Tag::from_bytes(b"ZHS ")),
                script.default_language,
            ]
        })
        .flatten()
        .collect();
    for feature in [Tag::from_bytes(b"vert"), Tag::from_bytes(b"vrt2")] {
        let listed = systems.iter().find_map(|system| {
            system
                .feature_indices
                .into_iter()
                .filter_map(|i| gsub.features.get(i))
                .find(|f| f.tag == feature)
        });
        let mut lookups: Vec<u16> = match listed {
            Some(f) => f.lookup_indices.into_iter().collect(),
            None => gsub
                .features
                .into_iter()
                .filter(|f| f.tag == feature)
                .flat_map(|f| f.lookup_indices)
                .collect(),
        };
        if !lookups.is_empty() {
            lookups.sort_unstable();
            lookups.dedup();
            return lookups;
        }
    }
    Vec::new()
}

fn single_substitute(
    single: &ttf_parser::gsub::SingleSubstitution,
    glyph: ttf_parser::GlyphId,
) -> Option<ttf_parser::GlyphId> {
    use ttf_parser::gsub::SingleSubstitution;
    let index = single.coverage().get(glyph)?;
    match single {
        // The delta is added modulo 65536.
        SingleSubstitution::Format1 { delta, .. } => {
            Some(ttf_parser::GlyphId(glyph.0.wrapping_add(*delta as u16)))
        }
        SingleSubstitution::Format2 { substitutes, .. } => substitutes.get(index),
    }
}

/// A face's family name in English (what the style chains use), else its first.
fn english_family(families: &[(String, fontdb::Language)]) -> Option<String> {
    families
        .iter()
        .find(|(_, lang)| *lang == fontdb::Language::English_UnitedStates)
        .or(families.first())
        .map(|(f, _)| f.clone())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// A family of a style chain in the database. `"Family Bold"` also finds the bold face of
/// `"Family"` (static fonts often name their family without the weight).
fn find(db: &fontdb::Database, family: &str) -> Option<fontdb::ID> {
    let query = |name: &str, weight: fontdb::Weight| {
        db.query(&fontdb::Query {
            families: &[fontdb::Family::Name(name)],
            weight,
            stretch: fontdb::Stretch::Normal,
            style: fontdb::Style::Normal,
        })
    };
    if let Some(id) = query(family, fontdb::Weight::NORMAL) {
        return Some(id);
    }
    let base = family.strip_suffix(" Bold")?;
    query(base, fontdb::Weight::BOLD).filter(|id| db.face(*id).is_some_and(|f| f.weight.0 >= 600))
}

/// Font files are read once per process and kept: every face parsed from them borrows the
/// data for as long as the process runs, and a batch renders thousands of reports from them.
/// (The shipped fonts are built in and need no reading.)
fn font_data(path: &Path) -> std::io::Result<&'static [u8]> {
    type Cache = Mutex<HashMap<PathBuf, &'static [u8]>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(data) = cache.get(path) {
        return Ok(data);
    }
    let data: &'static [u8] = crate::disk::read_bytes(path)?.leak();
    cache.insert(path.to_path_buf(), data);
    Ok(data)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn bundled_only() -> FontOptions {
        FontOptions {
            system: false,
            dirs: Vec::new(),
            bundled: None,
        }
    }

    #[test]
    fn every_role_resolves_to_the_shipped_font_without_system_fonts() {
        let fonts = Fonts::load(&Style::default(), &bundled_only()).unwrap();
        let file = |role: Role| {
            fonts
                .face(fonts.primary(role))
                .path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(file(Role::Title), "NotoSerifSC_700Bold.ttf");
        assert_eq!(file(Role::Heading), "NotoSansSC_400Regular.ttf");
        assert_eq!(file(Role::Subheading), "LXGWWenKai-Regular.ttf");
        assert_eq!(file(Role::Body), "ZhuqueFangsong-Regular.ttf");
        assert_eq!(file(Role::PageNumber), "NotoSerifSC_400Regular.ttf");
        assert!(fonts.uses_substitutes());
        // The official families are listed but not found.
        let body = fonts.chain(Chain::Role(Role::Body));
        assert_eq!(body[0].family, "仿宋_GB2312");
        assert!(body[0].face.is_none());
        // The open 仿宋, then the Song face for what it lacks.
        let found: Vec<(&str, &str)> = body
            .iter()
            .filter_map(|e| {
                e.face
                    .map(|f| (e.family.as_str(), fonts.face(f).family.as_str()))
            })
            .collect();
        assert_eq!(
            found,
            [
                ("Zhuque Fangsong", "Zhuque Fangsong"),
                ("Noto Serif SC", "Noto Serif SC")
            ]
        );
        // No Latin font ships: digits come from the role's own font.
        assert!(fonts.chain_faces(Chain::Latin).next().is_none());
        let (face, _) = fonts.glyph(Role::Body, '7').unwrap();
        assert_eq!(face, fonts.primary(Role::Body));
    }

    #[test]
    fn glyphs_fall_back_along_the_chains() {
        let fonts = Fonts::load(&Style::default(), &bundled_only()).unwrap();
        let (face, glyph) = fonts.glyph(Role::Subheading, '政').unwrap();
        assert_eq!(face, fonts.primary(Role::Subheading));
        assert!(glyph > 0);
        assert_eq!(
            fonts.glyph(Role::Body, '\u{10FFFD}'),
            None,
            "a private-use character nobody has"
        );
        // The em box comes from each face's typographic metrics: Noto's 0.88 / −0.12, Zhuque
        // Fangsong's 0.85 / −0.15 (its ideographs are drawn lower, around 0.35 em).
        let em = |role: Role| {
            let f = fonts.face(fonts.primary(role));
            assert!((f.advance(f.glyph('政').unwrap()) - 1.0).abs() < 1e-6);
            (f.em_top(), f.em_bottom())
        };
        let close =
            |(a, b): (f32, f32), (c, d): (f32, f32)| (a - c).abs() < 1e-6 && (b - d).abs() < 1e-6;
        assert!(close(em(Role::PageNumber), (0.88, -0.12)));
        assert!(close(em(Role::Body), (0.85, -0.15)));
    }

    /// Zhuque Fangsong is a preview release: it has every hanzi of GB 2312 but not all of its
    /// symbols. What it lacks comes from the next font of the body chain, glyph by glyph.
    #[test]
    fn what_zhuque_fangsong_lacks_comes_from_noto_serif_sc() {
        let fonts = Fonts::load(&Style::default(), &bundled_only()).unwrap();
        let zhuque = fonts.primary(Role::Body);
        assert_eq!(fonts.face(zhuque).family, "Zhuque Fangsong");
        let noto = fonts
            .faces()
            .find(|(_, f)| f.post_script_name == "NotoSerifSC-Regular")
            .unwrap()
            .0;
        // Circled and full-width digits, 々, ℃ and ※ are in GB 2312's symbol rows.
        for ch in ['①', '１', '々', '℃', '※'] {
            assert_eq!(fonts.face(zhuque).glyph(ch), None, "Zhuque now has {ch}");
            let (face, glyph) = fonts.glyph(Role::Body, ch).unwrap();
            assert_eq!(face, noto, "{ch} from {}", fonts.face(face).family);
            assert_eq!(fonts.face(noto).glyph(ch), Some(glyph));
        }
        // The characters around them stay in Zhuque.
        for ch in ['政', '府', '，', '（', '—', '7'] {
            assert_eq!(fonts.glyph(Role::Body, ch).unwrap().0, zhuque, "{ch}");
        }
    }

    /// The fonts of a style whose body chain is only `family`.
    fn with_body(family: &str) -> Fonts {
        let mut style = Style::default();
        style.fonts.body = vec![family.into()];
        Fonts::load(&style, &bundled_only()).unwrap()
    }

    #[test]
    fn quotation_marks_are_full_width() {
        // Zhuque Fangsong's plain quotes are proportional (⅓ em, ‘ ’ less); VS2 gives the
        // full-width ones.
        let fonts = with_body("Zhuque Fangsong");
        let f = fonts.face(fonts.primary(Role::Body));
        for ch in ['“', '”', '‘', '’'] {
            let plain = f.parsed.glyph_index(ch).unwrap().0;
            assert!(f.advance(plain) < 0.4, "{ch}: {}", f.advance(plain));
            let g = f.glyph(ch).unwrap();
            assert_ne!(g, plain, "{ch}");
            assert!((f.advance(g) - 1.0).abs() < 1e-6, "{ch}: {}", f.advance(g));
        }
        // Other characters and fonts without the sequences keep their plain glyphs.
        assert_eq!(f.glyph('，'), f.parsed.glyph_index('，').map(|g| g.0));
        let fonts = with_body("Noto Serif SC");
        let f = fonts.face(fonts.primary(Role::Body));
        assert_eq!(f.glyph('“'), f.parsed.glyph_index('“').map(|g| g.0));
        assert!((f.advance(f.glyph('“').unwrap()) - 1.0).abs() < 1e-6);
    }

    /// The vertical forms of the shipped faces that set body text and tables (and headings).
    #[test]
    fn punctuation_has_vertical_forms_in_every_shipped_text_face() {
        let fonts = Fonts::load(&Style::default(), &bundled_only()).unwrap();
        for name in [
            "ZhuqueFangsong-Regular",
            "NotoSerifSC-Regular",
            "NotoSansSC-Regular",
            "LXGWWenKai-Regular",
        ] {
            let (_, f) = fonts
                .faces()
                .find(|(_, f)| f.post_script_name == name)
                .unwrap_or_else(|| panic!("{name} is not loaded"));
            let vertical = |ch: char| {
                let g = f.glyph(ch).unwrap();
                f.vertical_glyph(g)
                    .unwrap_or_else(|| panic!("{name}: no vertical form of {ch}"))
            };
            // The same glyphs as the Unicode presentation forms, which these fonts also map.
            for (ch, form) in [
                ('、', '︑'),
                ('，', '︐'),
                ('。', '︒'),
                ('（', '︵'),
                ('）', '︶'),
            ] {
                assert_eq!(Some(vertical(ch)), f.glyph(form), "{name}: {ch}");
            }
            // 、，。 move to the upper right of the box.
            for ch in ['、', '，', '。'] {
                let (x0, y0, x1, y1) = f.bounds(vertical(ch)).unwrap();
                let middle = (f.em_top() + f.em_bottom()) / 2.0;
                assert!(
                    (x0 + x1) / 2.0 > 0.5 && (y0 + y1) / 2.0 > middle,
                    "{name}: {ch} at {:?}",
                    (x0, y0, x1, y1)
                );
            }
            // Double quotes turn into white corner brackets, as 『』 do.
            assert_eq!(vertical('“'), vertical('『'), "{name}");
            assert_eq!(vertical('”'), vertical('』'), "{name}");
            // Ideographs have none; asking twice gives the same.
            assert_eq!(f.vertical_glyph(f.glyph('政').unwrap()), None, "{name}");
            assert_eq!(
                Some(vertical('、')),
                f.vertical_glyph(f.glyph('、').unwrap())
            );
        }
        // Zhuque's full-width quotes (VS2, what Face::glyph gives) have them as its plain
        // proportional ones do.
        let zhuque = fonts.face(fonts.primary(Role::Body));
        for ch in ['“', '”', '‘', '’'] {
            let plain = zhuque.parsed.glyph_index(ch).unwrap().0;
            assert_ne!(zhuque.glyph(ch), Some(plain));
            assert_eq!(
                zhuque.vertical_glyph(zhuque.glyph(ch).unwrap()),
                zhuque.vertical_glyph(plain),
                "{ch}"
            );
        }
    }

    /// A font added to `fonts/` must be built in too, and a built-in one must be there.
    #[test]
    fn the_built_in_fonts_are_the_files_of_fonts_dir() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".ttf") || name.ends_with(".otf"))
            .collect();
        files.sort();
        let mut built_in: Vec<&str> = shipped::SHIPPED.iter().map(|s| s.file).collect();
        built_in.sort();
        assert_eq!(files, built_in);
        // Both ways give the same faces, from the same bytes.
        let from_dir = Fonts::load(
            &Style::default(),
            &FontOptions {
                bundled: Some(dir),
                ..bundled_only()
            },
        )
        .unwrap();
        let inside = Fonts::load(&Style::default(), &bundled_only()).unwrap();
        let faces = |fonts: &Fonts| -> Vec<(String, String, bool, &'static [u8])> {
            fonts
                .faces()
                .map(|(_, f)| {
                    let file = f.path.file_name().unwrap().to_string_lossy().into_owned();
                    (f.family.clone(), file, f.bundled, f.data)
                })
                .collect()
        };
        assert_eq!(faces(&from_dir), faces(&inside));
        assert_eq!(inside.faces().count(), 5);
        assert!(
            inside
                .faces()
                .all(|(_, f)| f.path.parent() == Some(Path::new("")))
        );
    }

    #[test]
    fn a_style_without_any_usable_font_is_refused() {
        let mut style = Style::default();
        style.fonts.heading = vec!["不存在的字体".into()];
        let e = Fonts::load(&style, &bundled_only()).unwrap_err();
        assert_eq!(e.message, "一级标题（黑体）没有可用的字体：不存在的字体");
        assert_eq!(
            e.hint.as_deref(),
            Some(
                "样式文件的 [fonts] heading 一项应以随附字体结尾（Noto Serif SC、Zhuque Fangsong、Noto Sans SC、LXGW WenKai）"
            )
        );
    }
}
