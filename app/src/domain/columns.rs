//! The columns of the registry's CSV, workbook and JSON API, in order: what the export
//! writes and the import reads back. Columns are only ever added at the end.

/// The CSV header, in column order: the JSON keys are the same names.
pub const EXPORT_COLUMNS: [&str; 26] = [
    "legal_name",
    "trading_name",
    "slug",
    "parent_company",
    "registration_country",
    "kind",
    "work_location",
    "purpose_category",
    "purpose",
    "services",
    "processing_countries",
    "data_categories",
    "transfer_mechanism",
    "status",
    "announced_on",
    "effective_on",
    "removed_on",
    "website",
    "privacy_contact",
    "compliance",
    "vpap_enrolled_since",
    "assurance_tier",
    "certifications",
    "bound_by_contract_to",
    // columns are only ever added at the end
    "sub_processors",
    // when an upcoming wider scope takes effect (the editor's field of that name): the
    // import reads it, so an export imports back unchanged
    "scope_effective_on",
];

/// The header of a workbook's second sheet ("Sub-processors"): one row per link of a listed
/// vendor's chain. The import reads it back (`vendor_legal_name` is read past), with an
/// optional `scope_effective_on` for a new link or a wider scope.
pub const LINK_COLUMNS: [&str; 8] = [
    "vendor_slug",
    "vendor_legal_name",
    "legal_name",
    "country",
    "purpose",
    "data_categories",
    "since",
    "list_url",
];
