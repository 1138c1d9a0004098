//! One module per route.

mod manage;
mod not_found;
mod registry;
mod vendor;

pub use manage::ManageVendorPage;
pub use not_found::NotFoundPage;
pub use registry::RegistryPage;
pub use vendor::VendorPage;
