//! Checkpoints (C2SP `tlog-checkpoint`) and their signatures (C2SP `signed-note`, Ed25519),
//! byte for byte as Go's `golang.org/x/mod/sumdb/note` writes and reads them, so a customer
//! can check one with standard tools.
//!
//! - A checkpoint's text: the origin, the tree size in decimal and the root hash in standard
//!   base64, each on its own line ending in `\n`.
//! - A signed note: the text, an empty line, then one line per signature:
//!   `— <key name> <base64(key id (4 bytes, big-endian) || Ed25519 signature of the text)>\n`.
//! - A key id: the first four bytes of `SHA-256(key name || "\n" || 0x01 || public key)`.
//! - A verifier key: `<name>+<key id, 8 hex digits>+<base64(0x01 || public key)>`; a signer
//!   key (`LOG_SIGNING_KEY`): `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || 32-byte seed)>`.
//! - A timestamp (C2SP `tlog-cosignature/v1`, made by the log's own key at least daily, so a
//!   checkpoint says how recently the log stood at that size): one more signature line,
//!   `— <key name> <base64(cosigner key id || time (8 bytes, big-endian) || signature)>`,
//!   where the signature is Ed25519 over `cosignature/v1\ntime <time>\n` followed by the
//!   checkpoint's text, the time is POSIX seconds, and the cosigner key id is the key id
//!   computed with the algorithm byte 0x04 instead of 0x01.

use base64::{engine::general_purpose::STANDARD, Engine};
use ed25519_dalek::{Signer, Verifier as _};
use sha2::{Digest, Sha256};

use super::Hash;

/// The algorithm byte of an Ed25519 key in a note key.
const ED25519: u8 = 0x01;
/// The algorithm byte of an Ed25519 cosigner key (C2SP `tlog-cosignature`).
const COSIGNATURE_V1: u8 = 0x04;
const DASH: &str = "\u{2014} ";

/// Why a key, checkpoint or note was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteError(pub String);

impl std::fmt::Display for NoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn refuse<T>(why: impl Into<String>) -> Result<T, NoteError> {
    Err(NoteError(why.into()))
}

/// A key name: not empty, no space, no `+`, no line break.
fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return refuse(format!(
            "{name:?} is not a key name: it must be non-empty, without spaces or '+'"
        ));
    }
    Ok(())
}

/// The key id of `name`'s Ed25519 public key.
pub fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    id_of(name, ED25519, public)
}

/// The key id of `name`'s Ed25519 key as a `tlog-cosignature/v1` cosigner.
pub fn cosigner_id(name: &str, public: &[u8; 32]) -> u32 {
    id_of(name, COSIGNATURE_V1, public)
}

fn id_of(name: &str, algorithm: u8, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([algorithm]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// What a `tlog-cosignature/v1` signature signs: a header line, the time line, then the
/// checkpoint's text.
fn cosigned(text: &str, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{text}")
}

/// A signed note's text (up to and with the line break before the empty line) and its
/// signature lines.
fn split_note(note: &str) -> Result<(&str, &str), NoteError> {
    let Some(split) = note.rfind("\n\n") else {
        return refuse("a signed note is its text, an empty line and its signatures");
    };
    let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
    if !signatures.ends_with('\n') {
        return refuse("a signature line ends with a line break");
    }
    Ok((text, signatures))
}

/// A signature line's key name and decoded blob.
fn signature_line(line: &str) -> Result<(&str, Vec<u8>), NoteError> {
    let Some((name, blob)) = line.strip_prefix(DASH).and_then(|r| r.split_once(' ')) else {
        return refuse(format!("{line:?} is not a signature line"));
    };
    let Ok(blob) = STANDARD.decode(blob) else {
        return refuse("a signature is not base64");
    };
    Ok((name, blob))
}

/// The head of the log: what a checkpoint says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The checkpoint's text (what is signed).
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// A checkpoint's text read back (extension lines after the root are allowed and skipped).
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or_default();
        let size = lines.next().unwrap_or_default();
        let root = lines.next().unwrap_or_default();
        if origin.is_empty() || !text.ends_with('\n') {
            return refuse("a checkpoint is an origin, a size and a root hash, each on a line");
        }
        if size.is_empty() || (size.len() > 1 && size.starts_with('0')) {
            return refuse(format!("{size:?} is not a tree size"));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| NoteError(format!("{size:?} is not a tree size")))?;
        let root: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| NoteError(format!("{root:?} is not a base64 SHA-256 hash")))?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

/// The log's signing key (from `LOG_SIGNING_KEY`, never from the database).
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    key: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignerKey({})", self.verifier().encode())
    }
}

