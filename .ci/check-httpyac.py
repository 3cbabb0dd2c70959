#!/usr/bin/env python3
"""Reads `httpyac send --json` output on stdin and fails unless every request ran and answered as its
.http file says: the status of a `# expect-status: N` line, otherwise 2xx (the rule HttpExamplesTest
applies too)."""
import json
import re
import sys

report = json.load(sys.stdin)
failures = []
if report["summary"]["erroredRequests"]:
    failures.append(f"{report['summary']['erroredRequests']} requests errored (unresolved variable or no connection)")
lines_of = {}
checked = 0
for r in report["requests"]:
    resp = r.get("response")
    if resp is None:
        continue  # a title-only region (### Part B ...)
    lines = lines_of.setdefault(r["fileName"], open(r["fileName"], encoding="utf-8").read().split("\n"))
    region = []
    for line in lines[r["line"] + 1:]:
        if line.startswith("###"):
            break
        region.append(line)
    want = [int(m.group(1)) for m in (re.match(r"#\s*expect-status:\s*(\d{3})", l.strip()) for l in region) if m]
    status = resp["statusCode"]
    ok = status == want[0] if want else 200 <= status < 300
    checked += 1
    if not ok:
        failures.append(f"{r['fileName']}:{r['line'] + 1} {r['name']}: status {status}, expected {want or '2xx'}")
for f in failures:
    print("httpyac:", f, file=sys.stderr)
print(f"httpyac: {checked} responses checked, {len(failures)} failures")
sys.exit(1 if failures or checked == 0 else 0)
