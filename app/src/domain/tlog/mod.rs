//! The verifiable registry's log (issue 28): every public change event is a leaf of an
//! append-only Merkle tree hashed as Certificate Transparency's (RFC 9162 §2.1: a leaf is
//! `SHA-256(0x00 || leaf)`, a node `SHA-256(0x01 || left || right)`), whose heads are
//! published as C2SP `tlog-checkpoint` signed notes with Ed25519.
//!
//! Pure functions only: the tree is stored as the hashes of its complete subtrees
//! ([`Node`]s, written once when they complete, never changed), and every head or proof is a
//! combination of a few of them (O(log n)). The store reads the nodes these functions ask for;
//! nothing here touches the database or the clock.

pub mod leaf;
pub mod note;
pub mod tree;

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of a leaf's bytes: `SHA-256(0x00 || leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: the hash of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A complete subtree: the `2^level` leaves from `index * 2^level` on. Its hash is stored
/// once the last of them is appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub level: u8,
    pub index: u64,
}

impl Node {
    /// One integer per node, for the store's key: the index above six bits of level.
    pub fn key(self) -> i64 {
        ((self.index << 6) | u64::from(self.level)) as i64
    }

    pub fn from_key(key: i64) -> Node {
        let key = key as u64;
        Node {
            level: (key & 63) as u8,
            index: key >> 6,
        }
    }
}
