#!/usr/bin/env python3
"""Cross-check Settle's books with hledger, ledger and beancount.

Builds the demo in a scratch directory, exports the journal in ledger and
beancount form, and checks that each tool's balance for every account equals
Settle's trial balance to the cent. Exits non-zero on any difference, or if a
tool is missing (CI installs them).
"""
import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

settle = sys.argv[1]
work = tempfile.mkdtemp(prefix="settle-crosscheck-")


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


failures = 0
checks = 0
for org in ("clinic", "supply"):
    base = [settle, "--data-dir", work, "--org", org]
    if org == "clinic":
        run(settle, "--data-dir", work, "demo", "--accounts", "300", "--as-of", "2026-11-23")
    trial = json.loads(run(*base, "report", "trial-balance", "--format", "json"))
    journal_csv = run(*base, "export", "journal", "--format", "csv")
    path_of = {row["gl_code"]: row["gl_account"] for row in csv.DictReader(io.StringIO(journal_csv))}
    expected = {path_of[r["code"]]: Decimal(r["balance_minor"]) / 100 for r in trial}
    ledger_file = f"{work}/{org}.ledger"
    bean_file = f"{work}/{org}.beancount"
    run(*base, "export", "journal", "--format", "ledger", "--output", ledger_file)
    run(*base, "export", "journal", "--format", "beancount", "--output", bean_file)

    results = {}
    if shutil.which("hledger"):
        out = run("hledger", "-f", ledger_file, "balance", "--flat", "--no-total", "-O", "csv")
        rows = list(csv.reader(io.StringIO(out)))[1:]
        results["hledger"] = {a: Decimal(b.split()[0].replace(",", "")) for a, b in rows if b}
    if shutil.which("ledger"):
        out = run("ledger", "-f", ledger_file, "balance", "--flat", "--no-total", "--balance-format", "%(account)\t%(quantity(display_total))\n")
        results["ledger"] = {a: Decimal(b.replace(",", "")) for a, b in (line.split("\t") for line in out.splitlines() if line.strip())}
    try:
        from beancount import loader
        from beancount.core import data

        entries, errors, _ = loader.load_file(bean_file)
        if errors:
            print(f"beancount: {len(errors)} errors, first: {errors[0]}")
            failures += 1
        sums = {}
        for entry in entries:
            if isinstance(entry, data.Transaction):
                for p in entry.postings:
                    sums[p.account] = sums.get(p.account, Decimal(0)) + p.units.number
        results["beancount"] = sums
    except ImportError:
        pass
    for tool in ("hledger", "ledger", "beancount"):
        if tool not in results:
            print(f"MISSING {tool}: not installed")
            failures += 1
            continue
        got = {k: v for k, v in results[tool].items() if v != 0}
        want = {k: v for k, v in expected.items() if v != 0}
        checks += 1
        if got != want:
            failures += 1
            print(f"MISMATCH {org} {tool}:")
            for account in sorted(set(got) | set(want)):
                if got.get(account) != want.get(account):
                    print(f"  {account}: settle {want.get(account)} {tool} {got.get(account)}")
        else:
            print(f"ok {org} {tool}: {len(want)} accounts agree to the cent")

print(f"{max(checks - failures, 0)} passed, {failures} failed")
sys.exit(1 if failures else 0)
