//! Trust documents' PDFs, read and stamped for their recipient with `lopdf`: one line at the
//! foot of every page ("Provided to …"), drawn upright as the page is shown (its `/Rotate`
//! undone), in DejaVu Sans embedded as a subset (`subsetter`) with a `ToUnicode` map, so the
//! stamp is both seen and read back as text (`pdftotext`) whatever the recipient's script
//! the font covers (Latin, Greek, Cyrillic and more; a character it lacks is stamped as `?`).
//!
//! The original page is wrapped in `q … Q` so that whatever state its content leaves does not
//! move the stamp; its resources are copied into the page with the stamp's font added, so a
//! dictionary shared with other pages (or inherited from the page tree) is never changed.
//! Pure: bytes in, bytes out; run it on a blocking thread.

use std::collections::BTreeMap;

use lopdf::{dictionary, Dictionary, Document, LoadOptions, Object, ObjectId, Stream};

/// The font every stamp is written in (licence beside it).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Most bytes one stream of an uploaded PDF may inflate to while it is read (a crafted file
/// otherwise inflates a thousandfold).
const MAX_INFLATED: usize = 64 * 1024 * 1024;

/// Most pages a stamped document may have.
pub const MAX_PAGES: usize = 5_000;

/// Why a PDF cannot be kept or stamped, as the uploader reads it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfRefused {
    #[error("The PDF is encrypted (it has a password or restrictions); upload a copy saved without encryption, so that it can be stamped for each recipient.")]
    Encrypted,
    #[error("The file could not be read as a PDF ({0}); save or print it again as a PDF and upload that.")]
    Unreadable(String),
    #[error("The PDF has no pages.")]
    NoPages,
    #[error("The PDF has more than {MAX_PAGES} pages.")]
    TooManyPages,
}

/// Check that `bytes` is a PDF this server can stamp: readable, not encrypted, with pages.
/// Returns the number of pages.
pub fn check(bytes: &[u8]) -> Result<usize, PdfRefused> {
    let doc = load(bytes)?;
    Ok(doc.get_pages().len())
}

/// `bytes` with `text` stamped at the foot of every page. The file is let go of once read,
/// so at most the parsed document and the stamped copy are held at once.
pub fn stamp(bytes: Vec<u8>, text: &str) -> Result<Vec<u8>, PdfRefused> {
    let mut doc = load(&bytes)?;
    let room = bytes.len() + 16 * 1024;
    drop(bytes);
    let font = Embedded::new(text)?;
    let font_id = font.add_to(&mut doc)?;
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    for page in pages {
        stamp_page(&mut doc, page, font_id, &font)?;
    }
    let mut out = Vec::with_capacity(room);
    doc.save_to(&mut out)
        .map_err(|e| PdfRefused::Unreadable(e.to_string()))?;
    Ok(out)
}

fn load(bytes: &[u8]) -> Result<Document, PdfRefused> {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_INFLATED),
        ..LoadOptions::default()
    };
    let doc = match Document::load_mem_with_options(bytes, options) {
        Ok(doc) => doc,
        // a file lopdf cannot open without a password is encrypted, whatever else it says
        Err(_) if looks_encrypted(bytes) => return Err(PdfRefused::Encrypted),
        Err(e) => return Err(PdfRefused::Unreadable(e.to_string())),
    };
    if doc.is_encrypted() || doc.was_encrypted() {
        return Err(PdfRefused::Encrypted);
    }
    match doc.get_pages().len() {
        0 => Err(PdfRefused::NoPages),
        n if n > MAX_PAGES => Err(PdfRefused::TooManyPages),
        _ => Ok(doc),
    }
}

/// An `/Encrypt` entry anywhere in the file's last trailer area.
fn looks_encrypted(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(64 * 1024)..];
    tail.windows(8).any(|w| w == b"/Encrypt")
}

/// The stamp's font: the glyphs of one text, cut out of DejaVu Sans.
struct Embedded {
    /// The text as two-byte glyph ids of the subset (`Identity-H`).
    shown: Vec<u8>,
    /// The text's width at size 1, in text space units.
    width: f32,
    /// Glyph of the subset -> (advance in 1/1000 em, the characters it stands for).
    glyphs: BTreeMap<u16, (i64, String)>,
    subset: Vec<u8>,
    ascent: i64,
    descent: i64,
    cap_height: i64,
    bbox: [i64; 4],
}

