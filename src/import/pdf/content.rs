//! Runs a page's content streams far enough to know where each character and each ruling line
//! is: the graphics and text state (`q Q cm`, `BT Tf Tm Td TD T* TL Tc Tw Tz Ts`), text shown
//! (`Tj TJ ' "`), paths painted (`m l re h` with `S s f F f* B B* b b*`), form XObjects (`Do`)
//! and marked content with an `/ActualText` (nianbao's own PDFs give a label set over several
//! lines, or down a column, its text that way).
//!
//! Positions come out in points from the top-left corner of the page as it is shown (its
//! CropBox, turned by `/Rotate`), y growing downwards.

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::Budget;
use super::font::Font;
use crate::diag::Diagnostic;

/// A character (or the `/ActualText` of several) and its box.
#[derive(Debug, Clone)]
pub(super) struct Glyph {
    pub text: String,
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
    pub bottom: f64,
    /// The baseline (for an `/ActualText`, its first glyph's).
    pub base: f64,
    /// The font size as shown, in points.
    pub size: f64,
}

impl Glyph {
    pub fn cx(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }
    pub fn cy(&self) -> f64 {
        (self.top + self.bottom) / 2.0
    }
}

/// A straight ruling line, horizontal or vertical.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Rule {
    /// `y`, from `x0` to `x1`.
    H(f64, f64, f64),
    /// `x`, from `y0` to `y1`.
    V(f64, f64, f64),
}

#[derive(Default)]
pub(super) struct Page {
    pub height: f64,
    pub glyphs: Vec<Glyph>,
    pub rules: Vec<Rule>,
    /// Images drawn, to tell a scanned page from an empty one.
    pub images: usize,
    /// Glyphs whose font gave no Unicode (among `glyphs` as U+FFFD when upright).
    pub unknown: usize,
}

