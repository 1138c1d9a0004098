#!/usr/bin/env python3
"""Convert a published sub-processor list (a Markdown page whose tables have the columns
"Name of Subprocessor | Description of Processing | Location of Processing | Corporate
Location", as GitHub publishes its list) into the registry's import CSV.

Each row becomes a vendor: its name (runs of spaces made one), the description as its
purpose, the locations of processing as its countries (English names, which the import reads),
the corporate location as its registration country. A company listed on two rows (GitHub lists
"Microsoft (Azure)" twice, for two purposes) is one vendor: its purposes joined, its countries
together. What the page does not say is given on the command line and is the same for every
row: the services, kind, where the work is done, purpose category, transfer mechanism, data
categories, the day a new vendor takes effect and the day a wider scope does.

    convert.py LIST.md --effective-on 2027-07-01 [--scope-effective-on 2027-07-01] > list.csv
"""

import argparse
import csv
import re
import sys

COLUMNS = [
    "legal_name",
    "purpose",
    "registration_country",
    "processing_countries",
    "services",
    "kind",
    "work_location",
    "purpose_category",
    "transfer_mechanism",
    "data_categories",
    "effective_on",
    "scope_effective_on",
]


def cells(line):
    """The cells of one Markdown table line, trimmed (tabs and runs of spaces made one)."""
    parts = line.strip().strip("|").split("|")
    return [re.sub(r"\s+", " ", p).strip() for p in parts]


def vendors(text):
    """(name, purposes, countries, corporate location) per company, in the page's order."""
    out = {}
    header = None
    for line in text.splitlines():
        if not line.lstrip().startswith("|"):
            header = None
            continue
        row = cells(line)
        if header is None:
            header = [c.lower() for c in row]
            continue
        if all(set(c) <= set("-: ") for c in row):
            continue  # the line under the header
        if not header[0].startswith("name of subprocessor") or len(row) < 4:
            continue
        name, purpose, locations, corporate = row[:4]
        if not name:
            continue
        key = name.lower()
        v = out.setdefault(key, {"name": name, "purposes": [], "countries": [], "corporate": corporate})
        if purpose and purpose not in v["purposes"]:
            v["purposes"].append(purpose)
        for c in (x.strip() for x in locations.split(",")):
            if c and c not in v["countries"]:
                v["countries"].append(c)
    return list(out.values())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("list")
    p.add_argument("--effective-on", required=True)
    p.add_argument("--scope-effective-on", default="")
    p.add_argument("--services", default="compute")
    p.add_argument("--kind", default="third_party")
    p.add_argument("--work-location", default="own_facilities")
    p.add_argument("--purpose-category", default="infrastructure")
    p.add_argument("--transfer-mechanism", default="sccs")
    p.add_argument("--data-categories", default="customer")
    a = p.parse_args()
    with open(a.list, encoding="utf-8") as f:
        found = vendors(f.read())
    if not found:
        sys.exit(f"{a.list}: no table with the column \"Name of Subprocessor\"")
    w = csv.writer(sys.stdout, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for v in found:
        w.writerow([
            v["name"],
            "; ".join(v["purposes"]),
            v["corporate"],
            "; ".join(v["countries"]),
            a.services,
            a.kind,
            a.work_location,
            a.purpose_category,
            a.transfer_mechanism,
            a.data_categories,
            a.effective_on,
            a.scope_effective_on,
        ])


if __name__ == "__main__":
    main()