impl SignerKey {
    /// A key named `name` from 32 random bytes.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<SignerKey, NoteError> {
        check_name(name)?;
        Ok(SignerKey {
            name: name.to_string(),
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// `PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>`, as Go's `note.GenerateKey`
    /// writes it.
    pub fn parse(encoded: &str) -> Result<SignerKey, NoteError> {
        let bad = || NoteError("not a signer key: PRIVATE+KEY+<name>+<key id>+<key>".into());
        let rest = encoded
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(bad)?;
        // split from the left: a name has no '+', base64 may
        let mut parts = rest.splitn(3, '+');
        let (name, id, key) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let bytes = STANDARD.decode(key).map_err(|_| bad())?;
        let seed: [u8; 32] = match bytes.split_first() {
            Some((&ED25519, seed)) => seed.try_into().map_err(|_| bad())?,
            _ => return refuse("the signer key is not an Ed25519 key"),
        };
        let signer = SignerKey::from_seed(name, seed)?;
        if format!("{:08x}", signer.id()) != id {
            return refuse("the signer key's id does not match its key");
        }
        Ok(signer)
    }

    pub fn encode(&self) -> String {
        let mut bytes = vec![ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id(),
            STANDARD.encode(bytes)
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        key_id(&self.name, self.key.verifying_key().as_bytes())
    }

    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// `text` (ending in a line break) as a signed note with this key's signature.
    pub fn sign(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes());
        let mut blob = self.id().to_be_bytes().to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{text}\n{DASH}{} {}\n", self.name, STANDARD.encode(blob))
    }

    /// A `tlog-cosignature/v1` line by this key over `text` (a checkpoint's text) at `time`
    /// (POSIX seconds): appended to the checkpoint's signed note, it says that at that time
    /// the log stood at that checkpoint.
    pub fn timestamp(&self, text: &str, time: u64) -> String {
        let signature = self.key.sign(cosigned(text, time).as_bytes());
        let public = self.key.verifying_key();
        let mut blob = cosigner_id(&self.name, public.as_bytes())
            .to_be_bytes()
            .to_vec();
        blob.extend_from_slice(&time.to_be_bytes());
        blob.extend_from_slice(&signature.to_bytes());
        format!("{DASH}{} {}\n", self.name, STANDARD.encode(blob))
    }
}

/// A published key that checks the log's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    /// `<name>+<key id>+<base64(0x01 || public key)>`.
    pub fn parse(encoded: &str) -> Result<VerifierKey, NoteError> {
        let bad = || NoteError("not a verifier key: <name>+<key id>+<key>".into());
        let mut parts = encoded.trim().splitn(3, '+');
        let (name, id, key) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        check_name(name)?;
        let bytes = STANDARD.decode(key).map_err(|_| bad())?;
        let public: [u8; 32] = match bytes.split_first() {
            Some((&ED25519, public)) => public.try_into().map_err(|_| bad())?,
            _ => return refuse("the verifier key is not an Ed25519 key"),
        };
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public).map_err(|_| bad())?;
        let verifier = VerifierKey {
            name: name.to_string(),
            key,
        };
        if format!("{:08x}", verifier.id()) != id {
            return refuse("the verifier key's id does not match its key");
        }
        Ok(verifier)
    }

    pub fn encode(&self) -> String {
        let mut bytes = vec![ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id(), STANDARD.encode(bytes))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> u32 {
        key_id(&self.name, self.key.as_bytes())
    }

    /// The text of `note` if it carries a good signature by this key (other signatures are
    /// allowed and not checked).
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let (text, signatures) = split_note(note)?;
        for line in signatures.lines() {
            let (name, blob) = signature_line(line)?;
            if name != self.name || blob.len() != 4 + 64 || blob[..4] != self.id().to_be_bytes() {
                continue;
            }
            let signature = ed25519_dalek::Signature::from_slice(&blob[4..])
                .map_err(|_| NoteError("a malformed signature".into()))?;
            return match self.key.verify(text.as_bytes(), &signature) {
                Ok(()) => Ok(text),
                Err(_) => refuse(format!("the signature by {} does not verify", self.name)),
            };
        }
        refuse(format!("the note carries no signature by {}", self.name))
    }

