#!/usr/bin/env bash
# Makes node_modules/faiss-node loadable: its prebuilt binary where one can be fetched, otherwise a
# build of the package's own source against Debian's libfaiss-dev + libopenblas-dev.
# NEGMINE_FAISS_SOURCE=auto (default) | prebuilt | system picks the route. Re-running is a no-op once the addon loads.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

PKG="$ROOT/node_modules/faiss-node"
MARKER="$PKG/build/Release/negmine-build.json"
SOURCE="${NEGMINE_FAISS_SOURCE:-auto}"

[ -f "$PKG/package.json" ] || die "node_modules/faiss-node is missing; run 'npm ci' first"

addon_loads() {
  (cd "$ROOT" && node -e "
    const faiss = require('faiss-node');
    const index = new faiss.IndexFlatIP(2);
    index.add([1, 0, 0, 1]);
    if (index.search([0, 1], 1).labels[0] !== 1) process.exit(1);
  ") >/dev/null 2>&1
}

write_marker() {
  mkdir -p "$(dirname "$MARKER")"
  printf '%s\n' "$1" >"$MARKER"
}

if addon_loads; then
  log "faiss-node loads; nothing to do"
  exit 0
fi

if [ "$SOURCE" = auto ] || [ "$SOURCE" = prebuilt ]; then
  log "faiss-node: trying the prebuilt binary"
  if (cd "$PKG" && timeout 120 node "$ROOT/node_modules/prebuild-install/bin.js" --runtime napi >/dev/null 2>&1) && addon_loads; then
    write_marker '{"source":"prebuilt"}'
    log "faiss-node: prebuilt binary installed"
    exit 0
  fi
  [ "$SOURCE" = prebuilt ] && die "faiss-node: no prebuilt binary could be fetched (NEGMINE_FAISS_SOURCE=prebuilt)"
  log "faiss-node: no prebuilt binary reachable; building against the system libfaiss"
fi

ensure_debian_packages libfaiss-dev libopenblas-dev g++ make python3

LIBFAISS="${NEGMINE_LIBFAISS:-/usr/lib/$(gcc -dumpmachine)/libfaiss.a}"
[ -f "$LIBFAISS" ] || die "faiss-node: $LIBFAISS not found (install libfaiss-dev or set NEGMINE_LIBFAISS)"

# npm exports its bundled node-gyp to scripts; outside npm, find the one shipped with npm.
NODE_GYP="${npm_config_node_gyp:-$(npm root -g 2>/dev/null)/npm/node_modules/node-gyp/bin/node-gyp.js}"
[ -f "$NODE_GYP" ] || die "faiss-node: node-gyp not found at $NODE_GYP"

# Use the running node's own headers when it ships them, so node-gyp never downloads any.
NODE_PREFIX="$(dirname "$(dirname "$(command -v node)")")"
GYP_ARGS=()
if [ -f "$NODE_PREFIX/include/node/node_api.h" ]; then
  GYP_ARGS+=("--nodedir=$NODE_PREFIX")
fi

cp "$ROOT/scripts/faiss-node/binding.gyp" "$ROOT/scripts/faiss-node/negmine-faiss-compat.h" "$PKG/"
log "faiss-node: compiling (node-gyp, $LIBFAISS)"
(cd "$PKG" && node "$NODE_GYP" rebuild "${GYP_ARGS[@]}" "--libfaiss=$LIBFAISS" >"$PKG/negmine-build.log" 2>&1) \
  || { tail -n 30 "$PKG/negmine-build.log" >&2; die "faiss-node: build failed (full log: $PKG/negmine-build.log)"; }

LIBFAISS_VERSION="$(dpkg-query -W -f='${Version}' libfaiss-dev 2>/dev/null || echo unknown)"
write_marker "{\"source\":\"system-libfaiss\",\"libfaiss\":\"$LIBFAISS\",\"libfaissVersion\":\"$LIBFAISS_VERSION\"}"
addon_loads || die "faiss-node: built, but the addon does not load; see $PKG/negmine-build.log"
log "faiss-node: built against $LIBFAISS ($LIBFAISS_VERSION)"
