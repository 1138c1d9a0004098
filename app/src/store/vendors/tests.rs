//! Unit tests of the vendors store's SQL fragments.

use super::*;

#[test]
fn the_public_lists_read_every_scope_list_but_the_slugs() {
    let public = public_scope_lists();
    assert!(public.trim_start().starts_with("(SELECT string_agg(s.name"));
    for column in ["AS service_names", "AS countries", "AS categories"] {
        assert!(public.contains(column), "{column}");
    }
    assert!(!public.contains("s.slug"), "{public}");
    assert!(
        SCOPE_LISTS.ends_with(public),
        "the same fragment, less the slugs"
    );
}