    /// The newest time of this key's `tlog-cosignature/v1` lines on `note` (`None` when it
    /// carries none); a line by this key that does not verify is refused.
    pub fn timestamp(&self, note: &str) -> Result<Option<u64>, NoteError> {
        let (text, signatures) = split_note(note)?;
        let id = cosigner_id(&self.name, self.key.as_bytes()).to_be_bytes();
        let mut newest = None;
        for line in signatures.lines() {
            let (name, blob) = signature_line(line)?;
            if name != self.name || blob.len() != 4 + 8 + 64 || blob[..4] != id {
                continue;
            }
            let time = u64::from_be_bytes(
                blob[4..12]
                    .try_into()
                    .map_err(|_| NoteError("a malformed timestamp".into()))?,
            );
            if time > i64::MAX as u64 {
                return refuse("a timestamp past 2^63 - 1");
            }
            let signature = ed25519_dalek::Signature::from_slice(&blob[12..])
                .map_err(|_| NoteError("a malformed signature".into()))?;
            if self
                .key
                .verify(cosigned(text, time).as_bytes(), &signature)
                .is_err()
            {
                return refuse(format!(
                    "the timestamp by {} of {time} does not verify",
                    self.name
                ));
            }
            newest = newest.max(Some(time));
        }
        Ok(newest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SignerKey {
        SignerKey::from_seed("registry.example/log", [7u8; 32]).expect("key")
    }

    #[test]
    fn keys_go_out_and_come_back_as_go_writes_them() {
        let k = key();
        let encoded = k.encode();
        assert!(
            encoded.starts_with("PRIVATE+KEY+registry.example/log+"),
            "{encoded}"
        );
        let back = SignerKey::parse(&encoded).expect("parse");
        assert_eq!(back.encode(), encoded);
        let v = VerifierKey::parse(&k.verifier().encode()).expect("verifier");
        assert_eq!(v, k.verifier());
        // a key whose id was edited is refused, as is a key of another kind
        let tampered = encoded.replacen(&format!("{:08x}", k.id()), "00000000", 1);
        assert!(SignerKey::parse(&tampered).is_err());
        assert!(SignerKey::parse("PRIVATE+KEY+a+b").is_err());
        assert!(SignerKey::from_seed("two words", [1; 32]).is_err());
        assert!(VerifierKey::parse("registry+00000000+AQ==").is_err());
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_key_only_and_untouched() {
        let c = Checkpoint {
            origin: "registry.example/log".into(),
            size: 42,
            root: [9u8; 32],
        };
        let text = c.text();
        assert_eq!(
            text,
            "registry.example/log\n42\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n"
        );
        let note = key().sign(&text);
        assert!(note.starts_with(&format!("{text}\n\u{2014} registry.example/log ")));
        let opened = key().verifier().open(&note).expect("opens");
        assert_eq!(Checkpoint::parse(opened).expect("parse"), c);
        let other = SignerKey::from_seed("registry.example/log", [8u8; 32]).expect("key");
        assert!(other.verifier().open(&note).is_err());
        let forged = note.replacen("\n42\n", "\n43\n", 1);
        assert!(key().verifier().open(&forged).is_err());
        assert!(Checkpoint::parse("origin\n042\nAA==\n").is_err());
        assert!(Checkpoint::parse("origin\n4\nAA==\n").is_err());
    }

    #[test]
    fn a_timestamp_line_says_when_and_opens_beside_the_signature() {
        let k = key();
        let c = Checkpoint {
            origin: "registry.example/log".into(),
            size: 42,
            root: [9u8; 32],
        };
        let text = c.text();
        let note = k.sign(&text);
        let v = k.verifier();
        assert_eq!(v.timestamp(&note), Ok(None));
        let stamped = format!("{note}{}", k.timestamp(&text, 1_700_000_000));
        let later = format!("{stamped}{}", k.timestamp(&text, 1_700_086_400));
        // the log's own signature still opens, the newest time is read
        assert_eq!(v.open(&later), Ok(text.as_str()));
        assert_eq!(v.timestamp(&stamped), Ok(Some(1_700_000_000)));
        assert_eq!(v.timestamp(&later), Ok(Some(1_700_086_400)));
        // what is signed is the C2SP message: header, time line, checkpoint text
        let line = k.timestamp(&text, 7);
        let blob = STANDARD
            .decode(line.trim_end().rsplit(' ').next().expect("blob"))
            .expect("base64");
        assert_eq!(blob.len(), 76);
        assert_eq!(&blob[4..12], &7u64.to_be_bytes());
        let sig = ed25519_dalek::Signature::from_slice(&blob[12..]).expect("sig");
        let message = format!("cosignature/v1\ntime 7\n{text}");
        assert!(ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
            .verifying_key()
            .verify(message.as_bytes(), &sig)
            .is_ok());
        // a time changed after signing, or another key's line, is refused or ignored
        let forged = {
            let mut b = blob.clone();
            b[11] ^= 1;
            format!("{note}{DASH}registry.example/log {}\n", STANDARD.encode(b))
        };
        assert!(v.timestamp(&forged).is_err());
        let other = SignerKey::from_seed("registry.example/log", [8u8; 32]).expect("key");
        let foreign = format!("{note}{}", other.timestamp(&text, 9));
        assert_eq!(v.timestamp(&foreign), Ok(None));
    }

    /// The reference vector of Go's `golang.org/x/mod/sumdb/note` tests (its PeterNeumann key
    /// and note): opened and signed byte for byte alike, so the format is the standard one.
    #[test]
    fn the_go_reference_note_opens() {
        let v = VerifierKey::parse(
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        )
        .expect("the reference verifier key");
        let note = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let text = v.open(note).expect("opens");
        assert!(text.starts_with("If you think cryptography"));
        // and its signer key signs the text into the very same bytes
        let signer = SignerKey::parse(
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        )
        .expect("the reference signer key");
        assert_eq!(signer.verifier(), v);
        assert_eq!(signer.sign(text), note);
    }
}
