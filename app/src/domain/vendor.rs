//! Fixed vocabularies of the vendor record. Codes are stored and exported; labels are shown.

use super::vocabulary::vocabulary;

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
