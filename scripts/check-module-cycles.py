#!/usr/bin/env python3
"""Fail if the modules of a crate import each other in a cycle.

For every file under the given source folder (default app/src) this reads its `use` items
and inline `crate::`/`super::` paths, resolves them to module paths, and records an edge
between the two sibling modules where importer and imported part (`api::evidence` ->
`registry` is an edge api -> registry at the top level). Any cycle among siblings, at any
level, is printed and makes the exit status 1. A parent and its children are not siblings:
`use super::*` in a child is fine.

    scripts/check-module-cycles.py [SRC]
"""

import os
import re
import sys


def module_path(src, path):
    rel = os.path.relpath(path, src)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return rel


def expand(tree):
    """`a::{b, c::{d}}` -> ['a::b', 'a::c::d']"""
    tree = tree.strip()
    depth, start = 0, None
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                prefix = tree[:start]
                inner = tree[start + 1 : i]
                parts, d, last = [], 0, 0
                for j, c in enumerate(inner):
                    if c in "{":
                        d += 1
                    elif c == "}":
                        d -= 1
                    elif c == "," and d == 0:
                        parts.append(inner[last:j])
                        last = j + 1
                parts.append(inner[last:])
                out = []
                for p in parts:
                    if p.strip():
                        out.extend(expand(prefix + p.strip()))
                return out
    return [tree]


def resolve(me, path):
    segs = [s for s in path.replace(" ", "").split("::") if s]
    if not segs:
        return None
    if segs[0] == "crate":
        base, rest = [], segs[1:]
    elif segs[0] in ("super", "self"):
        base, rest = list(me), segs
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    else:
        return None
    out = base + [r for r in rest if re.match(r"^[a-z_][a-z0-9_]*$", r)]
    return out


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "app/src"
    edges = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            me = module_path(src, path)
            text = open(path, encoding="utf-8").read()
            text = re.sub(r"//[^\n]*", "", text)
            paths = []
            for m in re.finditer(r"\buse\s+([^;]+);", text):
                for p in expand(m.group(1)):
                    paths.append(re.sub(r"\s+as\s+\w+$", "", p).strip())
            paths += re.findall(r"\b((?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)+)", text)
            for p in paths:
                target = resolve(me, p)
                if target is None:
                    continue
                i = 0
                while i < len(me) and i < len(target) and me[i] == target[i]:
                    i += 1
                if i < len(me) and i < len(target):
                    a, b = tuple(me[: i + 1]), tuple(target[: i + 1])
                    edges.setdefault(a, set()).add(b)
    # cycles: depth-first search over the sibling graph
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif not state.get(nxt):
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if not state.get(node):
            visit(node, [])
    for c in cycles:
        print("module cycle: " + " -> ".join("::".join(n) for n in c))
    if cycles:
        return 1
    print(f"no module cycles in {src} ({sum(len(v) for v in edges.values())} sibling imports)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
