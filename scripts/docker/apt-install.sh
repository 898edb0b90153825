#!/usr/bin/env bash
# Installs Debian/Ubuntu packages for an image layer and drops the package lists afterwards.
set -euo pipefail
[ "$#" -gt 0 ] || { echo "usage: apt-install.sh PACKAGE..." >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@"
if [ "${APT_KEEP_LISTS:-0}" != 1 ]; then
  rm -rf /var/lib/apt/lists/*
fi
