#!/usr/bin/env python3
"""Summarise `perf script` output (call graphs) by the innermost frame of our own code.

    perf script -i perf.data | bench/tools/perf-buckets.py [--prefix rivet::] [--top 30]

Each sample is charged to the first frame (from the leaf up) whose symbol starts with one of the
prefixes, so library time (malloc, Asio, Beast, SQLite, the kernel) lands on the rivet function
that caused it. A second table shows the leaf symbols (self time) for the same samples.
"""
import argparse
import collections
import re
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--prefix", action="append", default=None)
ap.add_argument("--top", type=int, default=30)
ap.add_argument("--fallback", action="append", default=None,
                help="for samples without a --prefix frame, charge the innermost frame with this prefix")
args = ap.parse_args()
prefixes = tuple(args.prefix or ["rivet::"])

def clean(sym: str) -> str:
    sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
    # drop template arguments and parameter lists for readability
    out, depth = [], 0
    for ch in sym:
        if ch in "<(":
            depth += 1
            if depth == 1:
                out.append("<>" if ch == "<" else "()")
            continue
        if ch in ">)":
            depth = max(0, depth - 1)
            continue
        if depth == 0:
            out.append(ch)
    return "".join(out).strip()

buckets = collections.Counter()
leaves = collections.Counter()
total = 0
stack = []

def flush():
    global total, stack
    if not stack:
        return
    total += 1
    leaves[clean(stack[0])] += 1
    for sym in stack:
        s = clean(sym)
        if s.startswith(prefixes) or any(("::" + p) in s for p in prefixes):
            buckets[s] += 1
            break
    else:
        label = None
        for sym in stack:
            s = clean(sym)
            if args.fallback and s.startswith(tuple(args.fallback)):
                label = "(other) " + s
                break
        if label is None:
            label = "(other) leaf " + clean(stack[0])
        buckets[label] += 1
    stack = []

for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        flush()
        continue
    if line.startswith((" ", "\t")):
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            sym = parts[1]
            sym = re.sub(r"\s+\([^)]*\)$", "", sym)  # strip " (dso)"
            stack.append(sym)
    else:
        flush()
flush()

print(f"{total} samples")
print("\n-- charged to the innermost " + "/".join(prefixes) + " frame --")
for sym, n in buckets.most_common(args.top):
    print(f"{100.0 * n / total:6.2f}%  {sym[:150]}")
print("\n-- leaf (self) --")
for sym, n in leaves.most_common(args.top):
    print(f"{100.0 * n / total:6.2f}%  {sym[:150]}")