impl Embedded {
    fn new(text: &str) -> Result<Self, PdfRefused> {
        let face = ttf_parser::Face::parse(FONT, 0)
            .map_err(|e| PdfRefused::Unreadable(format!("the stamp's font: {e}")))?;
        let upem = f32::from(face.units_per_em());
        let scale = |v: f32| (v * 1000.0 / upem).round() as i64;
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut glyphs = BTreeMap::new();
        let mut shown = Vec::new();
        let mut width = 0.0;
        for c in text.chars() {
            let (c, gid) = match face.glyph_index(c) {
                Some(g) if !c.is_control() => (c, g),
                _ => ('?', face.glyph_index('?').unwrap_or(ttf_parser::GlyphId(0))),
            };
            let new = remapper.remap(gid.0);
            let advance = f32::from(face.glyph_hor_advance(gid).unwrap_or(0));
            width += advance / upem;
            glyphs
                .entry(new)
                .or_insert_with(|| (scale(advance), c.to_string()));
            shown.extend_from_slice(&new.to_be_bytes());
        }
        let subset = subsetter::subset(FONT, 0, &remapper)
            .map_err(|e| PdfRefused::Unreadable(format!("the stamp's font: {e}")))?;
        let b = face.global_bounding_box();
        Ok(Embedded {
            shown,
            width,
            glyphs,
            subset,
            ascent: scale(f32::from(face.ascender())),
            descent: scale(f32::from(face.descender())),
            cap_height: scale(f32::from(face.capital_height().unwrap_or(face.ascender()))),
            bbox: [
                scale(f32::from(b.x_min)),
                scale(f32::from(b.y_min)),
                scale(f32::from(b.x_max)),
                scale(f32::from(b.y_max)),
            ],
        })
    }

    /// The font's objects added to `doc`; the id of its `Type0` dictionary.
    fn add_to(&self, doc: &mut Document) -> Result<ObjectId, PdfRefused> {
        // a subset is named with six capitals of its own (ISO 32000-1, 9.6.4)
        let tag: String = {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(&self.shown);
            digest
                .iter()
                .take(6)
                .map(|b| char::from(b'A' + b % 26))
                .collect()
        };
        let base = format!("{tag}+DejaVuSans");
        let mut file = Stream::new(
            dictionary! { "Length1" => self.subset.len() as i64 },
            self.subset.clone(),
        );
        let _ = file.compress();
        let file_id = doc.add_object(file);
        let descriptor = doc.add_object(dictionary! {
            "Type" => "FontDescriptor",
            "FontName" => Object::Name(base.clone().into_bytes()),
            "Flags" => 32,
            "FontBBox" => self.bbox.iter().map(|v| Object::Integer(*v)).collect::<Vec<_>>(),
            "ItalicAngle" => 0,
            "Ascent" => self.ascent,
            "Descent" => self.descent,
            "CapHeight" => self.cap_height,
            "StemV" => 80,
            "FontFile2" => file_id,
        });
        let mut widths = Vec::new();
        for (gid, (advance, _)) in &self.glyphs {
            widths.push(Object::Integer(i64::from(*gid)));
            widths.push(Object::Array(vec![Object::Integer(*advance)]));
        }
        let cid_font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => Object::Name(base.clone().into_bytes()),
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal("Identity"),
                "Supplement" => 0,
            },
            "FontDescriptor" => descriptor,
            "DW" => 1000,
            "W" => widths,
            "CIDToGIDMap" => "Identity",
        });
        let mut to_unicode = Stream::new(Dictionary::new(), self.cmap().into_bytes());
        let _ = to_unicode.compress();
        let to_unicode = doc.add_object(to_unicode);
        Ok(doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => Object::Name(base.into_bytes()),
            "Encoding" => "Identity-H",
            "DescendantFonts" => vec![Object::Reference(cid_font)],
            "ToUnicode" => to_unicode,
        }))
    }

    /// The `ToUnicode` CMap: each glyph of the subset to the character it was cut for.
    fn cmap(&self) -> String {
        let mut out = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<_> = self.glyphs.iter().collect();
        for chunk in entries.chunks(100) {
            out.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (gid, (_, chars)) in chunk {
                let utf16: String = chars.encode_utf16().map(|u| format!("{u:04X}")).collect();
                out.push_str(&format!("<{gid:04X}> <{utf16}>\n"));
            }
            out.push_str("endbfchar\n");
        }
        out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        out
    }
}

