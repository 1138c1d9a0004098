//! The text encoding of a CSV file: UTF-8 (with or without a byte-order mark) is read as
//! UTF-8; a file with no valid multi-byte UTF-8 sequence at all and some byte that is not
//! UTF-8 is an old Windows export and is read as Windows-1252 (`encoding_rs`); a file that
//! holds both valid multi-byte UTF-8 and invalid bytes is damaged and refused, naming the
//! line of the first bad byte (decoding it as Windows-1252 would turn every accented name
//! into mojibake).

use std::borrow::Cow;

/// The note a Windows-1252 file gets in the report.
pub const LATIN1_NOTE: &str =
    "The file is not UTF-8: it was read as Latin-1 (Windows-1252); check accented names.";

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The file's text, and whether it was read as Windows-1252; or why it cannot be read.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, bool), String> {
    let (bytes, bom) = match bytes.strip_prefix(BOM) {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(text), false));
    }
    let mut multi_byte = bom;
    let mut first_bad = None;
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        multi_byte |= !chunk.valid().is_ascii();
        at += chunk.valid().len();
        if first_bad.is_none() && !chunk.invalid().is_empty() {
            first_bad = Some(at);
        }
        at += chunk.invalid().len();
    }
    match first_bad {
        Some(bad) if multi_byte => {
            let line = 1 + bytes[..bad].iter().filter(|b| **b == b'\n').count();
            Err(format!(
                "Line {line} holds a byte that is not UTF-8, in a file that is otherwise UTF-8: \
                 the file is damaged or mixes encodings. Save it again as UTF-8."
            ))
        }
        _ => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((text, true))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_read_as_utf8_with_or_without_a_bom() {
        let plain = "slug,purpose\nx,Stockage sûr\n";
        assert_eq!(decode(plain.as_bytes()), Ok((Cow::Borrowed(plain), false)));
        let with_bom = [BOM, plain.as_bytes()].concat();
        assert_eq!(decode(&with_bom), Ok((Cow::Borrowed(plain), false)));
    }

    #[test]
    fn a_file_without_multi_byte_utf8_falls_back_to_windows_1252() {
        // û, then the euro sign and a curly quote, which Latin-1 proper lacks
        let bytes = b"slug,purpose\nx,Stockage s\xFBr \x80 \x92\n";
        let (text, latin) = decode(bytes).expect("read");
        assert!(latin);
        assert_eq!(text, "slug,purpose\nx,Stockage sûr € ’\n");
    }

    #[test]
    fn utf8_with_a_stray_byte_is_refused_naming_its_line() {
        let bytes = b"slug,purpose\nx,Stockage s\xC3\xBBr\ny,bad \xFB here\n";
        let why = decode(bytes).expect_err("refused");
        assert!(why.starts_with("Line 3 "), "{why}");
        // the stray byte first, the valid sequence after: the same
        let bytes = b"a\n\xFB\n\xC3\xA9\n";
        assert!(decode(bytes).expect_err("refused").starts_with("Line 2 "));
    }

    #[test]
    fn a_bom_declares_utf8_so_a_bad_byte_after_it_is_refused() {
        let bytes = [BOM, b"a\nb\n\xFB\n"].concat();
        assert!(decode(&bytes).expect_err("refused").starts_with("Line 3 "));
    }

    #[test]
    fn a_cut_multi_byte_sequence_alone_is_windows_1252() {
        // the first two bytes of a three-byte sequence are not a valid sequence
        let (text, latin) = decode(b"a\xE2\x82").expect("read");
        assert!(latin);
        assert_eq!(text, "aâ‚");
    }
}
