//! Font subsets for embedding in .docx files (ECMA-376 Part 1 §17.8.1): a copy of a TrueType
//! face that keeps the outlines of some characters only.
//!
//! Glyph ids stay what they were ("retain gids"), so the layout tables (GSUB, GPOS, GDEF) are
//! copied unchanged and keep working; the glyphs nobody asked for are emptied. What is kept:
//!
//! - `.notdef`, and the glyph of every asked character the face's cmap maps, with the full-width
//!   quotation-mark variants (VS2) that [`Face::glyph`] prefers;
//! - their vertical forms, as [`Face::vertical_glyph`] finds them;
//! - what the default-on GSUB features (`ccmp`, `locl`, `rlig`, `liga`, `clig`, `calt`, `rclt`,
//!   and `vert`) can substitute for kept glyphs, whatever the context, so that a program that
//!   shapes the text (LibreOffice always applies `liga` and `calt`) finds no empty glyph;
//! - the components of every kept composite glyph, recursively.
//!
//! Tables written anew: `cmap` (only the kept characters), `post` (format 3, no glyph names),
//! `glyf` and `loca` (short offsets when they fit), `hmtx` and `vmtx` (the metrics of emptied
//! glyphs are zero, and the long metrics end at the last kept glyph), `hhea` and `vhea` (their
//! count of long metrics), `head` (loca format, checksum adjustment), and `name` when the subset
//! is renamed ([`Face::subset_named`]). Copied unchanged: `OS/2`, `maxp`, `name`, `cvt `, `fpgm`, `prep`, `gasp`, `GDEF`, `GSUB`, `GPOS`, `BASE`, `STAT`,
//! `kern`. Every other table is dropped: `DSIG` (the signature no longer holds), `hdmx`,
//! `LTSH`, `VDMX` and `PCLT` (device metrics and hints about the whole glyph set), the bitmap
//! and colour glyph tables (`EBDT`, `EBLC`, `EBSC`, `CBDT`, `CBLC`, `sbix`, `SVG `, `COLR`,
//! `CPAL`), `MATH`, `JSTF`, `meta`, the AAT tables and anything unknown.
//!
//! Refused: CFF and CFF2 outlines, variable fonts, and fonts whose `fsType` forbids embedding
//! or subsetting (see [`Face::embeddable`]). A face of a TrueType collection (.ttc) comes out
//! as a standalone font.
//!
//! Everything read is checked against the data first: a malformed font gives
//! [`SubsetError::Malformed`], and the work is bounded by the size of the font.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use ttf_parser::Tag;
use ttf_parser::gsub::SubstitutionSubtable;
use ttf_parser::opentype_layout::{
    ChainedContextLookup, ContextLookup, LayoutTable, SequenceLookupRecord,
};

use super::{
    Face, QUOTE_SELECTOR, quote_variant, single_substitute, vertical_form, vertical_lookups,
};

/// Why a face has no subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubsetError {
    /// `fsType` asks for restricted-licence embedding (see [`Face::embeddable`]).
    Restricted,
    /// `fsType` allows embedding bitmaps only.
    BitmapOnly,
    /// `fsType` forbids subsetting; the whole font may still be embedded.
    NoSubsetting,
    /// The outlines are not TrueType ones: `CFF`, `CFF2`, or `no glyf` (none at all).
    NotTrueType(&'static str),
    /// A variable font (with an `fvar` table).
    Variable,
    /// A table, named by its tag, is missing or malformed.
    Malformed(&'static str),
    /// The characters of the Basic Multilingual Plane do not fit in a cmap format 4 subtable.
    TooManyChars,
}

impl std::fmt::Display for SubsetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SubsetError::Restricted => write!(f, "字体不允许嵌入 (fsType restricted)"),
            SubsetError::BitmapOnly => write!(f, "字体只允许嵌入点阵 (fsType bitmap only)"),
            SubsetError::NoSubsetting => write!(f, "字体不允许取子集 (fsType no subsetting)"),
            SubsetError::NotTrueType(what) => write!(f, "不是 TrueType 轮廓字体 ({what})"),
            SubsetError::Variable => write!(f, "可变字体 (variable font)"),
            SubsetError::Malformed(tag) => write!(f, "字体的 {tag} 表有误 (malformed {tag})"),
            SubsetError::TooManyChars => {
                write!(
                    f,
                    "字符太多，cmap 放不下 (too many characters for cmap format 4)"
                )
            }
        }
    }
}

impl std::error::Error for SubsetError {}

impl Face {
    /// Whether the face's licence lets it be embedded in a document, by the `fsType` field of
    /// its OS/2 table. Not embeddable when
    ///
    /// - the restricted-licence bit (0x0002) is set and neither the preview & print bit
    ///   (0x0004) nor the editable bit (0x0008) is (with several bits set, as OS/2 versions
    ///   before 3 allow, the most permissive one applies), or
    /// - the bitmap-only bit (0x0200) is set (OS/2 version 2 and later): the outlines may not
    ///   be embedded, and outlines are what a subset is made of, or
    /// - the OS/2 table is too short to hold `fsType`.
    ///
    /// A face without an OS/2 table states no restriction and is embeddable. The no-subsetting
    /// bit (0x0100) does not matter here: such a face is embeddable whole, and
    /// [`Face::subset`] refuses it. A preview & print face is embeddable, but a document that
    /// embeds it is to be opened read-only.
    pub fn embeddable(&self) -> bool {
        embedding_allowed(&self.parsed).is_ok()
    }

    /// A copy of the face's font file that keeps the outlines of `chars` only, for embedding in a
    /// document (Word and LibreOffice read it as an ordinary TrueType font).
    ///
    /// Glyph ids are those of the face, and the copy keeps what the text needs to be shaped
    /// like the original: the variants [`Face::glyph`] prefers, the vertical forms, the
    /// default GSUB substitutions and composite glyphs' components (see the module
    /// documentation of `fonts::subset` for the tables kept and dropped). Characters the face
    /// lacks are left out. The same face and characters always give the same bytes.
    pub fn subset(&self, chars: &BTreeSet<char>) -> Result<Vec<u8>, SubsetError> {
        subset_face(&self.parsed, chars)
    }

    /// [`Face::subset`], renamed: the family is `family` and the full and PostScript names
    /// follow it, so that two documents embedding different subsets of one face do not take
    /// each other's (LibreOffice keeps the first font it loaded under a name for the session).
    /// The copyright, trademark and licence records are kept as they are.
    pub fn subset_named(
        &self,
        chars: &BTreeSet<char>,
        family: &str,
    ) -> Result<Vec<u8>, SubsetError> {
        let plan = plan(&self.parsed, chars)?;
        let name = renamed(&self.parsed, family)?;
        build(&self.parsed, &plan, Some(name))
    }
}

/// The `fsType` check of [`Face::embeddable`], and for [`Face::subset`] the no-subsetting bit
/// after it.
fn embedding_allowed(face: &ttf_parser::Face<'_>) -> Result<(), SubsetError> {
    let Some(os2) = face.raw_face().table(Tag::from_bytes(b"OS/2")) else {
        return Ok(());
    };
    let (Some(version), Some(fs_type)) = (u16_at(os2, 0), u16_at(os2, 8)) else {
        return Err(SubsetError::Malformed("OS/2"));
    };
    if fs_type & 0x0002 != 0 && fs_type & 0x000C == 0 {
        return Err(SubsetError::Restricted);
    }
    if version >= 2 && fs_type & 0x0200 != 0 {
        return Err(SubsetError::BitmapOnly);
    }
    Ok(())
}

fn subsetting_allowed(face: &ttf_parser::Face<'_>) -> Result<(), SubsetError> {
    embedding_allowed(face)?;
    let os2 = face.raw_face().table(Tag::from_bytes(b"OS/2"));
    let version = os2.and_then(|t| u16_at(t, 0)).unwrap_or(0);
    let fs_type = os2.and_then(|t| u16_at(t, 8)).unwrap_or(0);
    if version >= 2 && fs_type & 0x0100 != 0 {
        return Err(SubsetError::NoSubsetting);
    }
    Ok(())
}

/// The subset of a parsed face (see [`Face::subset`]).
pub(super) fn subset_face(
    face: &ttf_parser::Face<'_>,
    chars: &BTreeSet<char>,
) -> Result<Vec<u8>, SubsetError> {
    let plan = plan(face, chars)?;
    build(face, &plan, None)
}