/// Name of the stamp's font in each page's resources.
const FONT_NAME: &[u8] = b"RegistryStamp";

fn stamp_page(
    doc: &mut Document,
    page: ObjectId,
    font: ObjectId,
    embedded: &Embedded,
) -> Result<(), PdfRefused> {
    let bad = |e: lopdf::Error| PdfRefused::Unreadable(e.to_string());
    let visible = inherited(doc, page, b"CropBox")
        .and_then(|o| rect(doc, &o))
        .or_else(|| inherited(doc, page, b"MediaBox").and_then(|o| rect(doc, &o)))
        .unwrap_or([0.0, 0.0, 612.0, 792.0]);
    let rotate = inherited(doc, page, b"Rotate")
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(0)
        .rem_euclid(360);
    // the page's resources, copied into the page with the stamp's font beside its own
    let mut resources = match inherited(doc, page, b"Resources") {
        Some(o) => resolve(doc, &o)
            .and_then(|o| o.as_dict().ok().cloned())
            .unwrap_or_default(),
        None => Dictionary::new(),
    };
    let mut fonts = resources
        .get(b"Font")
        .ok()
        .and_then(|o| resolve(doc, o))
        .and_then(|o| o.as_dict().ok().cloned())
        .unwrap_or_default();
    fonts.set(FONT_NAME.to_vec(), Object::Reference(font));
    resources.set("Font", Object::Dictionary(fonts));

    let content = stamp_content(visible, rotate, embedded);
    let before = doc.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
    let mut after = Stream::new(Dictionary::new(), content);
    let _ = after.compress();
    let after = doc.add_object(after);
    let mut contents = vec![Object::Reference(before)];
    contents.extend(
        doc.get_page_contents(page)
            .into_iter()
            .map(Object::Reference),
    );
    contents.push(Object::Reference(after));

    let dict = doc.get_dictionary_mut(page).map_err(bad)?;
    dict.set("Resources", Object::Dictionary(resources));
    dict.set("Contents", Object::Array(contents));
    Ok(())
}

/// The stamp's content: the page's state restored, then one line of grey text 18 points from
/// the left and 10 from the foot of the page as shown, at 7 points or smaller to fit.
fn stamp_content(visible: [f32; 4], rotate: i64, font: &Embedded) -> Vec<u8> {
    let [x0, y0, x1, y1] = visible;
    let (w, h) = (x1 - x0, y1 - y0);
    // the page as shown -> user space (ISO 32000-1, 8.3.2.3 and the /Rotate entry)
    let (matrix, shown_width) = match rotate {
        90 => ([0.0, 1.0, -1.0, 0.0, x1, y0], h),
        180 => ([-1.0, 0.0, 0.0, -1.0, x1, y1], w),
        270 => ([0.0, -1.0, 1.0, 0.0, x0, y1], h),
        _ => ([1.0, 0.0, 0.0, 1.0, x0, y0], w),
    };
    let room = (shown_width - 36.0).max(36.0);
    let size = if font.width * 7.0 > room {
        (room / font.width).max(3.0)
    } else {
        7.0
    };
    let hex: String = font.shown.iter().map(|b| format!("{b:02X}")).collect();
    let m = matrix.map(|v: f32| format!("{v:.3}")).join(" ");
    let name = String::from_utf8_lossy(FONT_NAME);
    format!("Q\nq\n{m} cm\nBT\n0.35 g\n/{name} {size:.2} Tf\n18 10 Td\n<{hex}> Tj\nET\nQ\n")
        .into_bytes()
}

