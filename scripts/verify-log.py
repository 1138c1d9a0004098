#!/usr/bin/env python3
"""Check a Subprocessor Registry's log from outside, with nothing of the registry's own code.

    python3 scripts/verify-log.py BASE_URL [--key VERIFIER_KEY] [--old-checkpoint FILE]
                                           [--save-checkpoint FILE] [--proofs N]
                                           [--receipt EVENT_ID:LEAF_HASH]
                                           [--max-age-hours H]

Written from the specifications alone (RFC 9162 section 2.1 for the tree and its proofs,
C2SP signed-note, tlog-checkpoint and tlog-cosignature for the checkpoint) with Python's hashlib and the
`cryptography` package's Ed25519, so that a customer, or the registry's own tests, can check
that what the registry publishes agrees:

  1. the newest checkpoint is signed by the key (given with --key, as published in the docs,
     or else read from /.well-known/subprocessors-log-key);
  2. every leaf hashes to its published hash, and the tree of all leaves has the
     checkpoint's root;
  3. the inclusion proofs of the first N events (--proofs, default 20) lead to their signed
     roots;
  4. with --old-checkpoint (a checkpoint kept earlier, say from a notice), the log today
     extends it: its signature, and the consistency proof between the two;
  5. with --receipt (the event id and leaf hash a notice mail or webhook carried), the event's
     leaf has that hash, is in a signed checkpoint by its inclusion proof, and that
     checkpoint is part of the log today by a consistency proof;
  6. the newest checkpoint's timestamp (a C2SP tlog-cosignature/v1 line by the same key,
     made when it was signed and again each day the log did not grow) verifies; with
     --max-age-hours, it must be there and no older than that.

Exit 0 and one line when all agree; exit 1 and the first thing that does not.
"""

import argparse
import base64
import datetime
import hashlib
import json
import sys
import time
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(why):
    print(f"log: FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def get(base, path):
    with urllib.request.urlopen(base.rstrip("/") + path, timeout=30) as r:
        return r.read()


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """RFC 9162 2.1.1, straight from the definition."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    """RFC 9162 2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second or not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_root] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


class Verifier:
    """A signed-note verifier key: <name>+<key id hex>+<base64(0x01 || Ed25519 key)>."""

    def __init__(self, text):
        name, key_id, key = text.strip().split("+", 2)
        raw = base64.b64decode(key)
        if raw[0] != 1 or len(raw) != 33:
            fail(f"{text!r} is not an Ed25519 note key")
        self.name, self.public = name, raw[1:]
        self.id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
        if self.id.hex() != key_id:
            fail(f"the key id of {text!r} does not match its key")
        self.key = Ed25519PublicKey.from_public_bytes(self.public)

    def open(self, note):
        """The note's text, if one of its signatures is this key's and verifies."""
        text, sep, sigs = note.rpartition("\n\n")
        if not sep:
            fail("a signed note has its text, an empty line, then signatures")
        text += "\n"
        for line in sigs.splitlines():
            if not line.startswith("\u2014 "):
                fail(f"{line!r} is not a signature line")
            name, blob = line[2:].split(" ", 1)
            blob = base64.b64decode(blob)
            if name != self.name or blob[:4] != self.id:
                continue
            try:
                self.key.verify(blob[4:], text.encode())
            except InvalidSignature:
                fail(f"the signature by {name} does not verify")
            return text
        fail(f"the note carries no signature by {self.name}")


