#!/usr/bin/env bash
# Usage: bench/peers/resolve.sh NAME — prints the directory holding the runtime jars of
# the peer bench/peers/NAME/pom.xml, resolving them with mvn from Maven Central the first
# time (and again when the pom changes) into ~/.cache/renkei/peers/NAME.
set -euo pipefail
name=$1
pom=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/$name/pom.xml
[[ -f $pom ]] || { echo "resolve.sh: no peer $name ($pom)" >&2; exit 2; }
dir=${XDG_CACHE_HOME:-$HOME/.cache}/renkei/peers/$name
libs=$dir/libs
want="pom $(sha256sum "$pom" | cut -d' ' -f1)"
mkdir -p "$dir"
exec 9>"$dir/lock"
flock 9
if [[ ! -f $dir/stamp || "$(cat "$dir/stamp")" != "$want" ]]; then
  echo "resolve.sh: resolving $name jars with mvn into $libs ..." >&2
  tmp=$(mktemp -d "$dir/libs.tmp.XXXXXX")
  if ! mvn -B -q -f "$pom" ${RENKEI_MVN_OPTS:-} dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" > "$dir/mvn.log" 2>&1; then
    tail -n 20 "$dir/mvn.log" >&2
    rm -rf "$tmp"
    echo "resolve.sh: mvn could not resolve $name (full output: $dir/mvn.log)" >&2
    exit 1
  fi
  rm -rf "$libs"
  mv "$tmp" "$libs"
  printf '%s\n' "$want" > "$dir/stamp"
fi
printf '%s\n' "$libs"