/// A page attribute, from the page or the nearest ancestor that has it.
fn inherited(doc: &Document, page: ObjectId, key: &[u8]) -> Option<Object> {
    let mut node = doc.get_dictionary(page).ok()?;
    for _ in 0..64 {
        if let Ok(v) = node.get(key) {
            return Some(v.clone());
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = doc.get_dictionary(parent).ok()?;
    }
    None
}

/// An object with references followed (a few, never in a loop).
fn resolve<'a>(doc: &'a Document, mut o: &'a Object) -> Option<&'a Object> {
    for _ in 0..8 {
        match o {
            Object::Reference(id) => o = doc.get_object(*id).ok()?,
            _ => return Some(o),
        }
    }
    None
}

fn rect(doc: &Document, o: &Object) -> Option<[f32; 4]> {
    let a = resolve(doc, o)?.as_array().ok()?;
    if a.len() != 4 {
        return None;
    }
    let mut v = [0.0; 4];
    for (i, n) in a.iter().enumerate() {
        v[i] = resolve(doc, n)?.as_float().ok()?;
    }
    // normalised: lower left, upper right
    Some([
        v[0].min(v[2]),
        v[1].min(v[3]),
        v[0].max(v[2]),
        v[1].max(v[3]),
    ])
}

/// A small PDF built here, for tests and the documentation's example: `pages` pages of one
/// line of text each, each rotated as given, saved with a classic cross-reference table or
/// with object and cross-reference streams.
pub fn sample(pages: &[i64], modern: bool) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let helvetica = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
    });
    // resources on the page tree, inherited by every page
    let resources = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => helvetica },
    });
    let mut kids = Vec::new();
    for (i, rotate) in pages.iter().enumerate() {
        // content that leaves its state changed (no q/Q): the stamp must not move with it
        let text = format!(
            "2 0 0 2 0 0 cm BT /F1 12 Tf 40 300 Td (Sample page {}) Tj ET",
            i + 1
        );
        let content = doc.add_object(Stream::new(Dictionary::new(), text.into_bytes()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content,
            "Rotate" => *rotate,
        });
        kids.push(Object::Reference(page));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => pages.len() as i64,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    let saved = if modern {
        doc.save_modern(&mut out)
    } else {
        doc.save_to(&mut out)
    };
    debug_assert!(saved.is_ok());
    out
}

/// [`sample`]'s one page with an encryption dictionary in its trailer, as a password-protected
/// file has (tests: it must be refused).
pub fn sample_encrypted() -> Vec<u8> {
    let Ok(mut doc) = Document::load_mem(&sample(&[0], false)) else {
        return Vec::new();
    };
    let encrypt = doc.add_object(dictionary! {
        "Filter" => "Standard",
        "V" => 1,
        "R" => 2,
        "O" => Object::string_literal("01234567890123456789012345678901"),
        "U" => Object::string_literal("01234567890123456789012345678901"),
        "P" => -4,
    });
    doc.trailer.set("Encrypt", encrypt);
    let mut out = Vec::new();
    let saved = doc.save_to(&mut out);
    debug_assert!(saved.is_ok());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamped_pdf_reads_back_with_one_more_font_and_every_page_wrapped() {
        for modern in [false, true] {
            let pdf = sample(&[0, 90, 180, 270], modern);
            assert_eq!(check(&pdf), Ok(4));
            let out = stamp(pdf, "Provided to Zoë Ångström-Łukasiewicz, Müller GmbH")
                .expect("a test value");
            let doc = Document::load_mem(&out).expect("a test value");
            assert_eq!(doc.get_pages().len(), 4);
            for (_, page) in doc.get_pages() {
                let fonts = doc.get_page_fonts(page).expect("a test value");
                assert!(fonts.contains_key(FONT_NAME), "{fonts:?}");
                assert!(
                    fonts.contains_key(&b"F1"[..]),
                    "the page keeps its own fonts"
                );
                let content = doc.get_page_content(page);
                assert!(content.starts_with(b"q\n"), "the original is wrapped");
            }
        }
    }

    #[test]
    fn what_is_not_a_stampable_pdf_is_refused_with_the_reason() {
        assert!(matches!(
            check(b"%PDF-1.7\nnot really"),
            Err(PdfRefused::Unreadable(_))
        ));
        let bytes = sample_encrypted();
        assert_eq!(check(&bytes), Err(PdfRefused::Encrypted));
    }

    #[test]
    fn characters_the_font_lacks_become_question_marks_and_a_long_line_shrinks() {
        let font = Embedded::new("Zoë 山田").expect("a test value");
        let chars: Vec<&str> = font.glyphs.values().map(|(_, c)| c.as_str()).collect();
        assert!(chars.contains(&"ë") && chars.contains(&"?"), "{chars:?}");
        let long = Embedded::new(&"W".repeat(300)).expect("a test value");
        let content = String::from_utf8(stamp_content([0.0, 0.0, 595.0, 842.0], 0, &long))
            .expect("a test value");
        let size: f32 = content
            .split_whitespace()
            .skip_while(|w| *w != "/RegistryStamp")
            .nth(1)
            .expect("a test value")
            .parse()
            .expect("a test value");
        assert!((3.0..7.0).contains(&size), "{size}");
    }
}
