#!/usr/bin/env bash
# Fetch the Redis 7.0.15 source (its Tcl test suite) from Debian, once, into
# test/compat/cache/, and install what the suite needs (tclsh, redis-cli for
# the baseline). Idempotent: a second run with the tree present does nothing.
# Needs root (or sudo) only the first time on a fresh machine.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${COMPAT_CACHE:-$HERE/cache}"
WANT_VERSION="${REDIS_SRC_VERSION:-7.0.15}"
SRC="$CACHE/redis-$WANT_VERSION"

log() { echo "[compat:fetch] $*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; fi
fi

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq >&2
    apt_updated=1
  fi
}

need_pkgs=()
command -v tclsh >/dev/null || need_pkgs+=(tcl)
command -v redis-server >/dev/null || need_pkgs+=(redis-server)
command -v redis-cli >/dev/null || need_pkgs+=(redis-tools)
command -v dpkg-source >/dev/null || need_pkgs+=(dpkg-dev)
command -v timeout >/dev/null || need_pkgs+=(coreutils)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  apt_update
  log "installing ${need_pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >&2
fi

if [ -x "$SRC/runtest" ] && [ -f "$SRC/tests/test_helper.tcl" ]; then
  log "source present: $SRC"
  echo "$SRC"
  exit 0
fi

# Enable deb-src for the Debian archives already configured, in a file of our
# own (the existing ones are left untouched).
enable_deb_src() {
  if apt-cache showsrc redis >/dev/null 2>&1 && [ -n "$(apt-cache showsrc redis 2>/dev/null)" ]; then
    return 0
  fi
  local d=/etc/apt/sources.list.d
  local out822="$d/threadis-deb-src.sources" outlist="$d/threadis-deb-src.list"
  local tmp822 tmplist
  tmp822="$(mktemp)"; tmplist="$(mktemp)"
  # deb822 files: copy every stanza whose Types has deb and whose URIs look
  # like a Debian archive, with Types: deb-src.
  for f in "$d"/*.sources; do
    [ -e "$f" ] || continue
    [ "$f" = "$out822" ] && continue
    awk '
      function flush() {
        if (n > 0 && isdeb && isdebian) { for (i = 1; i <= n; i++) print lines[i]; print "" }
        n = 0; isdeb = 0; isdebian = 0
      }
      /^[[:space:]]*$/ { flush(); next }
      /^Types:/ { if ($0 ~ /(^|[[:space:]])deb([[:space:]]|$)/) isdeb = 1; lines[++n] = "Types: deb-src"; next }
      /^URIs:/ { if ($0 ~ /debian/) isdebian = 1 }
      { lines[++n] = $0 }
      END { flush() }
    ' "$f" >>"$tmp822"
  done
  # one-line style files
  for f in /etc/apt/sources.list "$d"/*.list; do
    [ -e "$f" ] || continue
    [ "$f" = "$outlist" ] && continue
    grep -E '^[[:space:]]*deb[[:space:]].*debian' "$f" | sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /' >>"$tmplist" || true
  done
  if [ -s "$tmp822" ]; then $SUDO cp "$tmp822" "$out822"; $SUDO chmod 644 "$out822"; log "wrote $out822"; fi
  if [ -s "$tmplist" ]; then $SUDO cp "$tmplist" "$outlist"; $SUDO chmod 644 "$outlist"; log "wrote $outlist"; fi
  rm -f "$tmp822" "$tmplist"
  if [ ! -s "$out822" ] && [ ! -s "$outlist" ]; then
    log "no Debian archive found in apt sources; adding deb.debian.org bookworm"
    echo "deb-src http://deb.debian.org/debian bookworm main" | $SUDO tee "$outlist" >/dev/null
  fi
  apt_updated=0
  apt_update
}

enable_deb_src
mkdir -p "$CACHE"
cd "$CACHE"
# Prefer the source version matching the installed redis-server package.
ver="$(dpkg-query -W -f='${Version}' redis-server 2>/dev/null || true)"
log "apt-get source redis${ver:+=$ver} into $CACHE"
if ! apt-get source -qq ${ver:+"redis=$ver"} >&2; then
  log "exact version $ver not available as source; trying any redis source"
  apt-get source -qq redis >&2
fi
if [ ! -d "$SRC" ]; then
  got="$(ls -d "$CACHE"/redis-*/ 2>/dev/null | head -1)"
  log "expected $SRC, got ${got:-nothing}"
  exit 1
fi
chmod +x "$SRC/runtest" 2>/dev/null || true
log "source ready: $SRC"
echo "$SRC"
