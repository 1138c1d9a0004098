//! The vendor record and its fixed vocabularies. Codes are stored and exported; labels are shown.

use super::{vocabulary::vocabulary, CountryCode, DataCategory, Lifecycle, Slug};

/// A validated vendor record, ready to store (built from its form by `forms::vendor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVendor {
    pub slug: Slug,
    pub legal_name: String,
    pub trading_name: Option<String>,
    pub parent_company: Option<String>,
    pub registration_country: CountryCode,
    pub website: Option<String>,
    pub privacy_contact: Option<String>,
    pub kind: VendorKind,
    pub work_location: WorkLocation,
    pub purpose_category: PurposeCategory,
    pub purpose: String,
    pub transfer_mechanism: TransferMechanism,
    pub lifecycle: Lifecycle,
    /// Our services it supports, by slug (each one known to the registry).
    pub services: Vec<Slug>,
    pub countries: Vec<CountryCode>,
    pub categories: Vec<DataCategory>,
}

impl NewVendor {
    /// The same record, whatever the order of its lists (what an import compares).
    pub fn same_as(&self, other: &NewVendor) -> bool {
        let mut a = self.clone();
        let mut b = other.clone();
        for v in [&mut a, &mut b] {
            v.services.sort_by(|x, y| x.as_str().cmp(y.as_str()));
            v.countries.sort_by(|x, y| x.as_str().cmp(y.as_str()));
            v.categories.sort();
        }
        a == b
    }

    /// Lower-cased legal and trading names, for search that behaves the same on both databases.
    pub fn search_text(&self) -> String {
        format!(
            "{} {}",
            self.legal_name.to_lowercase(),
            self.trading_name.as_deref().unwrap_or("").to_lowercase()
        )
    }
}

vocabulary!(
    /// Whether the vendor belongs to our group.
    VendorKind, "vendor kind", {
    Affiliate => ("affiliate", "Affiliate"),
    ThirdParty => ("third_party", "Third party"),
});

vocabulary!(
    /// Where the vendor's people work; decides which privacy-standards obligation applies.
    WorkLocation, "work location", {
    OurFacilities => ("our_facilities", "In our facilities / on our equipment"),
    OwnFacilities => ("own_facilities", "In their own facilities"),
});

vocabulary!(
    /// Why the vendor processes data, from a fixed list.
    PurposeCategory, "purpose category", {
    Infrastructure => ("infrastructure", "Infrastructure and hosting"),
    CustomerSupport => ("customer_support", "Customer support"),
    Communications => ("communications", "Communications and email"),
    Payments => ("payments", "Payment processing"),
    Security => ("security", "Security and fraud prevention"),
    Analytics => ("analytics", "Analytics"),
    Engineering => ("engineering", "Engineering services"),
    Professional => ("professional", "Professional services"),
});

vocabulary!(
    /// The legal basis for transferring data out of the EEA.
    TransferMechanism, "transfer mechanism", {
    NotApplicable => ("none", "No transfer outside the EEA"),
    Adequacy => ("adequacy", "Adequacy decision"),
    Sccs => ("sccs", "Standard contractual clauses"),
    Bcrs => ("bcrs", "Binding corporate rules"),
    Dpf => ("dpf", "EU-U.S. Data Privacy Framework"),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_is_refused() {
        for v in WorkLocation::ALL {
            assert_eq!(WorkLocation::parse(v.code()), Ok(*v));
        }
        for v in PurposeCategory::ALL {
            assert_eq!(PurposeCategory::parse(v.code()), Ok(*v));
        }
        assert_eq!(
            TransferMechanism::parse("sccs"),
            Ok(TransferMechanism::Sccs)
        );
        assert!(VendorKind::parse("partner").is_err());
    }
}