type Matrix = [f64; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a` then `b`.
fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let object = dict.get(key).ok()?;
    Some(doc.dereference(object).map(|(_, o)| o).unwrap_or(object))
}

fn num(object: &Object) -> Option<f64> {
    match object {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r as f64).filter(|r| r.is_finite()),
        _ => None,
    }
}

fn nums<const N: usize>(operands: &[Object]) -> Option<[f64; N]> {
    let tail = operands.get(operands.len().checked_sub(N)?..)?;
    let mut out = [0.0; N];
    for (o, v) in out.iter_mut().zip(tail) {
        *o = num(v)?;
    }
    Some(out)
}

#[derive(Clone)]
struct State {
    ctm: Matrix,
    font: Option<Rc<std::cell::RefCell<Font>>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    scale: f64,
    leading: f64,
    rise: f64,
    stroke_white: bool,
    fill_white: bool,
}

struct Subpath {
    points: Vec<(f64, f64)>,
    closed: bool,
}

/// Fonts read once per document, by object (a font written inside a resource dictionary is
/// read again each time: no producer seen does that for more than a few).
pub(super) type FontCache = HashMap<ObjectId, Rc<std::cell::RefCell<Font>>>;

pub(super) struct Interpreter<'d> {
    doc: &'d Document,
    /// User space to the page as shown.
    page: Matrix,
    width: f64,
    state: State,
    stack: Vec<State>,
    tm: Matrix,
    tlm: Matrix,
    path: Vec<Subpath>,
    /// Marked content: `Some` collects the glyphs under an `/ActualText`.
    marked: Vec<Option<(String, Vec<Glyph>)>>,
    out: Page,
    depth: usize,
}

/// Form XObjects inside form XObjects: real files nest two or three.
const FORM_DEPTH: usize = 8;
/// `q` without `Q`: the saved states kept; deeper saves are ignored.
const SAVED_STATES: usize = 256;
/// Marked content sequences open at once; deeper ones are not tracked.
const MARKED_DEPTH: usize = 256;

fn white(operands: &[Object], cmyk: bool) -> bool {
    let values: Vec<f64> = operands.iter().filter_map(num).collect();
    if values.len() != operands.len() || values.is_empty() {
        return false;
    }
    if cmyk || values.len() == 4 {
        values.iter().all(|v| *v <= 0.05)
    } else {
        values.iter().all(|v| *v >= 0.95)
    }
}

impl<'d> Interpreter<'d> {
    /// `bounds` is the page's visible box `[x0, y0, x1, y1]`, `rotate` its `/Rotate`.
    pub fn new(doc: &'d Document, bounds: [f64; 4], rotate: i64) -> Interpreter<'d> {
        let [x0, y0, x1, y1] = bounds;
        let (page, width, height) = match rotate.rem_euclid(360) {
            90 => ([0.0, 1.0, 1.0, 0.0, -y0, -x0], y1 - y0, x1 - x0),
            180 => ([-1.0, 0.0, 0.0, 1.0, x1, -y0], x1 - x0, y1 - y0),
            270 => ([0.0, -1.0, -1.0, 0.0, y1, x1], y1 - y0, x1 - x0),
            _ => ([1.0, 0.0, 0.0, -1.0, -x0, y1], x1 - x0, y1 - y0),
        };
        Interpreter {
            doc,
            page,
            width,
            state: State {
                ctm: IDENTITY,
                font: None,
                size: 0.0,
                char_spacing: 0.0,
                word_spacing: 0.0,
                scale: 1.0,
                leading: 0.0,
                rise: 0.0,
                stroke_white: false,
                fill_white: false,
            },
            stack: Vec::new(),
            tm: IDENTITY,
            tlm: IDENTITY,
            path: Vec::new(),
            marked: Vec::new(),
            out: Page {
                height,
                ..Page::default()
            },
            depth: 0,
        }
    }

    pub fn finish(mut self) -> Page {
        // An `/ActualText` left open still gives its text.
        while let Some(open) = self.marked.pop() {
            self.close_marked(open);
        }
        self.out
    }

    /// Runs one content stream (already inflated) with its resources.
    pub fn run(
        &mut self,
        data: &[u8],
        resources: Option<&Dictionary>,
        fonts: &mut FontCache,
        budget: &mut Budget,
    ) -> Result<(), Diagnostic> {
        for op in Content::decode_iter(data) {
            // The rest of a damaged stream is lost, as in any viewer; what came before stays.
            let Ok(op) = op else { break };
            budget.operator()?;
            self.op(&op, resources, fonts, budget)?;
        }
        Ok(())
    }

    fn op(
        &mut self,
        op: &Operation,
        resources: Option<&Dictionary>,
        fonts: &mut FontCache,
        budget: &mut Budget,
    ) -> Result<(), Diagnostic> {
        let o = &op.operands[..];
        match op.operator.as_str() {
            "q" if self.stack.len() < SAVED_STATES => self.stack.push(self.state.clone()),
            "Q" => {
                if let Some(state) = self.stack.pop() {
                    self.state = state;
                }
            }
            "cm" => {
                if let Some(m) = nums::<6>(o) {
                    self.state.ctm = mul(&m, &self.state.ctm);
                }
            }
            "BT" => {
                self.tm = IDENTITY;
                self.tlm = IDENTITY;
            }
            "Tf" => {
                if let Some([size]) = nums::<1>(o) {
                    self.state.size = size;
                }
                if let Some(Object::Name(name)) = o.first() {
                    self.state.font = self.font(name, resources, fonts, budget)?;
                }
            }
            "Tc" => {
                if let Some([v]) = nums::<1>(o) {
                    self.state.char_spacing = v;
                }
            }
            "Tw" => {
                if let Some([v]) = nums::<1>(o) {
                    self.state.word_spacing = v;
                }
            }
            "Tz" => {
                if let Some([v]) = nums::<1>(o) {
                    self.state.scale = v / 100.0;
                }
            }
            "TL" => {
                if let Some([v]) = nums::<1>(o) {
                    self.state.leading = v;
                }
            }
            "Ts" => {
                if let Some([v]) = nums::<1>(o) {
                    self.state.rise = v;
                }
            }
            "Td" | "TD" => {
                if let Some([x, y]) = nums::<2>(o) {
                    if op.operator == "TD" {
                        self.state.leading = -y;
                    }
                    self.tlm = mul(&[1.0, 0.0, 0.0, 1.0, x, y], &self.tlm);
                    self.tm = self.tlm;
                }
            }
            "Tm" => {
                if let Some(m) = nums::<6>(o) {
                    self.tm = m;
                    self.tlm = m;
                }
            }
            "T*" => self.next_line(),
            "Tj" => {
                if let Some(Object::String(s, _)) = o.first() {
                    self.show(s, budget)?;
                }
            }
            "'" => {
                self.next_line();
                if let Some(Object::String(s, _)) = o.last() {
                    self.show(s, budget)?;
                }
            }
            "\"" => {
                if let Some([w, c]) = o.get(..2).and_then(nums::<2>) {
                    self.state.word_spacing = w;
                    self.state.char_spacing = c;
                }
                self.next_line();
                if let Some(Object::String(s, _)) = o.last() {
                    self.show(s, budget)?;
                }
            }
            "TJ" => {
                if let Some(Object::Array(items)) = o.first() {
                    for item in items {
                        match item {
                            Object::String(s, _) => self.show(s, budget)?,
                            other => {
                                if let Some(n) = num(other) {
                                    let tx = -n / 1000.0 * self.state.size * self.state.scale;
                                    self.advance(tx);
                                }
                            }
                        }
                    }
                }
            }
            "m" => {
                if let Some([x, y]) = nums::<2>(o) {
                    budget.rule()?;
                    let p = self.to_page(x, y);
                    self.path.push(Subpath {
                        points: vec![p],
                        closed: false,
                    });
                }
            }
            "l" => {
                if let Some([x, y]) = nums::<2>(o) {
                    budget.rule()?;
                    let p = self.to_page(x, y);
                    match self.path.last_mut() {
                        Some(sub) if !sub.closed => sub.points.push(p),
                        _ => self.path.push(Subpath {
                            points: vec![p],
                            closed: false,
                        }),
                    }
                }
            }
            // A curve ends the straight run: its chord is no ruling line.
            "c" | "v" | "y" => {
                if let Some([x, y]) = nums::<2>(o) {
                    let p = self.to_page(x, y);
                    self.path.push(Subpath {
                        points: vec![p],
                        closed: false,
                    });
                }
            }
            "h" => {
                if let Some(sub) = self.path.last_mut() {
                    sub.closed = true;
                }
            }
            "re" => {
                if let Some([x, y, w, h]) = nums::<4>(o) {
                    budget.rule()?;
                    let points = vec![
                        self.to_page(x, y),
                        self.to_page(x + w, y),
                        self.to_page(x + w, y + h),
                        self.to_page(x, y + h),
                    ];
                    self.path.push(Subpath {
                        points,
                        closed: true,
                    });
                }
            }
            "S" | "s" => self.paint(op.operator == "s", true, false, budget)?,
            "f" | "F" | "f*" => self.paint(false, false, true, budget)?,
            "B" | "B*" => self.paint(false, true, true, budget)?,
            "b" | "b*" => self.paint(true, true, true, budget)?,
            "n" => self.path.clear(),
            "G" | "RG" | "K" => self.state.stroke_white = white(o, op.operator == "K"),
            "g" | "rg" | "k" => self.state.fill_white = white(o, op.operator == "k"),
            "SC" | "SCN" => self.state.stroke_white = white(o, false),
            "sc" | "scn" => self.state.fill_white = white(o, false),
            "CS" => self.state.stroke_white = false,
            "cs" => self.state.fill_white = false,
            "BI" | "ID" => self.out.images += 1,
            "Do" => {
                if let Some(Object::Name(name)) = o.first() {
                    self.xobject(name, resources, fonts, budget)?;
                }
            }
            "BMC" => self.open_marked(None),
            "BDC" => {
                let text = self.actual_text(o.get(1), resources);
                self.open_marked(text);
            }
            "EMC" => {
                if let Some(open) = self.marked.pop() {
                    self.close_marked(open);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn open_marked(&mut self, text: Option<String>) {
        if self.marked.len() < MARKED_DEPTH {
            self.marked.push(text.map(|t| (t, Vec::new())));
        }
    }

    fn close_marked(&mut self, open: Option<(String, Vec<Glyph>)>) {
        let Some((text, glyphs)) = open else { return };
        let Some(first) = glyphs.first() else { return };
        let mut all = Glyph {
            text,
            ..first.clone()
        };
        for g in &glyphs[1..] {
            all.x0 = all.x0.min(g.x0);
            all.x1 = all.x1.max(g.x1);
            all.top = all.top.min(g.top);
            all.bottom = all.bottom.max(g.bottom);
        }
        self.emit(all);
    }

    fn actual_text(
        &self,
        properties: Option<&Object>,
        resources: Option<&Dictionary>,
    ) -> Option<String> {
        let dict = match properties? {
            Object::Dictionary(d) => d,
            Object::Name(name) => {
                let props = get(self.doc, resources?, b"Properties")?.as_dict().ok()?;
                get(self.doc, props, name)?.as_dict().ok()?
            }
            _ => return None,
        };
        let text = get(self.doc, dict, b"ActualText")?;
        lopdf::decode_text_string(text).ok()
    }

    fn font(
        &mut self,
        name: &[u8],
        resources: Option<&Dictionary>,
        fonts: &mut FontCache,
        budget: &mut Budget,
    ) -> Result<Option<Rc<std::cell::RefCell<Font>>>, Diagnostic> {
        let Some(font_dict) = resources
            .and_then(|r| get(self.doc, r, b"Font"))
            .and_then(|f| f.as_dict().ok())
        else {
            return Ok(None);
        };
        let Ok(entry) = font_dict.get(name) else {
            return Ok(None);
        };
        let id = entry.as_reference().ok();
        if let Some(font) = id.and_then(|id| fonts.get(&id)) {
            return Ok(Some(font.clone()));
        }
        let Some(dict) = self
            .doc
            .dereference(entry)
            .ok()
            .and_then(|(_, o)| o.as_dict().ok())
        else {
            return Ok(None);
        };
        let font = Rc::new(std::cell::RefCell::new(Font::read(self.doc, dict, budget)?));
        if let Some(id) = id {
            fonts.insert(id, font.clone());
        }
        Ok(Some(font))
    }

    fn xobject(
        &mut self,
        name: &[u8],
        resources: Option<&Dictionary>,
        fonts: &mut FontCache,
        budget: &mut Budget,
    ) -> Result<(), Diagnostic> {
        let doc = self.doc;
        let Some(xobjects) = resources
            .and_then(|r| get(self.doc, r, b"XObject"))
            .and_then(|x| x.as_dict().ok())
        else {
            return Ok(());
        };
        let Some(Object::Stream(stream)) = get(self.doc, xobjects, name) else {
            return Ok(());
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => self.out.images += 1,
            Ok(b"Form") if self.depth < FORM_DEPTH => {
                let Some(data) = budget.inflate(stream, "XObject")? else {
                    return Ok(());
                };
                let saved = (self.state.clone(), self.stack.len());
                if let Some(m) = stream
                    .dict
                    .get(b"Matrix")
                    .ok()
                    .and_then(|m| m.as_array().ok())
                    .and_then(|m| nums::<6>(m))
                {
                    self.state.ctm = mul(&m, &self.state.ctm);
                }
                let own = stream
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|r| doc.dereference(r).ok())
                    .and_then(|(_, r)| r.as_dict().ok());
                self.depth += 1;
                self.path.clear();
                let result = self.run(&data, own.or(resources), fonts, budget);
                self.depth -= 1;
                self.state = saved.0;
                self.stack.truncate(saved.1);
                result?;
            }
            _ => {}
        }
        Ok(())
    }

    fn to_page(&self, x: f64, y: f64) -> (f64, f64) {
        let (x, y) = apply(&self.state.ctm, x, y);
        apply(&self.page, x, y)
    }

    fn next_line(&mut self) {
        self.tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -self.state.leading], &self.tlm);
        self.tm = self.tlm;
    }

    fn advance(&mut self, tx: f64) {
        let vertical = self
            .state
            .font
            .as_ref()
            .is_some_and(|f| f.borrow().vertical);
        let step = if vertical {
            [1.0, 0.0, 0.0, 1.0, 0.0, -tx]
        } else {
            [1.0, 0.0, 0.0, 1.0, tx, 0.0]
        };
        self.tm = mul(&step, &self.tm);
    }

    fn show(&mut self, bytes: &[u8], budget: &mut Budget) -> Result<(), Diagnostic> {
        let Some(font) = self.state.font.clone() else {
            return Ok(());
        };
        let mut font = font.borrow_mut();
        let vertical = font.vertical;
        let mut shown = Vec::new();
        font.codes(bytes, |code| {
            shown.push((code.text.map(str::to_owned), code.advance, code.space))
        });
        drop(font);
        let s = &self.state;
        let (size, scale, rise) = (s.size, s.scale, s.rise);
        for (text, advance, space) in shown {
            // The text rendering matrix: glyph space (in ems) to the page.
            let trm = mul(
                &mul(&[size * scale, 0.0, 0.0, size, 0.0, rise], &self.tm),
                &self.state.ctm,
            );
            let trm = mul(&trm, &self.page);
            let width = if vertical { 1.0 } else { advance };
            let origin = apply(&trm, if vertical { -0.5 } else { 0.0 }, 0.0);
            let along = apply(&trm, if vertical { 0.5 } else { width }, 0.0);
            let up = apply(&trm, if vertical { -0.5 } else { 0.0 }, 1.0);
            let (dx, dy) = (along.0 - origin.0, along.1 - origin.1);
            let (ux, uy) = (up.0 - origin.0, up.1 - origin.1);
            let em = (ux * ux + uy * uy).sqrt();
            let (cx, cy) = (origin.0 + dx / 2.0, origin.1 - em * 0.38);
            // Text no one can read: under 2 pt (krilla sets a 1 pt glyph in the corner of each
            // page), or off the page.
            if em < 2.0 || cx < 0.0 || cx > self.width || cy < 0.0 || cy > self.out.height {
                self.advance(self.step(advance, space, vertical));
                continue;
            }
            // A code the font gives no Unicode for stays in the text as U+FFFD: a label with a
            // hole in it is then reported where it stands, not read as a shorter one.
            let text = match text {
                Some(text) if text.trim().is_empty() => None,
                Some(text) => Some(text),
                None => {
                    self.out.unknown += 1;
                    Some('\u{FFFD}'.to_string())
                }
            };
            // Upright and left to right only (a rotated watermark is no text of the report);
            // the box runs from the descender to the ascender.
            let upright = dx > -0.01
                && dy.abs() <= dx.abs() * 0.2 + 0.01
                && uy < 0.0
                && ux.abs() <= -uy * 0.2;
            if let Some(text) = text {
                budget.glyph()?;
                if upright {
                    self.emit(Glyph {
                        text,
                        x0: origin.0,
                        x1: origin.0 + dx.max(em * 0.05),
                        top: origin.1 - em * 0.88,
                        bottom: origin.1 + em * 0.12,
                        base: origin.1,
                        size: em,
                    });
                }
            }
            self.advance(self.step(advance, space, vertical));
        }
        Ok(())
    }

    /// How far a glyph moves the text position (`advance` in ems).
    fn step(&self, advance: f64, space: bool, vertical: bool) -> f64 {
        let s = &self.state;
        let spacing = s.char_spacing + if space { s.word_spacing } else { 0.0 };
        if vertical {
            // DW2's default: one em down (W2 is not read).
            s.size + spacing
        } else {
            (advance * s.size + spacing) * s.scale
        }
    }

    fn emit(&mut self, glyph: Glyph) {
        match self.marked.iter_mut().rev().find_map(|m| m.as_mut()) {
            Some((_, glyphs)) => glyphs.push(glyph),
            None => self.out.glyphs.push(glyph),
        }
    }

    fn paint(
        &mut self,
        close: bool,
        stroke: bool,
        fill: bool,
        budget: &mut Budget,
    ) -> Result<(), Diagnostic> {
        let path = std::mem::take(&mut self.path);
        for sub in &path {
            let closed = close || sub.closed;
            let p = &sub.points;
            if stroke && !self.state.stroke_white {
                let n = p.len();
                let edges = if closed && n > 2 {
                    n
                } else {
                    n.saturating_sub(1)
                };
                for i in 0..edges {
                    let (a, b) = (p[i], p[(i + 1) % n]);
                    if let Some(rule) = straight(a, b) {
                        budget.rule()?;
                        self.out.rules.push(rule);
                    }
                }
            }
            if fill
                && !self.state.fill_white
                && let Some(rule) = thin_rectangle(p)
            {
                budget.rule()?;
                self.out.rules.push(rule);
            }
        }
        Ok(())
    }
}

/// A segment along an axis, as a rule.
fn straight(a: (f64, f64), b: (f64, f64)) -> Option<Rule> {
    let (dx, dy) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
    if dy < 0.5 && dx >= 1.0 {
        Some(Rule::H((a.1 + b.1) / 2.0, a.0.min(b.0), a.0.max(b.0)))
    } else if dx < 0.5 && dy >= 1.0 {
        Some(Rule::V((a.0 + b.0) / 2.0, a.1.min(b.1), a.1.max(b.1)))
    } else {
        None
    }
}

/// A filled rectangle at most 2.5 pt thick along an axis: a rule drawn as a fill, as Word and
/// many others draw table borders.
fn thin_rectangle(p: &[(f64, f64)]) -> Option<Rule> {
    let points = match p {
        [a, b, c, d] | [a, b, c, d, _] => [*a, *b, *c, *d],
        _ => return None,
    };
    let xs = points.map(|q| q.0);
    let ys = points.map(|q| q.1);
    let (x0, x1) = (
        xs.iter().cloned().fold(f64::MAX, f64::min),
        xs.iter().cloned().fold(f64::MIN, f64::max),
    );
    let (y0, y1) = (
        ys.iter().cloned().fold(f64::MAX, f64::min),
        ys.iter().cloned().fold(f64::MIN, f64::max),
    );
    // Axis-aligned: every corner on the box.
    if !points.iter().all(|q| {
        ((q.0 - x0).abs() < 0.1 || (q.0 - x1).abs() < 0.1)
            && ((q.1 - y0).abs() < 0.1 || (q.1 - y1).abs() < 0.1)
    }) {
        return None;
    }
    let (w, h) = (x1 - x0, y1 - y0);
    if h <= 2.5 && w > h && w >= 1.0 {
        Some(Rule::H((y0 + y1) / 2.0, x0, x1))
    } else if w <= 2.5 && h > w && h >= 1.0 {
        Some(Rule::V((x0 + x1) / 2.0, y0, y1))
    } else {
        None
    }
}
