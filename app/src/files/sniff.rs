//! What a stored document is, decided from its first bytes (never from its name or the type
//! the browser claims): a PDF by its `%PDF-` header, PNG and JPEG by their signatures. Anything
//! else is refused with what it seems to be, so the uploader knows what to send instead.

/// The kinds of document the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentType {
    Pdf,
    Png,
    Jpeg,
}

/// Bytes needed to decide: the longest signature.
pub const SNIFF_BYTES: usize = 8;

impl DocumentType {
    /// The media type stored and sent with a download.
    pub fn media_type(self) -> &'static str {
        match self {
            DocumentType::Pdf => "application/pdf",
            DocumentType::Png => "image/png",
            DocumentType::Jpeg => "image/jpeg",
        }
    }

    /// The file name extension a download gets.
    pub fn extension(self) -> &'static str {
        match self {
            DocumentType::Pdf => "pdf",
            DocumentType::Png => "png",
            DocumentType::Jpeg => "jpg",
        }
    }

    /// The type of a stored media type.
    pub fn from_media_type(s: &str) -> Option<Self> {
        [DocumentType::Pdf, DocumentType::Png, DocumentType::Jpeg]
            .into_iter()
            .find(|t| t.media_type() == s)
    }
}

/// The document type of a file starting with `head` (at least [`SNIFF_BYTES`] of it when the
/// file is that long), or why it is refused.
pub fn sniff(head: &[u8]) -> Result<DocumentType, String> {
    const ACCEPTED: &str = "a document is a PDF, PNG or JPEG file";
    if head.is_empty() {
        return Err("The file is empty.".into());
    }
    if head.starts_with(b"%PDF-") {
        return Ok(DocumentType::Pdf);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(DocumentType::Png);
    }
    if head.starts_with(b"\xFF\xD8\xFF") {
        return Ok(DocumentType::Jpeg);
    }
    let seems = if head.starts_with(b"PK\x03\x04") {
        "a zip archive (an Office document or a spreadsheet?)"
    } else if head.starts_with(b"MZ") || head.starts_with(b"\x7FELF") {
        "a program"
    } else if head.starts_with(b"\xD0\xCF\x11\xE0") {
        "an old Office document"
    } else if head
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        "text (HTML, CSV or plain text?)"
    } else {
        "of a kind not recognised"
    };
    Err(format!(
        "The file is {seems}; {ACCEPTED}: save or print it as a PDF and upload that."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n%..."), Ok(DocumentType::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Ok(DocumentType::Png));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Ok(DocumentType::Jpeg));
    }

    #[test]
    fn anything_else_is_refused_with_what_it_seems() {
        let cases: [(&[u8], &str); 6] = [
            (b"PK\x03\x04\x14\0", "zip archive"),
            (b"MZ\x90\0\x03", "a program"),
            (b"<html><script>", "text"),
            (b"%PD", "text"),
            (b"\x00\x01\x02\x03", "not recognised"),
            (b"", "empty"),
        ];
        for (bytes, says) in cases {
            let e = sniff(bytes).expect_err("refused");
            assert!(e.contains(says), "{bytes:?}: {e}");
        }
    }

    #[test]
    fn a_type_reads_back_from_its_media_type() {
        for t in [DocumentType::Pdf, DocumentType::Png, DocumentType::Jpeg] {
            assert_eq!(DocumentType::from_media_type(t.media_type()), Some(t));
        }
        assert_eq!(DocumentType::from_media_type("text/html"), None);
    }
}
