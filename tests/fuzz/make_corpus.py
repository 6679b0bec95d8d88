#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/corpus/<target>/ (run once; the files are
committed). A handful of realistic inputs per target: CP932 names with NEC/IBM rows and
gaiji, UTF-8 with an IVS, csv and fixed-width records, codemap rows. ibm-930 bytes come
from ICU's uconv."""
import os
import shutil
import struct
import subprocess

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "corpus")


def cp932(s):
    return s.encode("cp932")


def icu(s, charset):
    return subprocess.run(["uconv", "-f", "UTF-8", "-t", charset, "--callback", "stop"],
                          input=s.encode(), capture_output=True, check=True).stdout


def write(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pad(b, n, fill=b" "):
    assert len(b) <= n, (b, n)
    return b + fill * (n - len(b))


if os.path.isdir(corpus):
    shutil.rmtree(corpus)

# fuzz_charset_decode: byte 0 picks the charset (see kNames), the rest is the text.
t = "fuzz_charset_decode"
write(t, "cp932-name", b"\x00" + cp932("山田\u3000太郎"))
write(t, "cp932-nec-ibm-gaiji", b"\x00" + cp932("\uff5e\u2460\u9ad9\uff76\uff9e") + b"\xf0\x40\r\n")
write(t, "cp932-bad-trail", b"\x00" + cp932("山") + b"\x81\x20\x82")
write(t, "utf8-ivs", b"\x01" + "葛\U000E0100飾区".encode())
write(t, "utf8-astral-halfwidth", b"\x01" + "𠮷野 ﾀﾛｳ".encode())
write(t, "utf8-overlong-surrogate", b"\x01" + b"ab\xc0\xaf\xed\xa0\x80")
write(t, "cp932-p130-address", b"\x02" + cp932("東京都千代田区1-1") + b"\x5c")
write(t, "eucjp-name", b"\x03" + "鈴木 花子".encode("euc_jp") + b"\x8e\xb6\x8f\xa2\xaf")
write(t, "ibm930-kana-kanji", b"\x04" + icu("ﾔﾏﾀﾞ 山田", "ibm-930"))


# fuzz_charset_encode: code points, 4 bytes little endian each.
def cps(s):
    return b"".join(struct.pack("<I", ord(c)) for c in s)


t = "fuzz_charset_encode"
write(t, "name", cps("山田太郎"))
write(t, "ivs-wave-dash", cps("葛\U000E0100\u301c\u2015"))
write(t, "pua-astral-halfwidth", cps("\ue000\uf8ff\U00020BB7\uff76\uff9e"))
write(t, "surrogate", struct.pack("<I", 0xD800) + cps("A"))
write(t, "converter-dependent", cps("\u00a5\u203e\u2225\uff5e\u2016"))

# fuzz_split_record: any bytes; every layout splits them.
t = "fuzz_split_record"
write(t, "csv-4", cp932("000123,山田\u3000太郎,ﾔﾏﾀﾞ ﾀﾛｳ,01"))
write(t, "csv-quoted", cp932('"000124","鈴木,花子","ｽｽﾞｷ ""ﾊﾅｺ""",02,"x"'))
write(t, "tsv-apostrophe", b"a\tb\t'c''d'\te")
write(t, "fixed-16", b"0001" + pad(cp932("山田太郎"), 10) + b"01")
write(t, "fixed-15", b"1223334444" + cp932("ｱｲｳｴｵ"))
write(t, "empty-fields", b",,,,")
write(t, "unclosed-quote", b'"abc,def')

# fuzz_record_converter: byte 0 picks the converter (route × layout, see the target),
# byte 1 bit 0 is the header flag, the rest is the record.
LINE, CSV, FIXED = 0, 1, 2
ROUTES = [5, 21, 9, 2, 29, 19]


def conv(route, layout):
    return ROUTES.index(route) * 3 + layout


def fixed_record(ident, name, kana, rel, enc=cp932):
    return pad(ident, 6) + pad(enc(name), 20) + pad(enc(kana), 20) + pad(rel, 2)


t = "fuzz_record_converter"
write(t, "jukinet-line", bytes([conv(5, LINE), 0]) + cp932("ヤマダ\u3000タロウ 0123"))
write(t, "jukinet-csv", bytes([conv(5, CSV), 0]) + cp932("000123,ヤマダ,ﾔﾏﾀﾞ ﾀﾛｳ,01"))
write(t, "jukinet-csv-header", bytes([conv(5, CSV), 1]) + b"id,name,name_kana,relationship")
write(t, "jukinet-fixed", bytes([conv(5, FIXED), 0]) + fixed_record(b"000123", "ヤマダ\u3000タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", b"01"))
write(t, "jukinet-gaiji", bytes([conv(5, LINE), 0]) + b"\xf0\x40" + cp932("ヤマダ"))
write(t, "utf8-line-ivs", bytes([conv(21, LINE), 0]) + "葛\U000E0100飾 花子".encode())
write(t, "utf8-csv", bytes([conv(21, CSV), 0]) + "000125,山田,ﾔﾏﾀﾞ,02".encode())
write(t, "utf8-fixed", bytes([conv(21, FIXED), 0]) +
      fixed_record(b"000126", "山田\u3000花子", "ﾔﾏﾀﾞ ﾊﾅ", b"03", enc=lambda s: s.encode()))
write(t, "none-same-charset-gaiji", bytes([conv(9, LINE), 0]) + cp932("山田") + b"\xf0\x40")
write(t, "none-to-utf8", bytes([conv(2, LINE), 0]) + cp932("東京都\uff5e\u2460"))
write(t, "custom-shrink", bytes([conv(29, LINE), 0]) + cp932("髙橋"))
write(t, "custom-target-gaiji", bytes([conv(19, CSV), 0]) + cp932("1,山田,ﾔﾏﾀﾞ,11"))
write(t, "values-csv", bytes([18, 0]) + cp932("000123,ヤマダ,ﾔﾏﾀﾞ,11"))
write(t, "values-fixed", bytes([19, 0]) + fixed_record(b"000123", "ヤマダ", "ﾔﾏﾀﾞ", b"02"))

# fuzz_codemap_tsv: a codemap file.
t = "fuzz_codemap_tsv"
write(t, "gaiji", "local\tmj\tucs\nF040\tMJ900025\tU+845B U+E0100\nF041\tMJ900027\t-\nU+E001\t-\tU+20BB7\n".encode())
write(t, "jukinet", "# sample\njplus\tmj\tucs\nJ+0020..J+007E\t-\tU+0020..U+007E\nJ+4E00\tMJ900001\tU+4E00\n"
      "J+AC00\tMJ900101\tU+9AD9\n".encode())
write(t, "shrink", "from\tto\nU+9AD9\tU+9AD8\nU+9AD9\tU+9AD8 U+FE00\r\n".encode())
write(t, "bad-rows", "F0\tMJ12\tU+D800\nJ+12345678\t-\t-\n\t\t\nU+845B U+E0100".encode())

# fuzz_layout_yaml: a layout file (config/layouts/<name>.yaml).
t = "fuzz_layout_yaml"
write(t, "csv", """format: csv
header: true
key: id
fields:
  - {name: id}
  - {name: name}
  - {name: name_kana, kana: true}
  - {name: relationship}
""".encode())
write(t, "tsv-quote", """format: csv
delimiter: "\\t"
quote: "'"
fields: [{name: a}, {name: b}]
""".encode())
write(t, "fixed", """# 住民記録 fixed-width record
format: fixed
key: id
fields:
  - name: id
    offset: 0
    length: 6
  - name: name
    offset: 6
    length: 20
  - name: name_kana
    offset: 26
    length: 20
    kana: true
  - name: relationship
    offset: 46
    length: 2
""".encode())
write(t, "line", b"format: line\n")
write(t, "gap-overlap", b"format: fixed\nfields:\n  - {name: a, offset: 0, length: 4}\n  - {name: b, offset: 5, length: 2}\n"
      b"  - {name: c, offset: 6, length: 1}\n")
