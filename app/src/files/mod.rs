//! The one reader of uploaded files: the import (the upload and `server import`) and, later,
//! evidence uploads read every file through [`read`]. A file is read on a blocking thread,
//! at most [`limits::READERS`] at a time in a process, never on an async worker; and under
//! the caps of [`limits`], refusing as soon as one is passed with a sentence that says which.

pub mod limits;
#[cfg(feature = "ssr")]
pub mod sniff;
#[cfg(feature = "ssr")]
pub mod stamp;

#[cfg(feature = "ssr")]
mod csv;
#[cfg(feature = "ssr")]
mod read;
#[cfg(feature = "ssr")]
pub(crate) mod text;
#[cfg(feature = "ssr")]
mod xlsx;
#[cfg(feature = "ssr")]
mod zipped;

#[cfg(feature = "ssr")]
pub use read::{read, read_blocking, Contents};

#[cfg(all(test, feature = "ssr"))]
mod tests;