/// What a subset keeps.
struct Plan<'a> {
    glyphs: Glyphs<'a>,
    keep: Keep,
    /// The cmap of the subset.
    cmap: BTreeMap<char, u16>,
    /// The variation sequences with VS2 that the subset maps.
    variants: Vec<(char, u16)>,
}

fn plan<'a>(face: &ttf_parser::Face<'a>, chars: &BTreeSet<char>) -> Result<Plan<'a>, SubsetError> {
    subsetting_allowed(face)?;
    let raw = face.raw_face();
    let has = |tag: &[u8; 4]| raw.table(Tag::from_bytes(tag)).is_some();
    let Some(glyf) = raw.table(Tag::from_bytes(b"glyf")) else {
        return Err(SubsetError::NotTrueType(if has(b"CFF ") {
            "CFF"
        } else if has(b"CFF2") {
            "CFF2"
        } else {
            "no glyf"
        }));
    };
    if has(b"fvar") {
        return Err(SubsetError::Variable);
    }
    let head = raw
        .table(Tag::from_bytes(b"head"))
        .filter(|h| h.len() >= 54)
        .ok_or(SubsetError::Malformed("head"))?;
    let long_loca = match u16_at(head, 50) {
        Some(0) => false,
        Some(1) => true,
        _ => return Err(SubsetError::Malformed("head")),
    };
    let glyphs = Glyphs {
        glyf,
        loca: raw
            .table(Tag::from_bytes(b"loca"))
            .ok_or(SubsetError::Malformed("loca"))?,
        long_loca,
        count: face.number_of_glyphs(),
    };
    if glyphs.count == 0 {
        return Err(SubsetError::Malformed("maxp"));
    }

    let mut keep = Keep::new(glyphs.count);
    keep.insert(0);
    let mut cmap = BTreeMap::new();
    let mut variants = Vec::new();
    for &ch in chars {
        if let Some(g) = face.glyph_index(ch).map(|g| g.0).filter(|g| *g != 0)
            && keep.insert(g)
        {
            cmap.insert(ch, g);
        }
        if let Some(g) = quote_variant(face, ch)
            && keep.insert(g)
        {
            variants.push((ch, g));
        }
    }
    let mut budget = Budget(WORK_BUDGET);
    if let Some(gsub) = face.tables().gsub
        && gsub_is_safe(face)
    {
        // The vertical forms exactly as Face::vertical_glyph finds them, then the closure.
        let lookups = vertical_lookups(face, &gsub);
        for i in 0..keep.list.len() {
            budget.spend(1 + lookups.len())?;
            if let Some(v) = vertical_form(&gsub, &lookups, keep.list[i]) {
                keep.insert(v);
            }
        }
        gsub_closure(&gsub, &mut keep, &mut budget)?;
    }
    // Components last: every glyph added above may be a composite.
    let mut i = 0;
    while let Some(&g) = keep.list.get(i) {
        i += 1;
        for component in components(glyphs.data(g)?)? {
            if component >= glyphs.count {
                return Err(SubsetError::Malformed("glyf"));
            }
            keep.insert(component);
        }
    }
    Ok(Plan {
        glyphs,
        keep,
        cmap,
        variants,
    })
}

/// Work units (coverage searches, records read) the GSUB closure may take: real fonts need
/// well under a million; only a font whose offsets share data over and over needs more.
const WORK_BUDGET: usize = 50_000_000;

struct Budget(usize);

impl Budget {
    fn spend(&mut self, units: usize) -> Result<(), SubsetError> {
        self.0 = self
            .0
            .checked_sub(units)
            .ok_or(SubsetError::Malformed("GSUB"))?;
        Ok(())
    }
}

/// The kept glyphs: a set, and the order they were found in.
struct Keep {
    set: Vec<bool>,
    list: Vec<u16>,
}

impl Keep {
    fn new(count: u16) -> Keep {
        Keep {
            set: vec![false; count as usize],
            list: Vec::new(),
        }
    }

    /// Keeps a glyph; false when the font has no such glyph.
    fn insert(&mut self, glyph: u16) -> bool {
        match self.set.get_mut(glyph as usize) {
            Some(kept) => {
                if !*kept {
                    *kept = true;
                    self.list.push(glyph);
                }
                true
            }
            None => false,
        }
    }

    fn contains(&self, glyph: u16) -> bool {
        self.set.get(glyph as usize).copied().unwrap_or(false)
    }

    fn last(&self) -> u16 {
        self.list.iter().copied().max().unwrap_or(0)
    }
}

/// The outlines: `glyf` and its offsets in `loca`.
struct Glyphs<'a> {
    glyf: &'a [u8],
    loca: &'a [u8],
    long_loca: bool,
    count: u16,
}

impl<'a> Glyphs<'a> {
    fn range(&self, glyph: u16) -> Result<Range<usize>, SubsetError> {
        let g = glyph as usize;
        let (start, end) = if self.long_loca {
            (u32_at(self.loca, 4 * g), u32_at(self.loca, 4 * g + 4))
        } else {
            let short = |at| u16_at(self.loca, at).map(|o| u32::from(o) * 2);
            (short(2 * g), short(2 * g + 2))
        };
        let (Some(start), Some(end)) = (start, end) else {
            return Err(SubsetError::Malformed("loca"));
        };
        let (start, end) = (start as usize, end as usize);
        if start > end || end > self.glyf.len() {
            return Err(SubsetError::Malformed("loca"));
        }
        Ok(start..end)
    }

    fn data(&self, glyph: u16) -> Result<&'a [u8], SubsetError> {
        let data = &self.glyf[self.range(glyph)?];
        // A glyph is empty or has its 10-byte header.
        if !data.is_empty() && data.len() < 10 {
            return Err(SubsetError::Malformed("glyf"));
        }
        Ok(data)
    }
}

/// The glyphs a composite glyph is made of; none for a simple or empty glyph.
fn components(data: &[u8]) -> Result<Vec<u16>, SubsetError> {
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAVE_SCALE: u16 = 0x0008;
    const MORE_COMPONENTS: u16 = 0x0020;
    const HAVE_X_AND_Y_SCALE: u16 = 0x0040;
    const HAVE_TWO_BY_TWO: u16 = 0x0080;
    let mut found = Vec::new();
    if data.is_empty() || i16_at(data, 0).is_some_and(|contours| contours >= 0) {
        return Ok(found);
    }
    let malformed = SubsetError::Malformed("glyf");
    let mut at = 10;
    loop {
        let flags = u16_at(data, at).ok_or(malformed)?;
        found.push(u16_at(data, at + 2).ok_or(malformed)?);
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAVE_SCALE != 0 {
            2
        } else if flags & HAVE_X_AND_Y_SCALE != 0 {
            4
        } else if flags & HAVE_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        if at > data.len() {
            return Err(malformed);
        }
        if flags & MORE_COMPONENTS == 0 {
            return Ok(found);
        }
    }
}

/// Whether ttf-parser can walk the GSUB lookups without running out of stack: it follows an
/// extension subtable (type 7) that points at another extension subtable, which the
/// specification forbids, by recursion, for ever when the offset is 0. Such a table is not used.
pub(super) fn gsub_is_safe(face: &ttf_parser::Face<'_>) -> bool {
    let Some(gsub) = face.raw_face().table(Tag::from_bytes(b"GSUB")) else {
        return true;
    };
    let Some(list) = u16_at(gsub, 8).and_then(|at| gsub.get(at as usize..)) else {
        return true;
    };
    let count = u16_at(list, 0).unwrap_or(0) as usize;
    for i in 0..count {
        let Some(lookup) = u16_at(list, 2 + 2 * i).and_then(|at| list.get(at as usize..)) else {
            continue;
        };
        if u16_at(lookup, 0) != Some(7) {
            continue;
        }
        let subtables = u16_at(lookup, 4).unwrap_or(0) as usize;
        for k in 0..subtables {
            let Some(sub) = u16_at(lookup, 6 + 2 * k).and_then(|at| lookup.get(at as usize..))
            else {
                continue;
            };
            if u16_at(sub, 0) == Some(1) && u16_at(sub, 2) == Some(7) {
                return false;
            }
        }
    }
    true
}

