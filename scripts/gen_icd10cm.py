#!/usr/bin/env python3
"""Generates crates/settle-domain/data/icd10cm.tsv.gz from the CDC/NCHS
ICD-10-CM tabular list that the PyPI package simple-icd-10-cm carries.

ICD-10-CM is a work of the US government (CDC's National Center for Health
Statistics), in the public domain. Each line: code (no dot), 1 if billable
(a leaf: valid on a claim) else 0, description. The first line records the
source.

    pip install simple-icd-10-cm==1.5.0 && python3 scripts/gen_icd10cm.py
"""
import gzip
import os
import sys

import simple_icd_10_cm as cm

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "crates", "settle-domain", "data", "icd10cm.tsv.gz")
data_dir = os.path.join(os.path.dirname(cm.__file__), "data")
tabular = sorted(f for f in os.listdir(data_dir) if f.startswith("icd10c-tabular"))
source = tabular[-1] if tabular else "unknown"
lines = []
for code in cm.get_all_codes(with_dots=False):
    if cm.is_chapter_or_block(code):
        continue
    description = " ".join(cm.get_description(code).split())
    lines.append(f"{code}\t{1 if cm.is_leaf(code) else 0}\t{description}")
from importlib.metadata import version
header = f"# ICD-10-CM from CDC/NCHS {source} via simple-icd-10-cm {version('simple_icd_10_cm')}; public domain"
with gzip.GzipFile(out, "wb", mtime=0) as f:
    f.write(("\n".join([header] + lines) + "\n").encode("utf-8"))
print(f"{len(lines)} codes ({sum(1 for l in lines if l.split(chr(9))[1] == '1')} billable) -> {out}", file=sys.stderr)
