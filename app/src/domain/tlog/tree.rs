//! The tree's heads and proofs from its stored complete subtrees, and their verification, as
//! RFC 9162 §2.1 defines them (MTH, PATH, PROOF and the verification algorithms of §2.1.3.2
//! and §2.1.4.2).
//!
//! Each computation takes a `get` that answers a node's stored hash. The same walk with a
//! getter that only records (`needs`) lists the nodes a computation reads, so the store fetches
//! them in one query: the walks depend on the sizes only, never on the hashes.

use super::{empty_root, node_hash, Hash, Node};

/// A node the computation needed and the store did not have (a log not yet that large, or
/// a broken one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missing(pub Node);

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the log has no node at level {} index {}",
            self.0.level, self.0.index
        )
    }
}

pub type Get<'a> = &'a mut dyn FnMut(Node) -> Option<Hash>;

/// The largest power of two below `n` (n > 1).
fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// MTH of the leaves `start..end` (RFC 9162 §2.1.1), from the complete subtrees it is made
/// of: `start` is a multiple of every part's size, as in every range the RFC's recursions ask.
fn mth(start: u64, end: u64, get: Get) -> Result<Hash, Missing> {
    let n = end - start;
    if n.is_power_of_two() && start.is_multiple_of(n) {
        let node = Node {
            level: n.trailing_zeros() as u8,
            index: start / n,
        };
        return get(node).ok_or(Missing(node));
    }
    let k = split(n);
    let left = mth(start, start + k, get)?;
    let right = mth(start + k, end, get)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of `size` leaves.
pub fn root(size: u64, get: Get) -> Result<Hash, Missing> {
    if size == 0 {
        return Ok(empty_root());
    }
    mth(0, size, get)
}

/// The nodes completed by appending the leaf `leaf` at index `size` (the tree had `size`
/// leaves): the leaf itself, and each subtree it closes, from the left siblings in `get`.
pub fn append(size: u64, leaf: Hash, get: Get) -> Result<Vec<(Node, Hash)>, Missing> {
    let mut made = vec![(
        Node {
            level: 0,
            index: size,
        },
        leaf,
    )];
    let (mut level, mut index, mut hash) = (0u8, size, leaf);
    while index % 2 == 1 {
        let sibling = Node {
            level,
            index: index - 1,
        };
        let left = get(sibling).ok_or(Missing(sibling))?;
        hash = node_hash(&left, &hash);
        level += 1;
        index /= 2;
        made.push((Node { level, index }, hash));
    }
    Ok(made)
}

fn path(m: u64, start: u64, end: u64, get: Get, out: &mut Vec<Hash>) -> Result<(), Missing> {
    let n = end - start;
    if n == 1 {
        return Ok(());
    }
    let k = split(n);
    if m - start < k {
        path(m, start, start + k, get, out)?;
        out.push(mth(start + k, end, get)?);
    } else {
        path(m, start + k, end, get, out)?;
        out.push(mth(start, start + k, get)?);
    }
    Ok(())
}

/// The inclusion proof of the leaf at `index` in the tree of `size` leaves (PATH).
pub fn inclusion(index: u64, size: u64, get: Get) -> Result<Vec<Hash>, Missing> {
    let mut out = Vec::new();
    if index < size {
        path(index, 0, size, get, &mut out)?;
    }
    Ok(out)
}

fn subproof(
    m: u64,
    start: u64,
    end: u64,
    whole: bool,
    get: Get,
    out: &mut Vec<Hash>,
) -> Result<(), Missing> {
    let n = end - start;
    if m == n {
        if !whole {
            out.push(mth(start, end, get)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(m, start, start + k, whole, get, out)?;
        out.push(mth(start + k, end, get)?);
    } else {
        subproof(m - k, start + k, end, false, get, out)?;
        out.push(mth(start, start + k, get)?);
    }
    Ok(())
}

/// The consistency proof between the trees of `first` and `second` leaves (PROOF; empty when
/// `first` is 0 or equals `second`).
pub fn consistency(first: u64, second: u64, get: Get) -> Result<Vec<Hash>, Missing> {
    let mut out = Vec::new();
    if 0 < first && first < second {
        subproof(first, 0, second, true, get, &mut out)?;
    }
    Ok(out)
}

/// The nodes a computation reads: `walk` run with a getter that records them.
pub fn needs<T>(walk: impl FnOnce(Get) -> Result<T, Missing>) -> Vec<Node> {
    let mut seen = Vec::new();
    let mut record = |n: Node| {
        seen.push(n);
        Some([0u8; 32])
    };
    let _ = walk(&mut record);
    seen.sort();
    seen.dedup();
    seen
}

/// Whether `proof` shows the leaf hash `leaf` at `index` in the tree of `size` leaves whose
/// root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode, mut r) = (index, size - 1, *leaf);
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && &r == root
}

/// Whether `proof` shows the tree of `second` leaves (root `second_root`) extends the tree
/// of `first` leaves (root `first_root`) (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 {
        return proof.is_empty();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    &fr == first_root && &sr == second_root && snode == 0
}

#[cfg(test)]
mod tests {
    use super::super::leaf_hash;
    use super::*;
    use std::collections::HashMap;

    /// The tree as RFC 9162 §2.1.1 defines MTH, straight from the leaves: the reference the
    /// stored-node computations are checked against.
    fn reference(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference(&leaves[..k]), &reference(&leaves[k..]))
            }
        }
    }

    /// A log of `n` leaves built by `append`, its nodes kept in a map.
    fn built(n: u64) -> (Vec<Hash>, HashMap<Node, Hash>) {
        let mut nodes = HashMap::new();
        let mut leaves = Vec::new();
        for i in 0..n {
            let leaf = leaf_hash(format!("event {i}").as_bytes());
            leaves.push(leaf);
            let made = append(i, leaf, &mut |node| nodes.get(&node).copied()).expect("append");
            nodes.extend(made);
        }
        (leaves, nodes)
    }

    #[test]
    fn heads_from_stored_nodes_match_the_rfc_definition() {
        let (leaves, nodes) = built(70);
        for size in 0..=70u64 {
            let got = root(size, &mut |n| nodes.get(&n).copied()).expect("root");
            assert_eq!(got, reference(&leaves[..size as usize]), "size {size}");
        }
        // a size the log has not reached asks for a node it does not have
        assert!(root(71, &mut |n| nodes.get(&n).copied()).is_err());
    }

    #[test]
    fn every_inclusion_and_consistency_proof_verifies_and_a_wrong_one_does_not() {
        let (leaves, nodes) = built(40);
        let mut get = |n: Node| nodes.get(&n).copied();
        for size in 1..=40u64 {
            let head = root(size, &mut get).expect("root");
            for index in 0..size {
                let proof = inclusion(index, size, &mut get).expect("proof");
                let leaf = leaves[index as usize];
                assert!(
                    verify_inclusion(index, size, &leaf, &proof, &head),
                    "{index}/{size}"
                );
                let other = leaves[((index + 1) % size) as usize];
                if size > 1 {
                    assert!(!verify_inclusion(index, size, &other, &proof, &head));
                }
                assert!(!verify_inclusion(size, size, &leaf, &proof, &head));
            }
            for first in 0..=size {
                let old = root(first, &mut get).expect("root");
                let proof = consistency(first, size, &mut get).expect("proof");
                assert!(
                    verify_consistency(first, size, &old, &head, &proof),
                    "{first}->{size}"
                );
                if 0 < first && first < size {
                    let forged = leaf_hash(b"rewritten");
                    assert!(!verify_consistency(first, size, &forged, &head, &proof));
                    assert!(!verify_consistency(first, size, &old, &forged, &proof));
                }
            }
        }
    }

    /// A batch appended knowing only the subtrees the old tree is made of (what the store
    /// reads) completes the same nodes as appending with the whole tree at hand.
    #[test]
    fn a_batch_needs_only_the_old_trees_own_subtrees() {
        let (leaves, all) = built(60);
        for start in 0..40u64 {
            let frontier = needs(|get| root(start, get));
            let mut known: HashMap<Node, Hash> = frontier.iter().map(|n| (*n, all[n])).collect();
            for index in start..60 {
                let made = append(index, leaves[index as usize], &mut |n| {
                    known.get(&n).copied()
                })
                .expect("the frontier suffices");
                for (node, hash) in made {
                    assert_eq!(all.get(&node), Some(&hash), "{start}: {node:?}");
                    known.insert(node, hash);
                }
            }
        }
    }

    #[test]
    fn a_proof_reads_few_nodes() {
        let million = 1_000_000u64;
        let n = needs(|get| inclusion(123_457, million, get)).len();
        assert!(n <= 40, "{n} nodes for an inclusion proof in a million");
        let n = needs(|get| consistency(500_001, million, get)).len();
        assert!(n <= 40, "{n} nodes for a consistency proof");
        assert!(needs(|get| root(million, get)).len() <= 20);
        assert_eq!(needs(|get| append(7, [0; 32], get)).len(), 3);
    }

    /// The reference vectors of Certificate Transparency's implementations (the eight leaves
    /// of RFC 6962's test data and the root of each prefix).
    #[test]
    fn reference_vectors() {
        let inputs = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ];
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let mut nodes = HashMap::new();
        for (i, input) in inputs.iter().enumerate() {
            let leaf = leaf_hash(&hex::decode(input).expect("hex"));
            let made = append(i as u64, leaf, &mut |n| nodes.get(&n).copied()).expect("append");
            nodes.extend(made);
            let head = root(i as u64 + 1, &mut |n| nodes.get(&n).copied()).expect("root");
            assert_eq!(hex::encode(head), roots[i], "{} leaves", i + 1);
        }
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
