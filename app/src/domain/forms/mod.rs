//! Forms as people post them, and the pure functions that turn each into its domain record.
//! Lookups the database holds (our services, the training courses) and today's date are
//! passed in, so every rule here is unit-tested without a database or a clock.

pub mod account;
pub mod evidence;
pub mod vendor;

pub use account::{AccountChange, NewUserForm, PasswordForm, UserForm};
pub use evidence::{
    AssessmentForm, AttestationForm, BulkTrainingForm, ContractForm, Courses, EnrollmentForm,
    RemoveForm, TrainingForm,
};
pub use vendor::{VendorDraft, VendorForm};
