#!/usr/bin/env bash
# Lints the shell scripts (shellcheck) and the Dockerfile (dockerfile-utils) when the linters are present.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if command -v shellcheck >/dev/null 2>&1; then
  shellcheck -x scripts/*.sh scripts/docker/*.sh .ci/run
else
  echo "lint-shell: shellcheck not installed; skipping shell lint (apt-get install shellcheck)" >&2
fi
node scripts/lint-dockerfile.js Dockerfile
