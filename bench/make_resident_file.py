#!/usr/bin/env python3
"""Writes a resident-register-like CP932 file of about SIZE_MB megabytes, deterministic.

Fictional data: names, kana and addresses drawn from small lists, with the sample gaiji
F040 (葛󠄀) and F042 (𠮷) from codemaps/gaiji/resident-record.tsv in about one record in
fifty, so the conversion's gaiji path is on the measured path too.
Usage: make_resident_file.py SIZE_MB > file
"""
import random
import sys

size = int(float(sys.argv[1]) * 1_000_000)
rng = random.Random(20261125)
family = ["山田", "田中", "佐藤", "鈴木", "高橋", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山本", "松本", "井上"]
given = ["太郎", "花子", "一郎", "二郎", "三郎", "直子", "美咲", "翔太", "健一", "由美", "大輔", "恵子"]
kana = ["ﾔﾏﾀﾞ ﾀﾛｳ", "ﾀﾅｶ ﾊﾅｺ", "ｻﾄｳ ｲﾁﾛｳ", "ｽｽﾞｷ ｼﾞﾛｳ", "ﾀｶﾊｼ ｻﾌﾞﾛｳ", "ｲﾄｳ ﾅｵｺ"]
town = ["東京都千代田区千代田", "大阪府大阪市北区梅田", "愛知県名古屋市中区栄", "福岡県福岡市中央区天神",
        "北海道札幌市中央区大通西", "宮城県仙台市青葉区一番町"]
gaiji = [b"\xf0\x40", b"\xf0\x42"]
out = sys.stdout.buffer
written = 0
i = 0
chunk = []
while written < size:
    name = rng.choice(family).encode("cp932")
    if i % 50 == 7:
        name = rng.choice(gaiji) + name[2:]
    line = b",".join([
        b"%012d" % i,
        rng.choice(kana).encode("cp932"),
        name + "\u3000".encode("cp932") + rng.choice(given).encode("cp932"),
        (rng.choice(town) + "%d丁目%d番%d号" % (rng.randrange(1, 9), rng.randrange(1, 30), rng.randrange(1, 20))).encode("cp932"),
        b"%04d%02d%02d" % (rng.randrange(1930, 2024), rng.randrange(1, 13), rng.randrange(1, 29)),
        rng.choice([b"01", b"02", b"03", b"11"]),
    ]) + b"\n"
    chunk.append(line)
    written += len(line)
    i += 1
    if len(chunk) == 10000:
        out.write(b"".join(chunk))
        chunk.clear()
out.write(b"".join(chunk))
