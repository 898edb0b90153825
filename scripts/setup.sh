#!/usr/bin/env bash
# One idempotent setup: npm dependencies (CUDA provider only on GPU hosts), the faiss-node addon, the build.
#   ONNXRUNTIME_NODE_INSTALL   unset: cuda12 when an NVIDIA driver is visible, skip otherwise; or set it yourself
#   NEGMINE_FAISS_SOURCE       auto (prebuilt, else system libfaiss) | prebuilt | system
#   NEGMINE_SETUP_OMIT_DEV=1   production install: build, then drop dev dependencies (Docker)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
cd "$ROOT"

NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
[ "$NODE_MAJOR" -ge 20 ] || die "Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))"

if [ -z "${ONNXRUNTIME_NODE_INSTALL:-}" ]; then
  if has_nvidia_gpu; then
    export ONNXRUNTIME_NODE_INSTALL=cuda12
  else
    export ONNXRUNTIME_NODE_INSTALL=skip
  fi
fi
log "onnxruntime-node CUDA provider install: ONNXRUNTIME_NODE_INSTALL=$ONNXRUNTIME_NODE_INSTALL"

# Reinstall only when the lockfile or the CUDA choice changed since the last setup.
STAMP="node_modules/.negmine-setup"
WANT="$(sha256sum package-lock.json | cut -d' ' -f1) ort=$ONNXRUNTIME_NODE_INSTALL"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  printf '%s\n' "$WANT" >"$STAMP"
else
  log "npm dependencies up to date"
fi

bash "$ROOT/scripts/build-faiss-node.sh"

# The lint step (npm test) checks shell scripts with shellcheck; production images do not need it.
if [ "${NEGMINE_SETUP_OMIT_DEV:-0}" != 1 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    ensure_debian_packages shellcheck
  elif ! command -v shellcheck >/dev/null 2>&1; then
    log "shellcheck is not installed; 'npm test' will skip shell lint (as root: apt-get install shellcheck)"
  fi
fi

log "compiling TypeScript"
npm run --silent build

if [ "${NEGMINE_SETUP_OMIT_DEV:-0}" = 1 ]; then
  npm prune --omit=dev --no-audit --no-fund
  rm -f "$STAMP"
fi

node bin/negmine.js doctor >&2 || die "setup finished but 'negmine doctor' reports a problem (above)"
log "ready: node bin/negmine.js --help (or npm link for a global 'negmine')"
