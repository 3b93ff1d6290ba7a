//! Making a file again from what it carries, and comparing: `nianbao verify`, and `nianbao
//! sign`'s search for the 落款. Above both `archive` (what a file carries) and `produce` (how a
//! file is made), so that neither reaches into the other.

use crate::archive::{Archived, DATA_FILE, SEAL_FILE, embedded};
use crate::diag::Diagnostic;
use crate::document::Timestamp;
use crate::template::Template;

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Byte for byte what the embedded data gives.
    Same,
    /// The file begins with exactly what the embedded data gives, and continues with PDF
    /// incremental updates that add digital signatures and nothing else a page shows (no
    /// stream but a visible signature's empty appearance: no new content, image or drawn
    /// appearance), as `nianbao sign` appends them.
    Signed {
        /// The size of the revision the data gives.
        made: usize,
        /// How many signature dictionaries the updates add.
        signatures: usize,
    },
    /// Made again here, the file comes out different.
    Differs {
        /// What differs in how it was made (program, template, fonts); empty when everything
        /// matches, so the file itself was changed.
        causes: Vec<String>,
        /// The first byte that differs.
        offset: usize,
        /// The file's size and the size made here.
        sizes: (usize, usize),
    },
}

impl Verdict {
    /// The size of what the embedded data renders to, when the file begins with exactly that
    /// (whatever follows it).
    pub fn made_prefix(&self) -> Option<usize> {
        match self {
            Verdict::Same => None,
            Verdict::Signed { made, .. } => Some(*made),
            Verdict::Differs {
                causes,
                offset,
                sizes,
            } => (causes.is_empty() && *offset >= sizes.1).then_some(sizes.1),
        }
    }
}

/// Makes the file again from what it carries: its embedded data (and seal) rendered the way
/// it records it was made, with `template` (set up by [`crate::archive::configure`]) and `fonts`. The products
/// hold the PDF (or the .docx) and where the layout put the 落款. `verify` compares the bytes;
/// `nianbao sign` takes the 落款's place for a visible signature.
pub fn remake(
    archived: &Archived,
    template: &Template,
    fonts: &crate::fonts::Fonts,
) -> Result<crate::Products, Vec<Diagnostic>> {
    let loaded = crate::model::load(DATA_FILE, &archived.data, crate::model::Syntax::Toml);
    let report = match &loaded.report {
        Some(r) if !loaded.has_errors() => r,
        _ => return Err(loaded.diagnostics),
    };
    let pdf = archived.info.output == "pdf";
    let options = crate::pdf::PdfOptions {
        created: Timestamp::parse_iso(&archived.info.created),
        archival: archived
            .info
            .pdfa
            .as_deref()
            .and_then(crate::pdf::Archival::from_code)
            .unwrap_or_default(),
    };
    let setup = crate::Setup {
        template,
        fonts,
        targets: crate::Targets {
            pdf,
            docx: !pdf,
            html: None,
        },
        pdf: &options,
        docx_embed_fonts: archived.info.embed_fonts,
        sign: None,
        sign_invisible: false,
    };
    let seal = |path: &str| {
        archived.seal.clone().ok_or_else(|| {
            crate::seal::Refusal::new(
                crate::diag::Rule::Seal,
                format!("印章图片 {path} 无法读取：文件里没有内嵌的 {SEAL_FILE}"),
                "这份文件不是 nianbao 生成的原样文件，或内嵌的印章被删去了",
            )
        })
    };
    crate::make(report, &loaded.source, seal, &setup).map_err(crate::Unmade::into_diagnostics)
}

/// Makes the file again ([`remake`]) and compares the bytes ([`compare`]).
pub fn verify(
    file: &[u8],
    archived: &Archived,
    template: &Template,
    fonts: &crate::fonts::Fonts,
) -> Result<Verdict, Vec<crate::diag::Diagnostic>> {
    let products = remake(archived, template, fonts)?;
    Ok(compare(file, archived, &products))
}

/// How a file stands to `products`, what its data gives ([`remake`]).
pub fn compare(file: &[u8], archived: &Archived, products: &crate::Products) -> Verdict {
    let pdf = archived.info.output == "pdf";
    let remade = if pdf {
        products.pdf.as_ref().map(|(bytes, _)| bytes)
    } else {
        products.docx.as_ref()
    }
    .map_or(&[][..], Vec::as_slice);
    if remade == file {
        return Verdict::Same;
    }
    if pdf
        && let Some(updates) = file.strip_prefix(remade)
        && let Some(signatures) = signature_updates(updates)
    {
        return Verdict::Signed {
            made: remade.len(),
            signatures,
        };
    }
    let causes = match embedded(remade) {
        Ok(now) => archived.info.differences(&now.info),
        Err(_) => Vec::new(),
    };
    let offset = file
        .iter()
        .zip(remade)
        .position(|(a, b)| a != b)
        .unwrap_or(file.len().min(remade.len()));
    Verdict::Differs {
        causes,
        offset,
        sizes: (file.len(), remade.len()),
    }
}

