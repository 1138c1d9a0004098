#!/usr/bin/env python3
"""One mapping from errors to HTTP statuses (issue 25): outside app/src/error.rs no code names an
error status (4xx or 5xx) to answer with. `AppError` carries the meaning; its `status_code` is
the one table, its `IntoResponse` the one answer. Comparing a status read from a response
(`res.status() == StatusCode::NOT_FOUND`) is not answering with it, and test code is skipped
(a file's `#[cfg(test)]` module and everything after it)."""
import pathlib
import re
import sys

ERROR = re.compile(r"StatusCode::([A-Z_]+)")
SUCCESS = {
    "OK", "CREATED", "ACCEPTED", "NO_CONTENT", "PARTIAL_CONTENT", "MOVED_PERMANENTLY",
    "FOUND", "SEE_OTHER", "NOT_MODIFIED", "TEMPORARY_REDIRECT", "PERMANENT_REDIRECT",
}
ALLOWED = {pathlib.Path("app/src/error.rs")}

bad = []
for root in ("app/src", "server/src"):
    for path in sorted(pathlib.Path(root).rglob("*.rs")):
        if path in ALLOWED or path.name == "tests.rs" or "tests" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip() == "#[cfg(test)]":
                break
            code = line.split("//")[0]
            for name in ERROR.findall(code):
                if name in SUCCESS or "==" in code or "!=" in code:
                    continue
                bad.append(f"{path}:{number}: StatusCode::{name}")
            if re.search(r"StatusCode::from_u16\(\s*[45]", code):
                bad.append(f"{path}:{number}: {code.strip()}")
if bad:
    print("An error status is set by hand; return an AppError instead (app/src/error.rs):")
    print("\n".join(bad))
    sys.exit(1)
print("statuses: every error status comes from AppError")
