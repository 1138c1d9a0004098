//! Rebuild when a migration is added or changed: `sqlx::migrate!` embeds the folders at compile
//! time, and a stable compiler does not see a new file in them on its own.

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