/// The number of signatures in `updates`, the bytes after a PDF's first revision, when they are
/// incremental updates that only sign: each ends in `%%EOF`, adds at least one `/Type /Sig`
/// dictionary, and holds no stream but the empty appearance of a visible signature
/// ([`empty_appearances_only`]): no new page content, image, font or drawn appearance. `None`
/// for anything else.
fn signature_updates(updates: &[u8]) -> Option<usize> {
    let contains = |needle: &[u8]| updates.windows(needle.len()).any(|w| w == needle);
    let count = |needle: &[u8]| {
        updates
            .windows(needle.len())
            .filter(|w| *w == needle)
            .count()
    };
    // Written `/Type/Sig` by some writers (nianbao's own, through lopdf), `/Type /Sig` by others.
    let signatures = count(b"/Type/Sig") + count(b"/Type /Sig");
    let ends = updates.trim_ascii_end().ends_with(b"%%EOF");
    (signatures > 0 && ends && empty_appearances_only(updates) && contains(b"/Prev"))
        .then_some(signatures)
}

/// Whether every stream in `updates` is an empty Form XObject: a dictionary with `/Type
/// /XObject`, `/Subtype /Form` and `/Length 0`, and nothing but end-of-line characters between
/// `stream` and `endstream`. That is the appearance a visible signature needs (PDF/A forbids
/// an annotation without one) and that draws nothing; any other stream is refused.
fn empty_appearances_only(updates: &[u8]) -> bool {
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let mut from = 0;
    while let Some(found) = find(&updates[from..], b"stream") {
        let at = from + found;
        from = at + b"stream".len();
        if updates[..at].ends_with(b"end") {
            continue; // the end of a stream already looked at
        }
        let after = &updates[from..];
        let data = after
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(after.len());
        if !after[data..].starts_with(b"endstream") {
            return false;
        }
        // The stream's dictionary: from its object's `obj` to the keyword, spaces left out.
        let Some(obj) = updates[..at].windows(3).rposition(|w| w == b"obj") else {
            return false;
        };
        let dict: Vec<u8> = updates[obj + 3..at]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let has = |needle: &[u8]| find(&dict, needle).is_some();
        let empty = find(&dict, b"/Length0")
            .is_some_and(|i| matches!(dict.get(i + b"/Length0".len()), Some(b'/' | b'>')));
        if !(dict.starts_with(b"<<")
            && dict.ends_with(b">>")
            && has(b"/Type/XObject")
            && has(b"/Subtype/Form")
            && empty)
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_updates_that_add_signatures_and_no_stream_count_as_signing() {
        let sig = b"\n7 0 obj\n<< /Type /Sig /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\nxref\ntrailer\n<< /Prev 10 >>\nstartxref\n99\n%%EOF\n";
        assert_eq!(signature_updates(sig), Some(1));
        let mut twice = sig.to_vec();
        twice.extend_from_slice(sig);
        assert_eq!(signature_updates(&twice), Some(2));
        let with_stream = b"\n8 0 obj\n<< /Length 3 >>\nstream\nq Q\nendstream\nendobj\n7 0 obj\n<< /Type /Sig >>\nendobj\ntrailer\n<< /Prev 10 >>\n%%EOF\n";
        assert_eq!(signature_updates(with_stream), None);
        // A visible signature's appearance: an empty form counts, anything drawn does not.
        let form = |dict: &str, data: &str| {
            let mut update =
                format!("\n9 0 obj\n{dict}\nstream\n{data}\nendstream\nendobj\n").into_bytes();
            update.extend_from_slice(sig);
            signature_updates(&update)
        };
        let empty = "<</Type/XObject/Subtype/Form/BBox[0 0 120.5 80]/Length 0>>";
        assert_eq!(form(empty, ""), Some(1));
        assert_eq!(
            form(
                "<< /Type /XObject /Subtype /Form /Length 0 /BBox [0 0 1 1] >>",
                ""
            ),
            Some(1)
        );
        assert_eq!(form(empty, "q Q"), None, "content behind /Length 0");
        let drawn = "<</Type/XObject/Subtype/Form/BBox[0 0 1 1]/Length 3>>";
        assert_eq!(form(drawn, "q Q"), None, "a drawn appearance");
        assert_eq!(
            form(
                "<</Type/XObject/Subtype/Form/BBox[0 0 1 1]/Length 0 0 R>>",
                ""
            ),
            None,
            "a length elsewhere"
        );
        assert_eq!(
            form("<</Type/XObject/Subtype/Form/BBox[0 0 1 1]/Length 00>>", ""),
            None
        );
        let image = "<</Type/XObject/Subtype/Image/Width 1/Height 1/Length 0>>";
        assert_eq!(form(image, ""), None, "an image");
        assert_eq!(form("<</Length 0>>", ""), None, "a stream of unknown use");
        let mut both = format!("\n9 0 obj\n{empty}\nstream\n\nendstream\nendobj\n").into_bytes();
        both.extend_from_slice(with_stream);
        assert_eq!(
            signature_updates(&both),
            None,
            "an empty form beside content"
        );
        assert_eq!(signature_updates(b"\n% appended\n"), None);
        assert_eq!(
            signature_updates(&sig[..sig.len() - 7]),
            None,
            "not ended by %%EOF"
        );
    }
}
