//! One module per route.

mod not_found;
mod registry;
mod vendor;

pub use not_found::NotFoundPage;
pub use registry::RegistryPage;
pub use vendor::VendorPage;
