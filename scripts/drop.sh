#!/usr/bin/env bash
# Drops FILE into SYSTEM's outbox the way a well-behaved system does (temp name, then
# rename), for the given routes or for every route SYSTEM sends on.
#   scripts/drop.sh resident-record config/samples/resident-record.csv        # all its routes
#   scripts/drop.sh resident-record config/samples/resident-record.csv 9 10   # routes 9 and 10
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 2 ]] || { sed -n '2,5p' "$0" >&2; exit 2; }
system=$1 file=$2
shift 2
ctl=${RENKEICTL:-$root/build/src/renkeictl}
config=${RENKEI_CONFIG:-$root/config}
"$ctl" --config "$config" systems --json | python3 -c '
import json, os, shutil, sys
system, src, wanted = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3:]]
systems = {s["id"]: s for s in json.load(sys.stdin)}
if system not in systems:
    sys.exit("unknown system %r; known: %s" % (system, " ".join(sorted(systems))))
s = systems[system]
if s["adapter"]["kind"] != "file":
    sys.exit(f"{system} is not reached through files")
routes = wanted or s["routes"]["out"]
for r in routes:
    if r not in s["routes"]["out"]:
        sys.exit(f"route {r} does not start at {system}")
    d = os.path.join(s["adapter"]["settings"]["outbox"], "%03d" % r)
    os.makedirs(d, exist_ok=True)
    name = os.path.basename(src)
    tmp = os.path.join(d, "." + name + ".tmp")
    shutil.copyfile(src, tmp)
    os.rename(tmp, os.path.join(d, name))
    print(f"dropped {name} into {d}")
' "$system" "$file" "$@"
