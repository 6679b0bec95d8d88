#!/usr/bin/env bash
# Installs renkeid and renkeictl as a systemd service (run scripts/build.sh first):
#   <prefix>/bin/renkeid, <prefix>/bin/renkeictl                        (prefix /usr/local)
#   /etc/renkei/hub.yaml, systems.yaml, routes.yaml      root:renkei 0640, dirs 0750
#   /etc/renkei/users.yaml (people; renkeictl user …)    likewise, never replaced
#   /etc/renkei/codemaps/ (conversion tables)            likewise
#   /var/lib/renkei/spool, /var/lib/renkei/state         renkei:renkei 0750
#   /etc/systemd/system/renkeid.service
# and the system user and group `renkei`. It neither enables nor starts the service.
#
# Safe to run twice: the user, group and directories are created only when missing;
# binaries and the unit are replaced; a configuration file that exists and differs (an
# admin edited it) is kept, and the shipped version is written beside it as <name>.dist.
#
# Usage: scripts/install.sh [--prefix DIR] [--destdir DIR] [--build-dir DIR]
#   --destdir DIR (or DESTDIR=DIR): install below DIR instead of /, e.g. for packaging
#   or a dry run. The user and group are then not created and nothing is chowned; the
#   script says what it would do instead.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

prefix=/usr/local
destdir=${DESTDIR:-}
build=${RENKEI_BUILD_DIR:-$root/build}
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
while (($#)); do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
    --destdir=*) destdir=${1#*=}; shift ;;
    --build-dir) build=${2:?--build-dir needs a directory}; shift 2 ;;
    --build-dir=*) build=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $prefix == /* ]] || { echo "install: --prefix must be an absolute path" >&2; exit 2; }
if [[ -n $destdir ]]; then
  mkdir -p "$destdir"
  destdir=$(cd -- "$destdir" && pwd)
fi

user=renkei
etc=/etc/renkei
var=/var/lib/renkei
unit_dir=/etc/systemd/system
bindir=$prefix/bin

for b in renkeid renkeictl; do
  [[ -x $build/src/$b ]] || { echo "install: $build/src/$b not found; run scripts/build.sh first" >&2; exit 1; }
done
if [[ -z $destdir && $(id -u) -ne 0 ]]; then
  echo "install: run as root (or use --destdir DIR for a staged install)" >&2
  exit 1
fi

say() { echo "install: $*"; }
# owner user:group mode dir — creates or fixes; chown only on a real install.
make_dir() {
  local owner=$1 mode=$2 dir=$3
  if [[ -d $destdir$dir ]]; then
    chmod "$mode" "$destdir$dir"
  else
    install -d -m "$mode" "$destdir$dir"
    say "created $dir"
  fi
  [[ -n $destdir ]] || chown "$owner" "$destdir$dir"
}
# Installs stdin as config file $1 (root:renkei 0640), keeping one an admin has edited.
install_config() {
  local dst=$destdir$etc/$1 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [[ ! -e $dst ]]; then
    install -m 0640 "$tmp" "$dst"
    say "installed $etc/$1"
  elif cmp -s "$tmp" "$dst"; then
    rm -f "$dst.dist"
    say "$etc/$1 unchanged"
  else
    install -m 0640 "$tmp" "$dst.dist"
    say "$etc/$1 differs from the shipped version: kept it, wrote the shipped one to $etc/$1.dist"
  fi
  rm -f "$tmp"
  if [[ -z $destdir ]]; then
    chown "root:$user" "$dst"
    if [[ -e $dst.dist ]]; then chown "root:$user" "$dst.dist"; fi
  fi
}

# 1. The system user and group.
if [[ -n $destdir ]]; then
  say "would create system group and user '$user' (home $var, no login shell): skipped under --destdir"
else
  if ! getent group "$user" >/dev/null; then
    groupadd --system "$user"
    say "created group $user"
  fi
  if ! getent passwd "$user" >/dev/null; then
    useradd --system --gid "$user" --home-dir "$var" --no-create-home --shell /usr/sbin/nologin \
      --comment "renkei integration hub" "$user"
    say "created user $user"
  fi
fi

# 2. Binaries.
install -d -m 0755 "$destdir$bindir"
for b in renkeid renkeictl; do
  install -m 0755 "$build/src/$b" "$destdir$bindir/$b"
done
say "installed $bindir/renkeid and $bindir/renkeictl"

# 3. Configuration: hub.yaml with this machine's paths, the catalogue, the conversion
#    tables (codemaps/ of the repository, at /etc/renkei/codemaps).
make_dir "root:$user" 0750 "$etc"
# Installs every file below directory $1 as config files under $etc/$2.
install_tree() {
  local src=$1 rel=$2 d f
  while IFS= read -r -d '' d; do
    make_dir "root:$user" 0750 "$etc/$rel${d#"$src"}"
  done < <(find "$src" -type d -print0 | sort -z)
  while IFS= read -r -d '' f; do
    install_config "$rel${f#"$src"}" <"$f"
  done < <(find "$src" -type f -print0 | sort -z)
}
# spool.root, state.dir, auth.token_file, audit.file and catalogue.codemaps of config/hub.yaml (keys
# found by section; catalogue.codemaps added when the shipped file leaves it implicit).
has_codemaps=0
grep -Eq '^[[:space:]]+codemaps:' "$root/config/hub.yaml" && has_codemaps=1
awk -v var="$var" -v has_codemaps="$has_codemaps" '
  NR == 1 { print; print "# Installed by scripts/install.sh: spool and state in " var "."; next }
  /^[^[:space:]#]/ { section = $1 }
  function set(key, value) {
    if (match($0, "^[[:space:]]+" key ":[[:space:]]*[^[:space:]#]+")) {
      indent = substr($0, 1, index($0, key) - 1)
      $0 = indent key ": " value substr($0, RLENGTH + 1)
    }
  }
  section == "catalogue:" { set("codemaps", "codemaps") }
  section == "spool:" { set("root", var "/spool") }
  section == "state:" { set("dir", var "/state") }
  section == "auth:" { set("token_file", var "/state/api-token") }
  section == "audit:" { set("file", var "/state/audit.log") }
  { print }
  $0 == "catalogue:" && !has_codemaps { print "  codemaps: codemaps            # conversion tables: /etc/renkei/codemaps" }
' "$root/config/hub.yaml" | install_config hub.yaml
for item in systems.yaml routes.yaml users.yaml routes layouts calendar; do
  if [[ -f $root/config/$item ]]; then
    install_config "$item" <"$root/config/$item"
  elif [[ -d $root/config/$item ]]; then
    install_tree "$root/config/$item" "$item"
  fi
done
install_tree "$root/codemaps" codemaps

# 4. Spool and state.
make_dir "$user:$user" 0750 "$var"
make_dir "$user:$user" 0750 "$var/spool"
make_dir "$user:$user" 0750 "$var/state"

# 5. The unit, pointing at this prefix's renkeid.
install -d -m 0755 "$destdir$unit_dir"
sed "s#/usr/local/bin/renkeid#$bindir/renkeid#g" "$root/scripts/systemd/renkeid.service" >"$destdir$unit_dir/renkeid.service.tmp"
chmod 0644 "$destdir$unit_dir/renkeid.service.tmp"
mv "$destdir$unit_dir/renkeid.service.tmp" "$destdir$unit_dir/renkeid.service"
say "installed $unit_dir/renkeid.service"

# 6. The configuration in place must be valid (an edited one kept above included).
if ! summary=$("$destdir$bindir/renkeictl" validate --config "$destdir$etc/hub.yaml"); then
  echo "$summary"
  echo "install: $etc/hub.yaml does not validate; fix it before starting renkeid" >&2
  exit 1
fi
say "$summary"
if [[ $summary == *"bus embedded"* ]]; then
  say "NOTE: bus.brokers in $etc/hub.yaml is empty (embedded mode, NOT durable): set it to the Kafka cluster"
fi

if [[ -z $destdir && -d /run/systemd/system ]]; then
  systemctl daemon-reload
  say "done. Start with: systemctl enable --now renkeid"
else
  say "done${destdir:+ (staged in $destdir)}"
fi
