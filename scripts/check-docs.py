#!/usr/bin/env python3
"""Every interface a user or a script depends on is documented in docs/.

Checked: each environment variable the server reads (`env = "..."` on a clap argument, or
`env::var("...")` in server or app code), each route of the axum router and of the Leptos
router, and each `server` subcommand (with its nested ones, e.g. `server user create`).
A name counts as documented when it appears anywhere in docs/*.md; route parameters match
by position (`:slug`, `{slug}` and `{id}` are all one placeholder).
Exit 1 with the list of what is missing.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").rglob("*.md")))


def sources(*dirs):
    for d in dirs:
        for p in sorted((ROOT / d).rglob("*.rs")):
            yield p, p.read_text(encoding="utf-8")


def placeholder(path):
    """`/a/:slug/b` and `/a/{slug}/b` both become `/a/{}/b`."""
    path = re.sub(r"\{[^}/]*\}", "{}", path)
    return re.sub(r":[A-Za-z_][A-Za-z0-9_]*", "{}", path)


DOC_ROUTES = placeholder(DOCS)
missing = []

# environment variables
env_vars = set()
for p, text in sources("server/src", "app/src"):
    env_vars.update(re.findall(r'\benv\s*=\s*"([A-Z][A-Z0-9_]+)"', text))
    env_vars.update(re.findall(r'env::var(?:_os)?\(\s*"([A-Z][A-Z0-9_]+)"', text))
for name in sorted(env_vars):
    if not re.search(r"\b" + re.escape(name) + r"\b", DOCS):
        missing.append(f"environment variable {name}")

# routes: string constants first (routes may name them), then the routers
consts = {}
for p, text in sources("server/src", "app/src"):
    for name, value in re.findall(r'const\s+([A-Z_][A-Z0-9_]*)\s*:\s*&str\s*=\s*"(/[^"]*)"', text):
        consts[name] = value
routes = set()
for p, text in sources("server/src"):
    for arg in re.findall(r"\.route\(\s*([^,]+),", text):
        arg = arg.strip()
        if arg.startswith('"'):
            routes.add(arg.strip('"'))
        else:
            name = arg.split("::")[-1].strip()
            if name in consts:
                routes.add(consts[name])
            elif "format!" not in arg:
                missing.append(f"route given by {arg} in {p.relative_to(ROOT)} (not a known constant)")
for p, text in sources("app/src"):
    routes.update(re.findall(r'path!\(\s*"([^"]*)"\s*\)', text))
for route in sorted(routes):
    if route in ("", "/"):
        continue
    shown = placeholder(route)
    if "*" in shown:
        shown = shown.split("*")[0]
    if shown not in DOC_ROUTES:
        missing.append(f"route {route}")

# subcommands of `server`
config = "\n".join(
    f.read_text(encoding="utf-8") for f in sorted((ROOT / "server/src/config").glob("*.rs"))
)


def variants(enum_name):
    m = re.search(r"pub enum " + enum_name + r"\s*\{(.*?)\n\}", config, re.S)
    if not m:
        return []
    body = m.group(1)
    found = []
    depth = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if depth == 0:
            v = re.match(r"([A-Z][A-Za-z0-9]*)\s*(\{|\(|,|$)", stripped)
            if v:
                hidden = False
                found.append(v.group(1))
        depth += line.count("{") - line.count("}")
        depth += line.count("(") - line.count(")") if depth < 0 else 0
    return found


def kebab(name):
    return re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()


hidden = set(re.findall(r"#\[command\(hide = true\)\]\s*\n\s*([A-Z][A-Za-z0-9]*)", config))
nested = dict(re.findall(r"([A-Z][A-Za-z0-9]*)\s*\{\s*#\[command\(subcommand\)\]\s*\w+\s*:\s*(\w+)", config))
for v in variants("Command"):
    if v in hidden:
        continue
    if v in nested:
        for sub in variants(nested[v]):
            phrase = f"server {kebab(v)} {kebab(sub)}"
            if phrase not in DOCS:
                missing.append(f"subcommand `{phrase}`")
    else:
        phrase = f"server {kebab(v)}"
        if not re.search(re.escape(phrase) + r"\b", DOCS):
            missing.append(f"subcommand `{phrase}`")

if missing:
    print("Not documented in docs/:", file=sys.stderr)
    for m in missing:
        print(f"  {m}", file=sys.stderr)
    sys.exit(1)
print(f"docs: {len(env_vars)} variables, {len(routes)} routes and the subcommands are documented")
