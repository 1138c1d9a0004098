//! `bench/stamp.sh`'s harness: stamp one PDF as a download through an access would, and say
//! how long it took. `cargo run --release -p app --features ssr --example stamp -- IN OUT TEXT`

use std::time::Instant;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output, text] = args.as_slice() else {
        return Err("usage: stamp IN.pdf OUT.pdf TEXT".into());
    };
    let bytes = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
    let pages = app::files::stamp::check(&bytes).map_err(|e| e.to_string())?;
    let size = bytes.len();
    let started = Instant::now();
    let stamped = app::files::stamp::stamp(bytes, text).map_err(|e| e.to_string())?;
    let took = started.elapsed();
    std::fs::write(output, &stamped).map_err(|e| format!("{output}: {e}"))?;
    println!(
        "stamped {} bytes ({} pages) into {} bytes in {:.3} s",
        size,
        pages,
        stamped.len(),
        took.as_secs_f64()
    );
    Ok(())
}
