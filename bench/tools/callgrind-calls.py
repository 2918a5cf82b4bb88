#!/usr/bin/env python3
"""Total calls to functions matching a regex in a callgrind out file (name compression aware)."""
import re, sys
path, rx = sys.argv[1], re.compile(sys.argv[2])
names = {}
total = 0
cur_cfn = None
for line in open(path, errors="replace"):
    m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line)
    if m:
        if m.group(2): names[m.group(1)] = m.group(2)
        if line.startswith("cfn="): cur_cfn = names.get(m.group(1), "")
        continue
    if line.startswith("calls=") and cur_cfn is not None:
        if rx.search(cur_cfn):
            total += int(line.split()[0][6:])
        cur_cfn = None
print(total)