/// The features whose substitutions the subset keeps: those a shaper applies by default
/// (HarfBuzz, and so LibreOffice; Word applies fewer), and `vert` for vertical text.
const CLOSURE_FEATURES: [&[u8; 4]; 8] = [
    b"ccmp", b"locl", b"rlig", b"liga", b"clig", b"calt", b"rclt", b"vert",
];

/// Keeps what the lookups of [`CLOSURE_FEATURES`] (in every script and language, and the
/// lookups their contextual lookups call) can substitute for kept glyphs, until nothing more
/// comes. Contexts are not checked: the closure may keep more than a shaper would reach.
fn gsub_closure(
    gsub: &LayoutTable<'_>,
    keep: &mut Keep,
    budget: &mut Budget,
) -> Result<(), SubsetError> {
    let mut lookups = Lookups {
        seen: vec![false; gsub.lookups.len() as usize],
        stack: Vec::new(),
    };
    for feature in gsub.features {
        budget.spend(1 + feature.lookup_indices.len() as usize)?;
        if CLOSURE_FEATURES
            .iter()
            .any(|t| feature.tag == Tag::from_bytes(t))
        {
            feature
                .lookup_indices
                .into_iter()
                .for_each(|i| lookups.push(i));
        }
    }
    let mut order = Vec::new();
    while let Some(index) = lookups.stack.pop() {
        order.push(index);
        let Some(lookup) = gsub.lookups.get(index) else {
            continue;
        };
        for subtable in lookup.subtables.into_iter::<SubstitutionSubtable>() {
            budget.spend(1)?;
            nested_lookups(&subtable, &mut lookups, budget)?;
        }
    }
    order.sort_unstable();
    // Each subtable reads each kept glyph once (glyphs are only ever added to the list), but
    // a ligature subtable reads them all again on every round: its components may have come.
    let mut read: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
    loop {
        let before = keep.list.len();
        for (&index, read) in order.iter().zip(&mut read) {
            let Some(lookup) = gsub.lookups.get(index) else {
                continue;
            };
            for (k, subtable) in lookup
                .subtables
                .into_iter::<SubstitutionSubtable>()
                .enumerate()
            {
                if read.len() <= k {
                    read.push(0);
                }
                if matches!(subtable, SubstitutionSubtable::Ligature(_)) {
                    read[k] = 0;
                }
                read[k] = substitute(&subtable, keep, read[k], budget)?;
            }
        }
        if keep.list.len() == before {
            return Ok(());
        }
    }
}

/// The lookups of the closure: each once.
struct Lookups {
    seen: Vec<bool>,
    stack: Vec<u16>,
}

impl Lookups {
    fn push(&mut self, index: u16) {
        if let Some(seen) = self.seen.get_mut(index as usize)
            && !*seen
        {
            *seen = true;
            self.stack.push(index);
        }
    }
}

/// The lookups a contextual subtable calls.
fn nested_lookups(
    subtable: &SubstitutionSubtable<'_>,
    lookups: &mut Lookups,
    budget: &mut Budget,
) -> Result<(), SubsetError> {
    let push = |records: ttf_parser::LazyArray16<'_, SequenceLookupRecord>,
                lookups: &mut Lookups,
                budget: &mut Budget| {
        budget.spend(1 + records.len() as usize)?;
        records
            .into_iter()
            .for_each(|r| lookups.push(r.lookup_list_index));
        Ok::<(), SubsetError>(())
    };
    // Rule sets are read by index: a class with no rules has a null offset, which ends
    // ttf-parser's iterators.
    match subtable {
        SubstitutionSubtable::Context(ContextLookup::Format1 { sets, .. })
        | SubstitutionSubtable::Context(ContextLookup::Format2 { sets, .. }) => {
            for set in (0..sets.len()).filter_map(|i| sets.get(i)) {
                budget.spend(1 + set.len() as usize)?;
                for rule in (0..set.len()).filter_map(|i| set.get(i)) {
                    push(rule.lookups, lookups, budget)?;
                }
            }
        }
        SubstitutionSubtable::Context(ContextLookup::Format3 {
            lookups: records, ..
        }) => push(*records, lookups, budget)?,
        SubstitutionSubtable::ChainContext(ChainedContextLookup::Format1 { sets, .. })
        | SubstitutionSubtable::ChainContext(ChainedContextLookup::Format2 { sets, .. }) => {
            for set in (0..sets.len()).filter_map(|i| sets.get(i)) {
                budget.spend(1 + set.len() as usize)?;
                for rule in (0..set.len()).filter_map(|i| set.get(i)) {
                    push(rule.lookups, lookups, budget)?;
                }
            }
        }
        SubstitutionSubtable::ChainContext(ChainedContextLookup::Format3 {
            lookups: records,
            ..
        }) => push(*records, lookups, budget)?,
        _ => {}
    }
    Ok(())
}

/// Keeps what one subtable substitutes for the kept glyphs from the `from`th on; returns where
/// it stopped (the end of the list: glyphs kept meanwhile are read too).
fn substitute(
    subtable: &SubstitutionSubtable<'_>,
    keep: &mut Keep,
    from: usize,
    budget: &mut Budget,
) -> Result<usize, SubsetError> {
    use ttf_parser::GlyphId;
    if matches!(
        subtable,
        SubstitutionSubtable::Context(_) | SubstitutionSubtable::ChainContext(_)
    ) {
        return Ok(keep.list.len());
    }
    let coverage = subtable.coverage();
    let mut i = from;
    while let Some(&g) = keep.list.get(i) {
        i += 1;
        budget.spend(1)?;
        let glyph = GlyphId(g);
        let Some(index) = coverage.get(glyph) else {
            continue;
        };
        match subtable {
            SubstitutionSubtable::Single(single) => {
                if let Some(to) = single_substitute(single, glyph) {
                    keep.insert(to.0);
                }
            }
            SubstitutionSubtable::Multiple(multiple) => {
                if let Some(sequence) = multiple.sequences.get(index) {
                    budget.spend(sequence.substitutes.len() as usize)?;
                    for to in sequence.substitutes {
                        keep.insert(to.0);
                    }
                }
            }
            SubstitutionSubtable::Alternate(alternate) => {
                if let Some(set) = alternate.alternate_sets.get(index) {
                    budget.spend(set.alternates.len() as usize)?;
                    for to in set.alternates {
                        keep.insert(to.0);
                    }
                }
            }
            SubstitutionSubtable::Ligature(ligature) => {
                if let Some(set) = ligature.ligature_sets.get(index) {
                    for lig in set {
                        budget.spend(1 + lig.components.len() as usize)?;
                        if lig.components.into_iter().all(|c| keep.contains(c.0)) {
                            keep.insert(lig.glyph.0);
                        }
                    }
                }
            }
            SubstitutionSubtable::ReverseChainSingle(reverse) => {
                if let Some(to) = reverse.substitutes.get(index) {
                    keep.insert(to.0);
                }
            }
            SubstitutionSubtable::Context(_) | SubstitutionSubtable::ChainContext(_) => {}
        }
    }
    Ok(i)
}

/// Tables copied as they are: with the glyph ids unchanged they still hold.
const COPIED: [&[u8; 4]; 13] = [
    b"BASE", b"GDEF", b"GPOS", b"GSUB", b"OS/2", b"STAT", b"cvt ", b"fpgm", b"gasp", b"kern",
    b"maxp", b"name", b"prep",
];

