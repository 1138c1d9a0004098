//! The readers fed real, hostile and mutated files: a refusal names the cap that was passed,
//! and no input makes a reader panic or return more than the caps allow. `PROPTEST_CASES`
//! sets how many generated files each property gets (bench/fuzz.sh runs many more).

use std::io::Write;

use proptest::prelude::*;

use super::{limits, read_blocking, Contents};

/// A workbook of the given sheets (name, sheetData XML) and shared strings (the `<sst>`
/// element whole), written with the zip crate as a spreadsheet writes one.
pub fn workbook(sheets: &[(&str, &str)], shared: Option<&str>) -> Vec<u8> {
    let mut parts: Vec<(String, String)> = vec![
        (
            "_rels/.rels".into(),
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into(),
        ),
    ];
    let mut book = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (name, data)) in sheets.iter().enumerate() {
        let n = i + 1;
        book.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{data}</worksheet>"#
            ),
        ));
    }
    book.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    parts.push(("xl/workbook.xml".into(), book));
    parts.push(("xl/_rels/workbook.xml.rels".into(), rels));
    if let Some(sst) = shared {
        parts.push((
            "xl/sharedStrings.xml".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?>{sst}"#),
        ));
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        zip.start_file(name, options).expect("part");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

/// A sheet's `sheetData` with inline-string cells at the given (A1-style) places.
pub fn cells(cells: &[(&str, &str)]) -> String {
    let mut rows: Vec<(u32, String)> = Vec::new();
    for (at, text) in cells {
        let row: u32 = at
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .expect("row");
        let cell = format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#);
        match rows.last_mut() {
            Some((r, xml)) if *r == row => xml.push_str(&cell),
            _ => rows.push((row, cell)),
        }
    }
    let rows: String = rows
        .into_iter()
        .map(|(r, xml)| format!(r#"<row r="{r}">{xml}</row>"#))
        .collect();
    format!("<sheetData>{rows}</sheetData>")
}

fn vendors() -> Vec<u8> {
    workbook(
        &[(
            "Vendors",
            &cells(&[
                ("A1", "legal_name"),
                ("B1", "purpose"),
                ("A2", "Acme Ltd"),
                ("B2", "Hosting"),
                ("A4", "Zed &amp; Co"),
                ("C4", "extra"),
            ]),
        )],
        None,
    )
}

#[test]
fn a_workbook_reads_as_before_header_rows_and_lines() {
    let read = read_blocking("v.xlsx", &vendors()).expect("read");
    assert_eq!(read.sheets.len(), 1);
    let sheet = &read.sheets[0];
    assert_eq!(sheet.header, vec!["legal_name", "purpose", ""]);
    assert_eq!(sheet.rows.len(), 2, "the empty row 3 is left out");
    assert_eq!(sheet.rows[0].line, 2);
    assert_eq!(sheet.rows[0].cells, vec!["Acme Ltd", "Hosting"]);
    assert_eq!(sheet.rows[1].line, 4);
    assert_eq!(sheet.rows[1].cells, vec!["Zed & Co", "", "extra"]);
    assert_eq!(read.notes, vec!["Sheet \"Vendors\": 2 rows.".to_string()]);
}

#[test]
fn formulas_are_read_as_formulas_shared_ones_too() {
    let data = r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>legal_name</t></is></c><c r="B1" t="inlineStr"><is><t>purpose</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>A</t></is></c><c r="B2"><f t="shared" ref="B2:B3" si="0">HYPERLINK("http://evil.example")</f><v>0</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>B</t></is></c><c r="B3"><f t="shared" si="0"/><v>0</v></c></row><row r="4"><c r="A4" t="inlineStr"><is><t>C</t></is></c><c r="B4"><f>1+1</f><v>2</v></c></row></sheetData>"#;
    let read = read_blocking("f.xlsx", &workbook(&[("S", data)], None)).expect("read");
    let rows = &read.sheets[0].rows;
    assert_eq!(rows[0].cells[1], "=HYPERLINK(\"http://evil.example\")");
    assert_eq!(rows[1].cells[1], "=HYPERLINK(\"http://evil.example\")");
    assert_eq!(rows[2].cells[1], "=1+1");
    for row in rows {
        assert!(crate::domain::import::cell(&row.cells[1]).is_err());
    }
}

#[test]
fn the_two_cell_workbook_is_refused_at_its_second_cell() {
    let bytes = workbook(
        &[("Sheet1", &cells(&[("A1", "a"), ("XFD1048576", "b")]))],
        None,
    );
    assert!(bytes.len() < 2048, "a small file: {} bytes", bytes.len());
    let why = read_blocking("two.xlsx", &bytes).expect_err("refused");
    assert!(
        why.contains("more than 200 columns") && why.contains("XFD1048576"),
        "{why}"
    );
    // the same rectangle upright: one column, a million rows
    let bytes = workbook(&[("S", &cells(&[("A1", "a"), ("A1048576", "b")]))], None);
    let why = read_blocking("tall.xlsx", &bytes).expect_err("refused");
    assert!(why.contains("more than 50000 rows"), "{why}");
}

#[test]
fn a_huge_shared_strings_count_is_refused_before_anything_is_reserved() {
    for count in ["4000000000", "99999999999999999999999", "x"] {
        let sst = format!(
            r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="{count}"><si><t>a</t></si></sst>"#
        );
        let bytes = workbook(&[("S", &cells(&[("A1", "legal_name")]))], Some(&sst));
        let why = read_blocking("sst.xlsx", &bytes).expect_err("refused");
        assert!(why.contains("distinct texts"), "{count}: {why}");
    }
    // a shared formula's index is never used to size anything
    let data = r#"<sheetData><row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="4000000000">1</f><v>1</v></c></row><row r="2"><c r="A2"><f t="shared" si="4000000000"/><v>1</v></c></row></sheetData>"#;
    let read = read_blocking("si.xlsx", &workbook(&[("S", data)], None)).expect("read");
    assert_eq!(read.sheets[0].rows[0].cells[0], "=1");
}

#[test]
fn one_text_named_by_every_cell_is_stopped_by_the_text_cap() {
    // 1 MB of text stored once, named by 100 cells: 100 MB if every copy were made
    let sst = format!(
        r#"<sst uniqueCount="1"><si><t>{}</t></si></sst>"#,
        "x".repeat(1024 * 1024)
    );
    let row: String = (1..=100)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let bytes = workbook(
        &[("S", &format!("<sheetData>{row}</sheetData>"))],
        Some(&sst),
    );
    let why = read_blocking("amplified.xlsx", &bytes).expect_err("refused");
    assert!(why.contains("MB of text"), "{why}");
}

#[test]
fn a_zip_bomb_is_refused_at_the_part_cap() {
    // a part that inflates past the cap, a few hundred kilobytes compressed
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    zip.start_file("xl/worksheets/sheet1.xml", options)
        .expect("part");
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..=(limits::MAX_PART_BYTES / (1024 * 1024)) {
        zip.write_all(&chunk).expect("write");
    }
    let bytes = zip.finish().expect("zip").into_inner();
    assert!(
        bytes.len() < limits::MAX_FILE_BYTES,
        "{} bytes",
        bytes.len()
    );
    let why = read_blocking("bomb.xlsx", &bytes).expect_err("refused");
    assert!(why.contains("inflates to more than 128 MB"), "{why}");
}

#[test]
fn one_large_part_named_as_many_sheets_is_stopped_by_the_inflated_budget() {
    // 40 MiB of padding after the cells (calamine never parses it, but inflates it each time
    // it opens the part): one sheet reads, the same part named as 7 sheets is 280 MiB
    let data = format!(
        "{}{}",
        cells(&[("A1", "legal_name"), ("A2", "Acme")]),
        " ".repeat(40 * 1024 * 1024)
    );
    let one = workbook(&[("S1", &data)], None);
    let read = read_blocking("one.xlsx", &one).expect("read");
    assert_eq!(read.sheets[0].rows.len(), 1);
    let (mut sheets, mut rels) = (String::new(), String::new());
    for n in 1..=7 {
        sheets.push_str(&format!(
            r#"<sheet name="S{n}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#));
    }
    // the same workbook, its workbook part and relationships rewritten
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(one)).expect("zip");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..source.len() {
        let file = source.by_index(i).expect("part");
        let name = file.name().expect("name").to_string();
        match name.as_str() {
            "xl/workbook.xml" => {
                drop(file);
                zip.start_file("xl/workbook.xml", options).expect("part");
                zip.write_all(format!(r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#).as_bytes()).expect("write");
            }
            "xl/_rels/workbook.xml.rels" => {
                drop(file);
                zip.start_file("xl/_rels/workbook.xml.rels", options)
                    .expect("part");
                zip.write_all(format!(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#).as_bytes()).expect("write");
            }
            _ => zip.raw_copy_file(file).expect("copy"),
        }
    }
    let bytes = zip.finish().expect("zip").into_inner();
    let why = read_blocking("many.xlsx", &bytes).expect_err("refused");
    assert!(why.contains("inflates to more than 256 MB"), "{why}");
}

#[test]
fn too_many_zip_entries_are_refused() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..=limits::MAX_ZIP_ENTRIES {
        zip.start_file(format!("p{i}"), options).expect("part");
    }
    let bytes = zip.finish().expect("zip").into_inner();
    let why = read_blocking("many.xlsx", &bytes).expect_err("refused");
    assert!(
        why.contains("parts; an XLSX file has at most 1000"),
        "{why}"
    );
}

#[test]
fn a_csv_with_a_stray_byte_in_utf8_is_refused_and_latin1_is_read() {
    let why =
        read_blocking("m.csv", b"legal_name\nS\xC3\xA9bastien\nM\xFCller\n").expect_err("refused");
    assert!(why.starts_with("Line 3 "), "{why}");
    let read = read_blocking("l.csv", b"legal_name\nM\xFCller\n").expect("read");
    assert_eq!(read.sheets[0].rows[0].cells, vec!["Müller"]);
    assert!(read.notes[0].contains("Latin-1"));
}

/// A row's line is the file's own (the header is line 1), whatever its line ends, blank lines
/// and cells broken over lines: what an editor or a spreadsheet shows.
#[test]
fn csv_rows_name_their_own_line_with_crlf_or_lf() {
    let lf = "legal_name,purpose\nAcme,Hosting\n,Backups\n\n\"Multi\nline Ltd\",x\nLast,y\n";
    for (ends, text) in [("LF", lf.to_string()), ("CRLF", lf.replace('\n', "\r\n"))] {
        let read = read_blocking("lines.csv", text.as_bytes()).expect("read");
        let lines: Vec<usize> = read.sheets[0].rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 3, 5, 7], "{ends}");
    }
}

/// What an accepted file may hold at most.
fn within_caps(read: &Contents) {
    let mut cells = 0;
    for sheet in &read.sheets {
        assert!(sheet.header.len() <= limits::MAX_COLUMNS);
        assert!(sheet.rows.len() <= limits::MAX_ROWS);
        for row in &sheet.rows {
            assert!(row.cells.len() <= limits::MAX_COLUMNS);
            cells += row.cells.len();
        }
    }
    assert!(cells <= limits::MAX_CELLS);
}

fn csv_sample() -> Vec<u8> {
    "legal_name;purpose;services\n\"Acme, Ltd\";Hosting;a;b\nSébastien;\"multi\nline\";x\n"
        .as_bytes()
        .to_vec()
}

/// A file changed as a cut upload, a bad disk or a fuzzer changes one: cut short, bits
/// flipped, bytes put in.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = base.len();
    (
        0..=len,
        prop::collection::vec((0..len.max(1), 0u8..8), 0..8),
        prop::collection::vec((0..=len, any::<u8>()), 0..4),
    )
        .prop_map(move |(cut, flips, inserts)| {
            let mut bytes = base.clone();
            for (at, value) in inserts {
                bytes.insert(at.min(bytes.len()), value);
            }
            for (at, bit) in flips {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << bit;
                }
            }
            bytes.truncate(cut.max(1).min(bytes.len()));
            bytes
        })
}

/// A sheet's XML changed at the text level (so that calamine, not the zip check, meets it).
fn mutated_xml() -> impl Strategy<Value = String> {
    let base = cells(&[
        ("A1", "legal_name"),
        ("B1", "purpose"),
        ("A2", "Acme"),
        ("B2", "x"),
        ("C3", "y"),
    ]);
    let base = format!(r#"<dimension ref="A1:C3"/>{base}"#);
    let pieces = prop::sample::select(vec![
        "<",
        ">",
        "\"",
        "r=\"",
        "XFD1048576",
        "0",
        "9999999999",
        "<c r=\"A1\">",
        "</row>",
        "<row r=\"0\">",
        "t=\"s\"",
        "<v>",
        "</v>",
        "<f t=\"shared\" si=\"7\"/>",
        "&amp;",
        "&#0;",
        "<dimension ref=\"B2:A1\"/>",
        "",
    ]);
    (
        prop::collection::vec((0..base.len(), pieces), 0..6),
        prop::collection::vec(0..base.len(), 0..4),
    )
        .prop_map(move |(inserts, cuts)| {
            let mut s = base.clone().into_bytes();
            for (at, piece) in inserts {
                let at = at.min(s.len());
                s.splice(at..at, piece.bytes());
            }
            for at in cuts {
                if at < s.len() {
                    s.remove(at);
                }
            }
            String::from_utf8_lossy(&s).into_owned()
        })
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), xlsx in any::<bool>()) {
        let bytes = if xlsx { [b"PK\x03\x04".as_slice(), &bytes].concat() } else { bytes };
        if let Ok(read) = read_blocking("random", &bytes) {
            within_caps(&read);
        }
    }

    #[test]
    fn mutated_csv_files_never_panic(bytes in mutated(csv_sample())) {
        if let Ok(read) = read_blocking("m.csv", &bytes) {
            within_caps(&read);
        }
    }

    #[test]
    fn mutated_workbooks_never_panic(bytes in mutated(vendors())) {
        if let Ok(read) = read_blocking("m.xlsx", &bytes) {
            within_caps(&read);
        }
    }

    #[test]
    fn mutated_sheet_xml_never_panics(xml in mutated_xml()) {
        let sst = r#"<sst uniqueCount="1"><si><t>shared</t></si></sst>"#;
        if let Ok(read) = read_blocking("x.xlsx", &workbook(&[("S", &xml)], Some(sst))) {
            within_caps(&read);
        }
    }
}
