#!/usr/bin/env python3
"""Writes N resident-like records in Windows-31J (CP932), one per line, deterministic.
Fictional data only: the names and addresses are the same few sample values."""
import random
import sys

n = int(sys.argv[1])
rng = random.Random(20261125)
out = sys.stdout.buffer
lines = []
for i in range(n):
    lines.append(("%012d,ﾔﾏﾀﾞ ﾀﾛｳ,山田 太郎,東京都千代田区千代田1-1,%08d\n" % (i, rng.randrange(10**8))).encode("cp932"))
    if len(lines) == 10000:
        out.write(b"".join(lines))
        lines.clear()
out.write(b"".join(lines))