fn build(
    face: &ttf_parser::Face<'_>,
    plan: &Plan<'_>,
    name: Option<Vec<u8>>,
) -> Result<Vec<u8>, SubsetError> {
    let raw = face.raw_face();
    let table = |tag: &[u8; 4]| raw.table(Tag::from_bytes(tag));
    let mut tables: Vec<([u8; 4], Cow<'_, [u8]>)> = Vec::new();
    // A new name table goes first: `write_font` keeps the first of two tables with one tag.
    if let Some(name) = name {
        tables.push((*b"name", Cow::Owned(name)));
    }
    tables.extend(
        COPIED
            .iter()
            .filter_map(|tag| table(tag).map(|t| (**tag, Cow::Borrowed(t)))),
    );

    // glyf and loca: the kept glyphs as they are, 4-byte aligned; the others empty.
    let count = plan.glyphs.count as usize;
    let kept_bytes: usize = plan
        .keep
        .list
        .iter()
        .map(|&g| plan.glyphs.range(g).map(|r| r.len() + 3))
        .sum::<Result<usize, _>>()?;
    // The glyphs of a well-formed font do not overlap, so they fit in its glyf table.
    if kept_bytes > plan.glyphs.glyf.len() + 3 * plan.keep.list.len() {
        return Err(SubsetError::Malformed("loca"));
    }
    let mut glyf = Vec::with_capacity(kept_bytes);
    let mut offsets = Vec::with_capacity(count + 1);
    for g in 0..plan.glyphs.count {
        offsets.push(glyf.len());
        if plan.keep.contains(g) {
            glyf.extend_from_slice(plan.glyphs.data(g)?);
            glyf.resize(glyf.len().next_multiple_of(4), 0);
        }
    }
    offsets.push(glyf.len());
    let short = glyf.len() <= 0x1FFFE;
    let loca: Vec<u8> = if short {
        offsets
            .iter()
            .flat_map(|o| ((o / 2) as u16).to_be_bytes())
            .collect()
    } else {
        offsets
            .iter()
            .flat_map(|o| (*o as u32).to_be_bytes())
            .collect()
    };
    tables.push((*b"glyf", Cow::Owned(glyf)));
    tables.push((*b"loca", Cow::Owned(loca)));

    let mut head = table(b"head")
        .ok_or(SubsetError::Malformed("head"))?
        .to_vec();
    head[8..12].fill(0);
    head[50..52].copy_from_slice(&u16::from(!short).to_be_bytes());
    tables.push((*b"head", Cow::Owned(head)));

    // Horizontal metrics, and vertical ones when both tables are there.
    let (hhea, hmtx) = metrics(plan, table(b"hhea"), table(b"hmtx"), "hhea", "hmtx")?;
    tables.push((*b"hhea", Cow::Owned(hhea)));
    tables.push((*b"hmtx", Cow::Owned(hmtx)));
    if let (Some(vhea), Some(vmtx)) = (table(b"vhea"), table(b"vmtx")) {
        let (vhea, vmtx) = metrics(plan, Some(vhea), Some(vmtx), "vhea", "vmtx")?;
        tables.push((*b"vhea", Cow::Owned(vhea)));
        tables.push((*b"vmtx", Cow::Owned(vmtx)));
    }

    tables.push((*b"cmap", Cow::Owned(cmap(&plan.cmap, &plan.variants)?)));

    // post format 3: the original's angle, underline and pitch; no glyph names.
    let mut post = vec![0; 32];
    post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
    if let Some(fields) = table(b"post").and_then(|p| p.get(4..16)) {
        post[4..16].copy_from_slice(fields);
    }
    tables.push((*b"post", Cow::Owned(post)));

    Ok(write_font(tables))
}

/// Name ids kept from the face as they are: copyright, subfamily, trademark, manufacturer,
/// designer, vendor and designer URLs, licence and licence URL.
const KEPT_NAMES: [u16; 9] = [0, 2, 7, 8, 9, 11, 12, 13, 14];

/// A name table (format 0) with the face's legal and subfamily records and, for Windows in
/// US English, the family `family`, and the unique, full and PostScript names made from it.
fn renamed(face: &ttf_parser::Face<'_>, family: &str) -> Result<Vec<u8>, SubsetError> {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_be_bytes).collect() };
    let subfamily = face
        .names()
        .into_iter()
        .find(|n| n.name_id == 2 && n.is_unicode())
        .and_then(|n| n.to_string())
        .unwrap_or_else(|| "Regular".to_string());
    let full = if subfamily == "Regular" {
        family.to_string()
    } else {
        format!("{family} {subfamily}")
    };
    let postscript: String = format!("{family}-{subfamily}")
        .chars()
        .filter(|c| c.is_ascii_graphic() && !"[](){}<>/%".contains(*c))
        .take(63)
        .collect();
    // (platform, encoding, language, name id, bytes), sorted as the table wants them.
    let mut records: Vec<(u16, u16, u16, u16, Vec<u8>)> = face
        .names()
        .into_iter()
        .filter(|n| KEPT_NAMES.contains(&n.name_id))
        .map(|n| {
            let id = n.platform_id as u16;
            (id, n.encoding_id, n.language_id, n.name_id, n.name.to_vec())
        })
        .collect();
    for (id, text) in [(1, family), (3, &full), (4, &full), (6, &postscript)] {
        records.push((3, 1, 0x0409, id, utf16(text)));
    }
    records.sort_by_key(|r| (r.0, r.1, r.2, r.3));
    records.dedup_by(|a, b| (a.0, a.1, a.2, a.3) == (b.0, b.1, b.2, b.3));
    let header = 6 + 12 * records.len();
    let size = header + records.iter().map(|r| r.4.len()).sum::<usize>();
    if size > usize::from(u16::MAX) {
        return Err(SubsetError::Malformed("name"));
    }
    let mut out = Vec::with_capacity(size);
    put16(&mut out, 0);
    put16(&mut out, records.len() as u16);
    put16(&mut out, header as u16);
    let mut at = 0usize;
    for (platform, encoding, language, id, bytes) in &records {
        for v in [
            *platform,
            *encoding,
            *language,
            *id,
            bytes.len() as u16,
            at as u16,
        ] {
            put16(&mut out, v);
        }
        at += bytes.len();
    }
    for r in &records {
        out.extend_from_slice(&r.4);
    }
    Ok(out)
}

/// `hhea` and `hmtx` (or `vhea` and `vmtx`, laid out alike) for the kept glyphs: their metrics
/// as they were, zero for the others, and long metrics up to the last kept glyph only.
fn metrics(
    plan: &Plan<'_>,
    header: Option<&[u8]>,
    table: Option<&[u8]>,
    header_tag: &'static str,
    table_tag: &'static str,
) -> Result<(Vec<u8>, Vec<u8>), SubsetError> {
    let header = header
        .filter(|h| h.len() >= 36)
        .ok_or(SubsetError::Malformed(header_tag))?;
    let table = table.ok_or(SubsetError::Malformed(table_tag))?;
    let long = u16_at(header, 34).unwrap_or(0).min(plan.glyphs.count) as usize;
    if long == 0 || table.len() < 4 * long {
        return Err(SubsetError::Malformed(table_tag));
    }
    let read = |g: usize| -> (u16, u16) {
        if g < long {
            (
                u16_at(table, 4 * g).unwrap_or(0),
                u16_at(table, 4 * g + 2).unwrap_or(0),
            )
        } else {
            // Fonts that leave out the trailing side bearings are read as ttf-parser does.
            (
                u16_at(table, 4 * (long - 1)).unwrap_or(0),
                u16_at(table, 4 * long + 2 * (g - long)).unwrap_or(0),
            )
        }
    };
    let count = plan.glyphs.count as usize;
    let new_long = plan.keep.last() as usize + 1;
    let mut out = Vec::with_capacity(4 * new_long + 2 * (count - new_long));
    for g in 0..new_long {
        let (advance, bearing) = if plan.keep.contains(g as u16) {
            read(g)
        } else {
            (0, 0)
        };
        out.extend_from_slice(&advance.to_be_bytes());
        out.extend_from_slice(&bearing.to_be_bytes());
    }
    out.resize(4 * new_long + 2 * (count - new_long), 0);
    let mut header = header.to_vec();
    header[34..36].copy_from_slice(&(new_long as u16).to_be_bytes());
    Ok((header, out))
}

/// A cmap for `map`: format 4 for the BMP (platforms 0/3 and 3/1), format 12 for everything
/// when there are characters beyond it (0/4 and 3/10), and format 14 for the VS2 sequences
/// (0/5).
fn cmap(map: &BTreeMap<char, u16>, variants: &[(char, u16)]) -> Result<Vec<u8>, SubsetError> {
    let bmp: Vec<(u16, u16)> = map
        .iter()
        .filter(|(c, _)| (**c as u32) < 0xFFFF)
        .map(|(c, g)| (*c as u32 as u16, *g))
        .collect();
    let format4 = format4(&bmp)?;
    let format12 = map
        .keys()
        .any(|c| *c as u32 > 0xFFFF)
        .then(|| format12(map));
    let format14 = (!variants.is_empty()).then(|| format14(variants));

    // Subtables in the order written, and the records pointing at them (sorted as required).
    let mut subtables: Vec<&[u8]> = vec![&format4];
    let mut records: Vec<(u16, u16, usize)> = vec![(0, 3, 0), (3, 1, 0)];
    if let Some(t) = &format12 {
        subtables.push(t);
        records.extend([(0, 4, subtables.len() - 1), (3, 10, subtables.len() - 1)]);
    }
    if let Some(t) = &format14 {
        subtables.push(t);
        records.push((0, 5, subtables.len() - 1));
    }
    records.sort_unstable();
    let mut at = 4 + 8 * records.len();
    let mut starts = Vec::new();
    for t in &subtables {
        starts.push(at);
        at += t.len();
    }
    let mut out = Vec::with_capacity(at);
    put16(&mut out, 0);
    put16(&mut out, records.len() as u16);
    for (platform, encoding, subtable) in records {
        put16(&mut out, platform);
        put16(&mut out, encoding);
        put32(&mut out, starts[subtable] as u32);
    }
    for t in subtables {
        out.extend_from_slice(t);
    }
    Ok(out)
}

/// A cmap format 4 subtable. Each run of consecutive characters is a segment with a delta, or
/// several when its glyphs run in a few stretches, or else one with a glyph array.
fn format4(map: &[(u16, u16)]) -> Result<Vec<u8>, SubsetError> {
    struct Segment {
        start: u16,
        end: u16,
        delta: u16,
        glyphs: Option<Vec<u16>>,
    }
    let delta = |(c, g): (u16, u16)| g.wrapping_sub(c);
    let mut segments: Vec<Segment> = Vec::new();
    let mut rest = map;
    while let Some(&first) = rest.first() {
        let run_len = rest
            .windows(2)
            .position(|w| w[1].0 != w[0].0 + 1)
            .map_or(rest.len(), |p| p + 1);
        let (run, after) = rest.split_at(run_len);
        rest = after;
        let stretches = 1 + run
            .windows(2)
            .filter(|w| delta(w[0]) != delta(w[1]))
            .count();
        if 8 * stretches <= 8 + 2 * run.len() {
            let mut start = first;
            for w in run.windows(2) {
                if delta(w[0]) != delta(w[1]) {
                    segments.push(Segment {
                        start: start.0,
                        end: w[0].0,
                        delta: delta(start),
                        glyphs: None,
                    });
                    start = w[1];
                }
            }
            segments.push(Segment {
                start: start.0,
                end: run[run.len() - 1].0,
                delta: delta(start),
                glyphs: None,
            });
        } else {
            segments.push(Segment {
                start: first.0,
                end: run[run.len() - 1].0,
                delta: 0,
                glyphs: Some(run.iter().map(|(_, g)| *g).collect()),
            });
        }
    }
    segments.push(Segment {
        start: 0xFFFF,
        end: 0xFFFF,
        delta: 1,
        glyphs: None,
    });
    let count = segments.len();
    let array_len: usize = segments
        .iter()
        .filter_map(|s| s.glyphs.as_ref())
        .map(Vec::len)
        .sum();
    let length = 16 + 8 * count + 2 * array_len;
    if length > 0xFFFF {
        return Err(SubsetError::TooManyChars);
    }
    let (search_range, entry_selector) = search_params(count, 2);
    let mut out = Vec::with_capacity(length);
    for v in [
        4,
        length as u16,
        0,
        2 * count as u16,
        search_range,
        entry_selector,
        2 * count as u16 - search_range,
    ] {
        put16(&mut out, v);
    }
    segments.iter().for_each(|s| put16(&mut out, s.end));
    put16(&mut out, 0);
    segments.iter().for_each(|s| put16(&mut out, s.start));
    segments.iter().for_each(|s| put16(&mut out, s.delta));
    let mut array_at = 0;
    for (i, s) in segments.iter().enumerate() {
        match &s.glyphs {
            // From this idRangeOffset entry to the segment's place in the glyph array.
            Some(glyphs) => {
                put16(&mut out, (2 * (count - i + array_at)) as u16);
                array_at += glyphs.len();
            }
            None => put16(&mut out, 0),
        }
    }
    for s in &segments {
        s.glyphs.iter().flatten().for_each(|g| put16(&mut out, *g));
    }
    debug_assert_eq!(out.len(), length);
    Ok(out)
}

/// A cmap format 12 subtable: runs of consecutive characters with consecutive glyphs.
fn format12(map: &BTreeMap<char, u16>) -> Vec<u8> {
    // (first character, last character, glyph of the first)
    let mut groups: Vec<(u32, u32, u32)> = Vec::new();
    for (&c, &g) in map {
        let (c, g) = (c as u32, u32::from(g));
        match groups.last_mut() {
            Some((start, end, glyph)) if *end + 1 == c && *glyph + (c - *start) == g => *end = c,
            _ => groups.push((c, c, g)),
        }
    }
    let mut out = Vec::with_capacity(16 + 12 * groups.len());
    put16(&mut out, 12);
    put16(&mut out, 0);
    put32(&mut out, (16 + 12 * groups.len()) as u32);
    put32(&mut out, 0);
    put32(&mut out, groups.len() as u32);
    for (start, end, glyph) in groups {
        put32(&mut out, start);
        put32(&mut out, end);
        put32(&mut out, glyph);
    }
    out
}

/// A cmap format 14 subtable with the sequences of VS2, as glyphs of their own.
fn format14(variants: &[(char, u16)]) -> Vec<u8> {
    let mut out = Vec::new();
    put16(&mut out, 14);
    put32(&mut out, (10 + 11 + 4 + 5 * variants.len()) as u32);
    put32(&mut out, 1);
    out.extend_from_slice(&(QUOTE_SELECTOR as u32).to_be_bytes()[1..]);
    put32(&mut out, 0);
    put32(&mut out, 21);
    put32(&mut out, variants.len() as u32);
    for &(c, g) in variants {
        out.extend_from_slice(&(c as u32).to_be_bytes()[1..]);
        put16(&mut out, g);
    }
    out
}

/// `(searchRange, entrySelector)` for a binary search over `count` items of `size` bytes.
fn search_params(count: usize, size: usize) -> (u16, u16) {
    let log = count.max(1).ilog2();
    (((1 << log) * size) as u16, log as u16)
}

/// A TrueType font file of the tables: the directory sorted by tag, the tables in that order,
/// each 4-byte aligned, with their checksums and the head table's checksum adjustment.
fn write_font(mut tables: Vec<([u8; 4], Cow<'_, [u8]>)>) -> Vec<u8> {
    tables.sort_by_key(|t| t.0);
    tables.dedup_by(|a, b| a.0 == b.0);
    let count = tables.len();
    let (search_range, entry_selector) = search_params(count, 16);
    let size = 12
        + 16 * count
        + tables
            .iter()
            .map(|(_, t)| t.len().next_multiple_of(4))
            .sum::<usize>();
    let mut out = Vec::with_capacity(size);
    put32(&mut out, 0x0001_0000);
    for v in [
        count as u16,
        search_range,
        entry_selector,
        16 * count as u16 - search_range,
    ] {
        put16(&mut out, v);
    }
    let mut at = 12 + 16 * count;
    let mut head_at = None;
    for (tag, data) in &tables {
        if tag == b"head" {
            head_at = Some(at);
        }
        out.extend_from_slice(tag);
        put32(&mut out, checksum(data));
        put32(&mut out, at as u32);
        put32(&mut out, data.len() as u32);
        at += data.len().next_multiple_of(4);
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(head) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[head + 8..head + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

/// The sum of the data as big-endian 32-bit words, zero-padded.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, word| {
        let mut w = [0; 4];
        w[..word.len()].copy_from_slice(word);
        sum.wrapping_add(u32::from_be_bytes(w))
    })
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn i16_at(data: &[u8], at: usize) -> Option<i16> {
    u16_at(data, at).map(|v| v as i16)
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::Fonts;
    use crate::fonts::tests::bundled_only;
    use crate::style::Style;
    use std::sync::OnceLock;
    use ttf_parser::GlyphId;

    const FILES: [&str; 5] = [
        "ZhuqueFangsong-Regular.ttf",
        "NotoSerifSC_400Regular.ttf",
        "NotoSerifSC_700Bold.ttf",
        "NotoSansSC_400Regular.ttf",
        "LXGWWenKai-Regular.ttf",
    ];

    fn fonts() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| Fonts::load(&Style::default(), &bundled_only()).unwrap())
    }

    fn face(file: &str) -> &'static Face {
        fonts()
            .faces()
            .map(|(_, f)| f)
            .find(|f| f.path.file_name().is_some_and(|n| n == file))
            .unwrap_or_else(|| panic!("{file} is not loaded"))
    }

    /// Every character of the 淮安 sample (its text, the figures, the keys, the space).
    fn sample_chars() -> BTreeSet<char> {
        include_str!("../../samples/huaian-2024.toml")
            .chars()
            .filter(|c| !c.is_control())
            .collect()
    }

    /// The drawing commands of an outline.
    #[derive(Debug, Default, PartialEq)]
    struct Recorder(Vec<(char, [f32; 6])>);

    impl ttf_parser::OutlineBuilder for Recorder {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0.push(('M', [x, y, 0.0, 0.0, 0.0, 0.0]));
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0.push(('L', [x, y, 0.0, 0.0, 0.0, 0.0]));
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            self.0.push(('Q', [x1, y1, x, y, 0.0, 0.0]));
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            self.0.push(('C', [x1, y1, x2, y2, x, y]));
        }
        fn close(&mut self) {
            self.0.push(('Z', [0.0; 6]));
        }
    }

    fn outline(face: &ttf_parser::Face<'_>, glyph: u16) -> Option<(ttf_parser::Rect, Recorder)> {
        let mut recorder = Recorder::default();
        let bbox = face.outline_glyph(GlyphId(glyph), &mut recorder)?;
        Some((bbox, recorder))
    }

    /// Checks the file structure and returns the tags: directory sorted, search fields,
    /// tables 4-byte aligned inside the file without overlapping, checksums, and the whole
    /// file summing to the magic number through head's adjustment.
    fn check_sfnt(font: &[u8]) -> Vec<String> {
        assert_eq!(u32_at(font, 0), Some(0x0001_0000));
        let n = u16_at(font, 4).unwrap() as usize;
        let p = 1usize << n.ilog2();
        assert_eq!(u16_at(font, 6), Some(16 * p as u16));
        assert_eq!(u16_at(font, 8), Some(n.ilog2() as u16));
        assert_eq!(u16_at(font, 10), Some((16 * n - 16 * p) as u16));
        let mut tags = Vec::new();
        let mut end = 12 + 16 * n;
        for i in 0..n {
            let record = &font[12 + 16 * i..28 + 16 * i];
            let tag = &record[..4];
            let (sum, at, len) = (
                u32_at(record, 4).unwrap(),
                u32_at(record, 8).unwrap() as usize,
                u32_at(record, 12).unwrap() as usize,
            );
            assert_eq!(at % 4, 0);
            assert!(at >= end, "tables in directory order, not overlapping");
            end = at + len;
            assert!(end <= font.len());
            let mut data = font[at..at + len].to_vec();
            if tag == b"head" {
                data[8..12].fill(0);
            }
            assert_eq!(checksum(&data), sum, "{}", String::from_utf8_lossy(tag));
            tags.push(String::from_utf8_lossy(tag).into_owned());
        }
        assert!(tags.windows(2).all(|w| w[0] < w[1]), "{tags:?}");
        assert_eq!(font.len() % 4, 0);
        assert_eq!(checksum(font), 0xB1B0_AFBA);
        tags
    }

    fn deflated(data: &[u8]) -> usize {
        use std::io::Write;
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap().len()
    }

    #[test]
    fn every_bundled_face_keeps_the_outlines_of_the_sample() {
        let chars = sample_chars();
        assert!(chars.len() > 300, "{}", chars.len());
        for file in FILES {
            let f = face(file);
            let original = &f.parsed;
            let started = std::time::Instant::now();
            let font = f.subset(&chars).unwrap();
            let took = started.elapsed();
            let s = ttf_parser::Face::parse(&font, 0).unwrap();
            assert_eq!(s.number_of_glyphs(), original.number_of_glyphs());
            assert_eq!(s.units_per_em(), original.units_per_em());
            assert_eq!(s.names().len(), original.names().len());
            let tags = check_sfnt(&font);
            let mut expected = vec![
                "GDEF", "GSUB", "OS/2", "cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp",
                "name", "post",
            ];
            if file != "ZhuqueFangsong-Regular.ttf" {
                expected.extend(["BASE", "gasp", "vhea", "vmtx"]);
            }
            if file.starts_with("Noto") || file.starts_with("Zhuque") {
                expected.push("GPOS");
            }
            if file.starts_with("Noto") {
                expected.extend(["STAT", "prep"]);
            }
            expected.sort_unstable();
            assert_eq!(tags, expected, "{file}");

            let plan = plan(original, &chars).unwrap();
            let same = |g: u16, what: &str| {
                let o = outline(original, g);
                assert_eq!(outline(&s, g), o, "{file}: {what} (glyph {g})");
                assert_eq!(
                    s.glyph_hor_advance(GlyphId(g)),
                    original.glyph_hor_advance(GlyphId(g))
                );
                assert_eq!(
                    s.glyph_ver_advance(GlyphId(g)),
                    original.glyph_ver_advance(GlyphId(g))
                );
                assert_eq!(
                    s.glyph_hor_side_bearing(GlyphId(g)),
                    original.glyph_hor_side_bearing(GlyphId(g))
                );
                assert_eq!(
                    s.glyph_ver_side_bearing(GlyphId(g)),
                    original.glyph_ver_side_bearing(GlyphId(g))
                );
                o.is_some()
            };
            let gsub = s.tables().gsub.unwrap();
            let vertical = vertical_lookups(&s, &gsub);
            let mut mapped = 0;
            for &ch in &chars {
                let Some(g) = f.glyph(ch) else {
                    assert_eq!(s.glyph_index(ch), None, "{file}: {ch}");
                    continue;
                };
                mapped += 1;
                let plain = original.glyph_index(ch).unwrap();
                assert_eq!(s.glyph_index(ch), Some(plain), "{file}: {ch}");
                same(plain.0, &ch.to_string());
                if g != plain.0 {
                    assert_eq!(
                        s.glyph_variation_index(ch, QUOTE_SELECTOR),
                        Some(GlyphId(g)),
                        "{file}: {ch} with VS2"
                    );
                }
                same(g, &ch.to_string());
                // The vertical forms are kept and the subset's GSUB still finds them.
                if let Some(v) = f.vertical_glyph(g) {
                    assert!(same(v, &format!("vertical {ch}")), "{file}: {ch}");
                    assert_eq!(vertical_form(&gsub, &vertical, g), Some(v), "{file}: {ch}");
                }
            }
            // 、 and its vertical form, which sits in the upper right.
            let comma = f.glyph('、').unwrap();
            let v = f.vertical_glyph(comma).unwrap();
            assert!(same(v, "vertical 、"));
            assert!(plan.keep.contains(v));

            // A character not asked for maps to nothing, and its glyph is empty.
            let absent = '鳖';
            assert!(!chars.contains(&absent));
            let g = original.glyph_index(absent).unwrap().0;
            assert!(outline(original, g).is_some());
            assert_eq!(s.glyph_index(absent), None, "{file}");
            assert_eq!(outline(&s, g), None, "{file}");
            assert_eq!(s.glyph_hor_advance(GlyphId(g)), Some(0));
            // Only kept glyphs have outlines.
            for g in 0..s.number_of_glyphs() {
                if !plan.keep.contains(g) {
                    assert!(s.glyph_bounding_box(GlyphId(g)).is_none(), "{file}: {g}");
                }
            }

            assert_eq!(f.subset(&chars).unwrap(), font, "{file}: not deterministic");
            // For checking by hand with other tools (fontTools, LibreOffice).
            if let Some(dir) = std::env::var_os("NIANBAO_SUBSET_DIR") {
                std::fs::write(std::path::Path::new(&dir).join(file), &font).unwrap();
            }
            println!(
                "{file}: {mapped} characters, {} glyphs kept of {}, {} KB ({} KB deflated) \
                 from {} KB, in {took:.1?}",
                plan.keep.list.len(),
                s.number_of_glyphs(),
                font.len() / 1024,
                deflated(&font) / 1024,
                f.data.len() / 1024,
            );
        }
    }

    /// The tables of a font, to build variants of it with [`write_font`].
    fn tables_of(font: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
        let raw = ttf_parser::RawFace::parse(font, 0).unwrap();
        raw.table_records
            .into_iter()
            .map(|r| (r.tag.to_bytes(), raw.table(r.tag).unwrap().to_vec()))
            .collect()
    }

    fn rebuild(tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
        write_font(
            tables
                .into_iter()
                .map(|(tag, data)| (tag, Cow::Owned(data)))
                .collect(),
        )
    }

    /// A small subset of Zhuque Fangsong, with composites, the quote variants and vertical
    /// forms, to build broken fonts from.
    fn small() -> Vec<u8> {
        let chars: BTreeSet<char> = "淮安市人民政府，、。“”‘’（）《》一二三0123456789fi%"
            .chars()
            .collect();
        face("ZhuqueFangsong-Regular.ttf").subset(&chars).unwrap()
    }

    #[test]
    fn the_cmap_has_format_4_and_12_and_the_quote_variants() {
        let f = face("ZhuqueFangsong-Regular.ttf");
        let beyond = '\u{20164}';
        let mut chars = sample_chars();
        chars.insert(beyond);
        let font = f.subset(&chars).unwrap();
        let s = ttf_parser::Face::parse(&font, 0).unwrap();
        let subtables: Vec<(u16, u16, u8)> = s
            .tables()
            .cmap
            .unwrap()
            .subtables
            .into_iter()
            .map(|t| {
                let format = match t.format {
                    ttf_parser::cmap::Format::SegmentMappingToDeltaValues(_) => 4,
                    ttf_parser::cmap::Format::SegmentedCoverage(_) => 12,
                    ttf_parser::cmap::Format::UnicodeVariationSequences(_) => 14,
                    _ => 0,
                };
                (t.platform_id as u16, t.encoding_id, format)
            })
            .collect();
        assert_eq!(
            subtables,
            [(0, 3, 4), (0, 4, 12), (0, 5, 14), (3, 1, 4), (3, 10, 12)]
        );
        assert_eq!(s.glyph_index(beyond), f.parsed.glyph_index(beyond));
        assert!(outline(&s, s.glyph_index(beyond).unwrap().0).is_some());
        // Both cmaps know every character.
        for t in s.tables().cmap.unwrap().subtables {
            if matches!(t.format, ttf_parser::cmap::Format::SegmentedCoverage(_)) {
                for &ch in &chars {
                    assert_eq!(t.glyph_index(ch as u32), f.parsed.glyph_index(ch), "{ch}");
                }
            }
        }
        // The full-width quotes with VS2, and none for other characters.
        for ch in ['“', '”', '‘', '’'] {
            assert_eq!(
                s.glyph_variation_index(ch, QUOTE_SELECTOR).map(|g| g.0),
                f.glyph(ch)
            );
        }
        assert_eq!(s.glyph_variation_index('、', QUOTE_SELECTOR), None);
    }

    #[test]
    fn format_4_takes_runs_as_deltas_or_glyph_arrays() {
        // A run whose glyphs jump about (array), runs with one delta, a lone character, and
        // a run in two stretches.
        let mut map: BTreeMap<char, u16> = [('A', 5), ('B', 9), ('C', 2), ('D', 7), ('E', 11)]
            .into_iter()
            .collect();
        map.extend((0..40).map(|i| (char::from_u32(0x4E00 + i).unwrap(), 100 + i as u16)));
        map.insert('\u{FFFE}', 3);
        map.extend((0..10).map(|i| (char::from_u32(0x3000 + i).unwrap(), 900 + (i % 5) as u16)));
        map.insert('\u{1F100}', 4);
        let data = cmap(&map, &[]).unwrap();
        let table = ttf_parser::cmap::Table::parse(&data).unwrap();
        for t in table.subtables {
            let bmp_only = matches!(
                t.format,
                ttf_parser::cmap::Format::SegmentMappingToDeltaValues(_)
            );
            for (&c, &g) in &map {
                let expected = (!bmp_only || (c as u32) < 0xFFFF).then_some(GlyphId(g));
                assert_eq!(t.glyph_index(c as u32), expected, "{c:?}");
            }
            for c in ['@', 'F', '\u{4DFF}', '\u{4E28}', '\u{300A}', '\u{FFFF}'] {
                let g = t.glyph_index(c as u32).filter(|g| g.0 != 0);
                assert_eq!(g, None, "{c:?}");
            }
        }
        // Too many lone characters with glyphs out of order for a format 4 subtable.
        let scattered: BTreeMap<char, u16> = (0..10_000u32)
            .map(|i| {
                (
                    char::from_u32(0x4E00 + 2 * i).unwrap(),
                    (i * 7919 % 10_000) as u16,
                )
            })
            .collect();
        assert_eq!(cmap(&scattered, &[]), Err(SubsetError::TooManyChars));
    }

    #[test]
    fn a_subset_of_every_character_maps_them_all() {
        let f = face("ZhuqueFangsong-Regular.ttf");
        let mut chars = BTreeSet::new();
        for t in f.parsed.tables().cmap.unwrap().subtables {
            if t.is_unicode() {
                t.codepoints(|c| {
                    chars.extend(char::from_u32(c));
                });
            }
        }
        assert!(chars.len() > 12_000, "{}", chars.len());
        let font = f.subset(&chars).unwrap();
        let s = ttf_parser::Face::parse(&font, 0).unwrap();
        check_sfnt(&font);
        for (i, &ch) in chars.iter().enumerate() {
            let g = f.parsed.glyph_index(ch).filter(|g| g.0 != 0);
            assert_eq!(s.glyph_index(ch), g, "{ch:?}");
            if i % 97 == 0
                && let Some(g) = g
            {
                assert_eq!(outline(&s, g.0), outline(&f.parsed, g.0), "{ch}");
            }
        }
        println!(
            "Zhuque Fangsong, every character: {} KB of {} KB",
            font.len() / 1024,
            f.data.len() / 1024
        );
    }

    /// The font with its OS/2 version and fsType replaced.
    fn with_fs_type(font: &[u8], version: u16, fs_type: u16) -> Vec<u8> {
        let mut tables = tables_of(font);
        let os2 = &mut tables.iter_mut().find(|(t, _)| t == b"OS/2").unwrap().1;
        os2[0..2].copy_from_slice(&version.to_be_bytes());
        os2[8..10].copy_from_slice(&fs_type.to_be_bytes());
        rebuild(tables)
    }

    #[test]
    fn fs_type_decides_embedding_and_subsetting() {
        let font = small();
        let chars: BTreeSet<char> = "政府".chars().collect();
        let cases: [(u16, u16, Result<(), SubsetError>, bool); 12] = [
            (4, 0x0000, Ok(()), true),
            (4, 0x0002, Err(SubsetError::Restricted), false),
            (4, 0x0004, Ok(()), true),
            (4, 0x0008, Ok(()), true),
            // Before version 3 bits may be combined, and the most permissive applies.
            (1, 0x0006, Ok(()), true),
            (1, 0x000A, Ok(()), true),
            (4, 0x0102, Err(SubsetError::Restricted), false),
            (4, 0x0100, Err(SubsetError::NoSubsetting), true),
            (4, 0x0108, Err(SubsetError::NoSubsetting), true),
            (4, 0x0200, Err(SubsetError::BitmapOnly), false),
            (4, 0x0204, Err(SubsetError::BitmapOnly), false),
            // Bits 8 and 9 are reserved before version 2.
            (1, 0x0300, Ok(()), true),
        ];
        for (version, fs_type, expected, embeddable) in cases {
            let data = with_fs_type(&font, version, fs_type);
            let face = ttf_parser::Face::parse(&data, 0).unwrap();
            assert_eq!(
                embedding_allowed(&face).is_ok(),
                embeddable,
                "{version} {fs_type:#06x}"
            );
            assert_eq!(
                subset_face(&face, &chars).map(|_| ()),
                expected,
                "{version} {fs_type:#06x}"
            );
        }
        // The shipped fonts are all installable.
        for file in FILES {
            assert!(face(file).embeddable(), "{file}");
        }
        assert_eq!(
            SubsetError::Restricted.to_string(),
            "字体不允许嵌入 (fsType restricted)"
        );
    }

    #[test]
    fn cff_variable_and_outline_less_fonts_are_refused() {
        let font = small();
        let chars: BTreeSet<char> = "政府".chars().collect();
        let refused = |drop: &[&[u8; 4]], add: &[u8; 4]| {
            let mut tables = tables_of(&font);
            tables.retain(|(t, _)| !drop.contains(&t));
            tables.push((*add, vec![0; 64]));
            let data = rebuild(tables);
            let face = ttf_parser::Face::parse(&data, 0).unwrap();
            subset_face(&face, &chars).unwrap_err()
        };
        assert_eq!(
            refused(&[b"glyf", b"loca"], b"CFF "),
            SubsetError::NotTrueType("CFF")
        );
        assert_eq!(
            refused(&[b"glyf", b"loca"], b"CFF2"),
            SubsetError::NotTrueType("CFF2")
        );
        assert_eq!(
            refused(&[b"glyf", b"loca"], b"zzzz"),
            SubsetError::NotTrueType("no glyf")
        );
        assert_eq!(refused(&[], b"fvar"), SubsetError::Variable);
        assert_eq!(
            SubsetError::NotTrueType("CFF").to_string(),
            "不是 TrueType 轮廓字体 (CFF)"
        );
    }

    /// A TrueType collection of the fonts.
    fn collection(fonts: &[&[u8]]) -> Vec<u8> {
        let mut out = b"ttcf".to_vec();
        put32(&mut out, 0x0001_0000);
        put32(&mut out, fonts.len() as u32);
        let mut at = 12 + 4 * fonts.len();
        for f in fonts {
            put32(&mut out, at as u32);
            at += f.len();
        }
        for f in fonts {
            let base = out.len() as u32;
            let mut f = f.to_vec();
            for i in 0..u16_at(&f, 4).unwrap() as usize {
                let field = 12 + 16 * i + 8;
                let offset = u32_at(&f, field).unwrap() + base;
                f[field..field + 4].copy_from_slice(&offset.to_be_bytes());
            }
            out.extend_from_slice(&f);
        }
        out
    }

    #[test]
    fn a_face_of_a_collection_comes_out_standalone_and_subsets_are_stable() {
        let chars: BTreeSet<char> = "淮安市人民政府，、。“”".chars().collect();
        let zhuque = face("ZhuqueFangsong-Regular.ttf").subset(&chars).unwrap();
        let sans = face("NotoSansSC_400Regular.ttf").subset(&chars).unwrap();
        let ttc = collection(&[&zhuque, &sans]);
        for (index, alone) in [(0, &zhuque), (1, &sans)] {
            let face = ttf_parser::Face::parse(&ttc, index).unwrap();
            // The subset of a subset is the same font: nothing more is dropped.
            assert_eq!(&subset_face(&face, &chars).unwrap(), alone, "{index}");
        }
    }

    #[test]
    fn no_characters_leave_notdef_alone() {
        let f = face("NotoSansSC_400Regular.ttf");
        let font = f.subset(&BTreeSet::new()).unwrap();
        check_sfnt(&font);
        let s = ttf_parser::Face::parse(&font, 0).unwrap();
        assert_eq!(s.glyph_index('政'), None);
        assert_eq!(outline(&s, 0), outline(&f.parsed, 0));
        assert!((1..s.number_of_glyphs()).all(|g| outline(&s, g).is_none()));
        // What retained glyph ids cost: loca, hmtx and vmtx entries for every glyph (zeros,
        // which deflate to nothing), and the layout tables as they are.
        println!(
            "Noto Sans SC, no characters: {} bytes, {} deflated",
            font.len(),
            deflated(&font)
        );
        assert!(deflated(&font) < 40_000, "{}", deflated(&font));
    }

    /// A GSUB table with a `vert` lookup whose extension subtable points at itself.
    fn looping_gsub() -> Vec<u8> {
        let mut g = Vec::new();
        // Header: version 1.0, script list at 10, feature list at 30, lookup list at 44.
        for v in [1, 0, 10, 30, 44] {
            put16(&mut g, v);
        }
        // Script list: DFLT, its default language system with feature 0.
        g.extend_from_slice(&[0, 1, b'D', b'F', b'L', b'T', 0, 8, 0, 4, 0, 0]);
        g.extend_from_slice(&[0, 0, 0xFF, 0xFF, 0, 1, 0, 0]);
        // Feature list: vert, lookup 0.
        g.extend_from_slice(&[0, 1, b'v', b'e', b'r', b't', 0, 8, 0, 0, 0, 1, 0, 0]);
        // Lookup list: one extension lookup (type 7) whose subtable is an extension of type 7
        // at offset 0, itself.
        g.extend_from_slice(&[0, 1, 0, 4, 0, 7, 0, 0, 0, 1, 0, 8]);
        g.extend_from_slice(&[0, 1, 0, 7, 0, 0, 0, 0]);
        g
    }

    #[test]
    fn an_extension_lookup_pointing_at_itself_is_not_followed() {
        let mut tables = tables_of(&small());
        tables.iter_mut().find(|(t, _)| t == b"GSUB").unwrap().1 = looping_gsub();
        let data = rebuild(tables);
        let face = ttf_parser::Face::parse(&data, 0).unwrap();
        assert!(!gsub_is_safe(&face));
        assert!(vertical_lookups(&face, &face.tables().gsub.unwrap()).is_empty());
        let chars: BTreeSet<char> = "政府、".chars().collect();
        let font = subset_face(&face, &chars).unwrap();
        ttf_parser::Face::parse(&font, 0).unwrap();
    }

    #[test]
    fn glyphs_that_overlap_are_refused_not_copied_again_and_again() {
        let mut tables = tables_of(&small());
        let glyf_len = tables.iter().find(|(t, _)| t == b"glyf").unwrap().1.len() as u32;
        let head = &tables.iter().find(|(t, _)| t == b"head").unwrap().1;
        assert_eq!(u16_at(head, 50), Some(0), "short offsets");
        // Every glyph spans the whole glyf table.
        let loca = &mut tables.iter_mut().find(|(t, _)| t == b"loca").unwrap().1;
        for (i, o) in loca.chunks_mut(2).enumerate() {
            let v = if i % 2 == 0 { 0 } else { glyf_len / 2 };
            o.copy_from_slice(&(v as u16).to_be_bytes());
        }
        let data = rebuild(tables);
        let face = ttf_parser::Face::parse(&data, 0).unwrap();
        let chars: BTreeSet<char> = "政府".chars().collect();
        assert!(matches!(
            subset_face(&face, &chars),
            Err(SubsetError::Malformed(_))
        ));
    }

    /// Truncated and garbled fonts: an error or a font, never a panic.
    #[test]
    fn broken_fonts_give_errors_not_panics() {
        let font = small();
        let chars: BTreeSet<char> = "淮安市人民政府，、。“”（）fi".chars().collect();
        let mut outcomes = [0usize; 3];
        let mut attempt = |data: &[u8]| match ttf_parser::Face::parse(data, 0) {
            Err(_) => outcomes[0] += 1,
            Ok(face) => match subset_face(&face, &chars) {
                Err(_) => outcomes[1] += 1,
                Ok(out) => {
                    outcomes[2] += 1;
                    let again = ttf_parser::Face::parse(&out, 0).unwrap();
                    let _ = subset_face(&again, &chars);
                }
            },
        };
        for len in (0..font.len()).step_by(1999).chain(0..200) {
            attempt(&font[..len]);
        }
        // Bytes changed at random, anywhere or inside one table.
        let tables: Vec<Range<usize>> = (0..u16_at(&font, 4).unwrap() as usize)
            .map(|i| {
                let at = u32_at(&font, 12 + 16 * i + 8).unwrap() as usize;
                at..at + u32_at(&font, 12 + 16 * i + 12).unwrap() as usize
            })
            .collect();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut random = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..600 {
            let mut data = font.clone();
            let range = match round % 3 {
                0 => 0..data.len(),
                1 => 0..12 + 16 * tables.len(),
                _ => tables[round / 3 % tables.len()].clone(),
            };
            if range.is_empty() {
                continue;
            }
            for _ in 0..1 + random() % 8 {
                let at = range.start + (random() as usize) % range.len();
                data[at] = random() as u8;
            }
            attempt(&data);
        }
        println!("unparsable, refused, subset: {outcomes:?}");
        assert!(outcomes.iter().all(|n| *n > 0), "{outcomes:?}");
    }
}
