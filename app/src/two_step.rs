//! Two-step sign-in: time-based one-time passwords (RFC 6238, with the `totp-rs` crate: SHA-1,
//! 6 digits, 30-second steps, one step of clock skew each way) and recovery codes. A code is
//! accepted once: the step it matched is kept, and that step or an earlier one is refused.
//! Server-only.

use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

/// How the authenticator app names us.
pub const ISSUER: &str = "Subprocessor Registry";
/// Recovery codes given out at a time.
pub const RECOVERY_CODES: usize = 10;

/// A fresh random secret (160 bits), base32 as authenticator apps take it.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn totp(secret: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_url(secret: &str, account: &str) -> Option<String> {
    totp(secret, account)?.to_url().ok()
}

/// The QR code of `data` as an SVG image (no script, no external reference).
pub fn qr_svg(data: &str) -> Option<String> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

/// The time step `code` matches at `unix_time`, if it does and that step is later than
/// `last_step` (the one used last). Spaces in the code are ignored.
pub fn check_code(secret: &str, code: &str, unix_time: u64, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = totp(secret, "check")?.check(&code, unix_time)?;
    let step = i64::try_from(step).ok()?;
    last_step.is_none_or(|last| step > last).then_some(step)
}

/// The code an authenticator shows at `unix_time` (tests sign in with it).
pub fn code_at(secret: &str, unix_time: u64) -> Option<String> {
    Some(totp(secret, "code")?.generate(unix_time).to_string())
}

/// Fresh recovery codes, e.g. `k7q2-mx9d-4hpt`: 60 random bits each, easy to type.
pub fn new_recovery_codes() -> Vec<String> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 12];
            OsRng.fill_bytes(&mut bytes);
            let chars: Vec<char> = bytes
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect();
            format!(
                "{}-{}-{}",
                chars[..4].iter().collect::<String>(),
                chars[4..8].iter().collect::<String>(),
                chars[8..].iter().collect::<String>()
            )
        })
        .collect()
}

/// What is stored for a recovery code: the SHA-256 of it without dashes or spaces, lower case
/// (the codes are random, so a fast hash is enough).
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// Whether `code` looks like a recovery code rather than a six-digit one.
pub fn is_recovery_code(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 12
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_good_once_and_within_one_step() {
        let secret = new_secret();
        let t = 1_790_000_000;
        let code = code_at(&secret, t).expect("code");
        let step = check_code(&secret, &code, t, None).expect("accepted");
        assert_eq!(step, (t / 30) as i64);
        // the same code again (a replay) is refused, a later one is not
        assert_eq!(check_code(&secret, &code, t + 5, Some(step)), None);
        let next = code_at(&secret, t + 30).expect("code");
        assert_eq!(
            check_code(&secret, &next, t + 30, Some(step)),
            Some(step + 1)
        );
        // one step of skew each way, no more
        assert!(check_code(&secret, &code, t + 30, None).is_some());
        assert_eq!(check_code(&secret, &code, t + 95, None), None);
        assert_eq!(check_code(&secret, "12345", t, None), None);
        assert_eq!(check_code(&secret, "abcdef", t, None), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(check_code(&secret, &spaced, t, None).is_some());
    }

    #[test]
    fn the_qr_code_carries_the_otpauth_address() {
        let secret = new_secret();
        let url = otpauth_url(&secret, "kim@example.test").expect("url");
        assert!(
            url.starts_with("otpauth://totp/Subprocessor%20Registry:kim%40example.test?"),
            "{url}"
        );
        assert!(url.contains(&format!("secret={secret}")), "{url}");
        let svg = qr_svg(&url).expect("svg");
        assert!(svg.contains("<svg") && !svg.contains("<script"));
    }

    #[test]
    fn recovery_codes_are_random_typable_and_hashed_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| c.len() == 14 && is_recovery_code(c)));
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
        assert_eq!(
            recovery_hash("K7Q2-MX9D-4HPT"),
            recovery_hash(" k7q2 mx9d 4hpt ")
        );
        assert!(!is_recovery_code("123456"));
    }
}
