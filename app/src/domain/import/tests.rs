//! Unit tests of `import`, kept beside it (out of the module's own file for its length).

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn header(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| c.to_string()).collect()
}

fn row(cells: &[&str]) -> Row {
    Row {
        line: 2,
        cells: cells.iter().map(|c| c.to_string()).collect(),
    }
}

#[test]
fn headers_are_read_by_name_in_any_order_and_strangers_noted() {
    let (kind, cols, notes) =
        columns(&header(&["Purpose", "legal_name", "Compliance", "colour"])).expect("header");
    assert_eq!(kind, SheetKind::Vendors);
    assert!(cols.has("purpose") && cols.has("legal_name"));
    assert_eq!(
        notes,
        ["Column \"colour\" is not one the registry reads; it was ignored."]
    );
    assert!(columns(&header(&["purpose"]))
        .expect_err("refused")
        .contains("legal_name"));
    assert!(columns(&header(&["slug", "purpose"])).is_ok());
    let (kind, _, _) =
        columns(&header(&["vendor_slug", "legal_name", "country"])).expect("a chain sheet");
    assert_eq!(kind, SheetKind::Chain);
    assert!(columns(&header(&["vendor_slug", "country"]))
        .expect_err("refused")
        .contains("legal_name"));
    assert!(columns(&header(&["legal_name", "legal_name"])).is_err());
    let wide: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    assert!(columns(&wide)
        .expect_err("refused")
        .contains("10000 columns"));
    let (kind, _, _) = columns(&header(&TRAINING_COLUMNS)).expect("training");
    assert_eq!(kind, SheetKind::Training);
}

#[test]
fn cells_refuse_formulas_and_take_back_the_exports_apostrophe() {
    assert_eq!(cell(" Acme ").as_deref(), Ok("Acme"));
    assert_eq!(
        cell("'=HYPERLINK(\"x\")").as_deref(),
        Ok("=HYPERLINK(\"x\")")
    );
    assert_eq!(cell("'plain").as_deref(), Ok("'plain"));
    assert!(cell("=SUM(A1:A3)")
        .expect_err("refused")
        .contains("formula"));
    assert_eq!(cell("+49 30 1234").as_deref(), Ok("+49 30 1234"));
}

#[test]
fn labels_or_codes_names_or_iso_codes_and_lists() {
    let (_, cols, _) = columns(&header(&[
        "legal_name",
        "kind",
        "work_location",
        "services",
        "processing_countries",
        "data_categories",
        "effective_on",
    ]))
    .expect("header");
    let services = vec![("backup".to_string(), "Backup".to_string())];
    let (f, errors) = vendor_form(
        &row(&[
            "Nimbus GmbH",
            "Third party",
            "own_facilities",
            "Backup",
            "Germany; fr",
            "Customer data",
            "2027-06-01",
        ]),
        &cols,
        VendorForm::default(),
        &services,
        d("2026-12-01"),
    );
    assert!(errors.is_empty(), "reads: {errors:?}");
    assert_eq!(
        (f.kind.as_str(), f.work_location.as_str()),
        ("third_party", "own_facilities")
    );
    assert_eq!(f.countries, "DE FR");
    assert!(f.services.contains_key("backup") && f.categories.contains_key("customer"));
    assert_eq!(
        f.announced_on, "2026-12-01",
        "a new vendor is announced today"
    );
    let (form, bad) = vendor_form(
        &row(&[
            "X",
            "Friend",
            "",
            "Mainframes",
            "Atlantis",
            "Secrets",
            "soon",
        ]),
        &cols,
        VendorForm::default(),
        &services,
        d("2026-12-01"),
    );
    assert!(!bad.is_empty(), "refused");
    let columns: Vec<&str> = bad.iter().map(|e| e.column.as_str()).collect();
    assert_eq!(
        columns,
        [
            "kind",
            "services",
            "processing_countries",
            "data_categories",
            "effective_on"
        ]
    );
    assert!(bad.iter().all(|e| e.line == 2));
    // every reason of the row: the form's own (work location missing) joins the cells',
    // and a bad cell is not told again that it is missing
    let form_errors = form.parse(&["backup".to_string()]).expect_err("incomplete");
    let all = refusals(2, bad.clone(), form_errors);
    assert_eq!(&all[..bad.len()], &bad[..], "the cells' errors come first");
    let named: Vec<&str> = all.iter().map(|e| e.column.as_str()).collect();
    assert!(named.contains(&"work_location"), "{named:?}");
    for c in [
        "kind",
        "services",
        "processing_countries",
        "data_categories",
        "effective_on",
    ] {
        assert_eq!(
            named.iter().filter(|n| **n == c).count(),
            1,
            "{c} once: {named:?}"
        );
    }
}

#[test]
fn a_workbook_cell_is_named_by_its_sheet_column_and_line() {
    assert_eq!(cell_name(0, 1), "A1");
    assert_eq!(cell_name(25, 10), "Z10");
    assert_eq!(cell_name(26, 3), "AA3");
    let header: Vec<String> = ["legal_name", "kind"].map(String::from).to_vec();
    let (_, cols, _) = columns(&header).expect("columns");
    let error = |column: &str| CellError {
        line: 7,
        column: column.into(),
        message: "bad".into(),
        cell: None,
    };
    let mut errors = vec![error("kind"), error("services")];
    let mut sheet = Sheet {
        name: "Sub-processors".into(),
        first_column: Some(1),
        ..Default::default()
    };
    name_cells(&sheet, &cols, &mut errors);
    assert_eq!(errors[0].cell.as_deref(), Some("Sub-processors!C7"));
    // a column not in the sheet has no cell; a CSV names none
    assert_eq!(errors[1].cell, None);
    sheet.first_column = None;
    let mut errors = vec![error("kind")];
    name_cells(&sheet, &cols, &mut errors);
    assert_eq!(errors[0].cell, None);
}
