//! Property tests of every parser of input: whatever a person or a script sends, the parsers
//! answer (never panic), keep their bounds, and what they accept reads back as itself.

use proptest::prelude::*;

use super::{
    changes::ChangesFilter,
    dates::parse_day,
    forms::{
        AssessmentForm, AttestationForm, BulkTrainingForm, ContractForm, Courses, EnrollmentForm,
        TrainingForm, VendorForm,
    },
    network::{address_key, client_ip, parse_networks},
    RegistryFilter, Slug,
};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 ,.;:/=&%<>-]{0,40}",
        Just(String::new()),
        Just("2026-01-31".to_string()),
    ]
}

/// Query strings made of the filters' own keys with any values, or anything at all.
fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("q"),
        Just("service"),
        Just("country"),
        Just("category"),
        Just("status"),
        Just("compliance"),
        Just("page"),
        Just("as_of"),
        Just("kind"),
        Just("vendor"),
        Just("from"),
        Just("to"),
    ];
    prop_oneof![
        any::<String>(),
        prop::collection::vec((key, text()), 0..30)
            .prop_map(|pairs| { serde_urlencoded::to_string(pairs).unwrap_or_default() }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn registry_filters_answer_and_round_trip(q in query()) {
        let (f, messages) = RegistryFilter::from_query(&q);
        prop_assert!(messages.len() <= super::MAX_MESSAGES + 1);
        prop_assert!(f.page >= 1);
        let (again, _) = RegistryFilter::from_query(&f.to_query(true));
        prop_assert_eq!(again, f);
    }

    #[test]
    fn changes_filters_answer_and_round_trip(q in query()) {
        let (f, messages) = ChangesFilter::from_query(&q);
        prop_assert!(messages.len() <= super::MAX_MESSAGES + 1);
        if let (Some(from), Some(to)) = (f.from, f.to) {
            prop_assert!(from <= to);
        }
        let (again, _) = ChangesFilter::from_query(&f.to_query(true));
        prop_assert_eq!(again, f);
    }

    #[test]
    fn days_parse_only_as_written(s in any::<String>(), y in 1990i32..=2200, m in 1u32..=12, d in 1u32..=28) {
        if let Some(day) = parse_day(&s) {
            prop_assert_eq!(day.to_string(), s.trim());
        }
        let written = format!("{y:04}-{m:02}-{d:02}");
        prop_assert_eq!(parse_day(&written).map(|d| d.to_string()), Some(written));
    }

    #[test]
    fn slugs_from_any_name_are_valid(name in any::<String>()) {
        if let Ok(slug) = Slug::from_name(&name) {
            prop_assert!(Slug::parse(slug.as_str()).is_ok());
        }
    }

    #[test]
    fn vendor_forms_answer_and_keep_their_bounds(
        legal_name in text(), countries in text(), purpose in text(),
        announced in text(), effective in text(), kind in text(), service in text(),
    ) {
        let form = VendorForm {
            legal_name,
            countries,
            purpose,
            announced_on: announced,
            effective_on: effective,
            kind,
            registration_country: "DE".into(),
            work_location: "own_facilities".into(),
            purpose_category: "infrastructure".into(),
            transfer_mechanism: "none".into(),
            services: [(service, "on".to_string())].into(),
            categories: [("support".to_string(), "on".to_string())].into(),
            ..Default::default()
        };
        match form.parse(&["backup".to_string()]) {
            Ok(d) => {
                prop_assert!(!d.vendor.legal_name.is_empty());
                prop_assert!(d.vendor.legal_name.chars().count() <= 200);
                prop_assert!(!d.vendor.legal_name.chars().any(char::is_control));
                prop_assert!(Slug::parse(d.vendor.slug.as_str()).is_ok());
                prop_assert!(d.vendor.lifecycle.validate().is_ok());
                prop_assert!(!d.vendor.countries.is_empty());
            }
            Err(errors) => prop_assert!(!errors.is_empty()),
        }
    }

    #[test]
    fn evidence_forms_answer(a in text(), b in text(), c in text(), d in text()) {
        let today = "2026-06-01".parse().unwrap_or_default();
        let courses = Courses(vec![("Privacy essentials".into(), 12)]);
        let t = TrainingForm {
            person_name: a.clone(), person_email: b.clone(), course: c.clone(),
            completed_on: d.clone(), ..Default::default()
        };
        if let Ok(r) = t.parse(&courses, today) {
            prop_assert!(r.completed_on <= today && r.expires_on > r.completed_on);
        }
        let bulk = BulkTrainingForm { people: a.clone(), course: c.clone(), completed_on: d.clone(), ..Default::default() };
        let _ = bulk.parse(&courses, today);
        let _ = EnrollmentForm { enrolled_on: a.clone(), status: b.clone(), ..Default::default() }.parse();
        if let Ok(r) = (AttestationForm { submitted_on: a.clone(), outcome: b.clone(), approved_on: c.clone(), approved_by: d.clone(), ..Default::default() }).parse() {
            prop_assert!(r.approved_on.is_none_or(|ap| ap >= r.submitted_on));
        }
        if let Ok(r) = (AssessmentForm { kind: "iso27001".into(), assessor: a.clone(), period_start: b.clone(), period_end: c.clone(), issued_on: d.clone(), valid_until: d.clone(), ..Default::default() }).parse() {
            prop_assert!(r.period_end >= r.period_start && r.valid_until >= r.issued_on);
        }
        let _ = ContractForm { kind: a, reference: b, signed_on: c, in_force_from: d, ..Default::default() }.parse();
    }

    #[test]
    fn client_addresses_answer_whatever_is_forwarded(xff in any::<String>(), nets in any::<String>()) {
        let trusted = parse_networks(&nets).unwrap_or_default();
        let peer: std::net::IpAddr = [10, 0, 0, 1].into();
        let ip = client_ip(peer, &[xff.as_str()], &trusted, true);
        prop_assert!(!address_key(ip).is_empty());
    }
}