def timestamp(verifier, note):
    """The newest time (POSIX seconds) of the verifier's tlog-cosignature/v1 lines, or None."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        fail("a signed note has its text, an empty line, then signatures")
    text += "\n"
    cosigner_id = hashlib.sha256(verifier.name.encode() + b"\n" + b"\x04" + verifier.public).digest()[:4]
    newest = None
    for line in sigs.splitlines():
        name, blob = line[2:].split(" ", 1)
        blob = base64.b64decode(blob)
        if name != verifier.name or len(blob) != 4 + 8 + 64 or blob[:4] != cosigner_id:
            continue
        at = int.from_bytes(blob[4:12], "big")
        message = f"cosignature/v1\ntime {at}\n{text}".encode()
        try:
            verifier.key.verify(blob[12:], message)
        except InvalidSignature:
            fail(f"the timestamp {at} by {name} does not verify")
        newest = at if newest is None else max(newest, at)
    return newest


def checkpoint(verifier, note):
    lines = verifier.open(note).split("\n")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2])
    if len(root) != 32:
        fail("a checkpoint's root is not a SHA-256 hash")
    return origin, size, root


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base")
    ap.add_argument("--key")
    ap.add_argument("--old-checkpoint")
    ap.add_argument("--save-checkpoint")
    ap.add_argument("--proofs", type=int, default=20)
    ap.add_argument("--receipt")
    ap.add_argument("--max-age-hours", type=float)
    a = ap.parse_args()
    keys = [a.key] if a.key else get(a.base, "/.well-known/subprocessors-log-key").decode().split()
    verifiers = [Verifier(k) for k in keys]
    verifier = verifiers[0]
    note = get(a.base, "/api/v1/log/checkpoint").decode()
    origin, size, root = checkpoint(verifier, note)
    stamped = timestamp(verifier, note)
    if a.max_age_hours is not None:
        if stamped is None:
            fail("the newest checkpoint carries no timestamp")
        age = time.time() - stamped
        if age > a.max_age_hours * 3600:
            fail(f"the newest checkpoint was last timestamped {age / 3600:.1f} hours ago")
    if a.save_checkpoint:
        with open(a.save_checkpoint, "w") as f:
            f.write(note)

    leaves = []
    for start in range(0, size, 1000):
        end = min(size, start + 1000)
        page = json.loads(get(a.base, f"/api/v1/log/leaves?start={start}&end={end}"))
        for i, leaf in enumerate(page):
            if leaf["index"] != start + i:
                fail(f"leaf {start + i} is missing")
            h = leaf_hash(leaf["leaf"].encode())
            if base64.b64encode(h).decode() != leaf["leaf_hash"]:
                fail(f"leaf {leaf['index']} does not hash to its published hash")
            if json.loads(leaf["leaf"])["id"] != leaf["event_id"]:
                fail(f"leaf {leaf['index']} is not the event it is listed as")
            leaves.append(h)
    if len(leaves) != size or mth(leaves) != root:
        fail(f"the {len(leaves)} published leaves do not make the checkpoint's root")

    for leaf in json.loads(get(a.base, f"/api/v1/log/leaves?start=0&end={min(size, a.proofs) or 1}"))[: a.proofs]:
        p = json.loads(get(a.base, f"/api/v1/log/events/{leaf['event_id']}/proof"))
        _, psize, proot = checkpoint(verifier, p["checkpoint"])
        ok = verify_inclusion(
            p["leaf_index"], psize, leaf_hash(p["leaf"].encode()),
            [base64.b64decode(x) for x in p["proof"]], proot,
        )
        if not ok or p["tree_size"] != psize:
            fail(f"the inclusion proof of event {leaf['event_id']} does not lead to its root")

    if a.old_checkpoint:
        with open(a.old_checkpoint) as f:
            old = f.read()
        old_verifier = next((v for v in verifiers if f"\u2014 {v.name} " in old), verifier)
        old_origin, old_size, old_root = checkpoint(old_verifier, old)
        if old_origin != origin:
            fail(f"the old checkpoint is of another log ({old_origin})")
        c = json.loads(get(a.base, f"/api/v1/log/consistency?first={old_size}&second={size}"))
        proof = [base64.b64decode(x) for x in c["proof"]]
        if not verify_consistency(old_size, size, old_root, root, proof):
            fail(f"the log of {size} leaves does not extend the old checkpoint of {old_size}")

    if a.receipt:
        event, _, held = a.receipt.partition(":")
        p = json.loads(get(a.base, f"/api/v1/log/events/{int(event)}/proof"))
        h = leaf_hash(p["leaf"].encode())
        if base64.b64encode(h).decode() != held:
            fail(f"event {event}'s leaf does not have the receipt's hash {held}")
        _, psize, proot = checkpoint(verifier, p["checkpoint"])
        path = [base64.b64decode(x) for x in p["proof"]]
        if not verify_inclusion(p["leaf_index"], psize, h, path, proot):
            fail(f"event {event}'s inclusion proof does not lead to its checkpoint's root")
        if psize < size:
            c = json.loads(get(a.base, f"/api/v1/log/consistency?first={psize}&second={size}"))
            proof = [base64.b64decode(x) for x in c["proof"]]
            if not verify_consistency(psize, size, proot, root, proof):
                fail(f"the checkpoint proving event {event} is not part of the log today")
        print(f"log: receipt OK: event {event} is leaf {p['leaf_index']} of the signed log")

    when = "not timestamped" if stamped is None else "timestamped " + datetime.datetime.fromtimestamp(
        stamped, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"log: OK: {origin}, {size} leaves, root {base64.b64encode(root).decode()}, {when}")


if __name__ == "__main__":
    main()
