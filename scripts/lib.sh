# shellcheck shell=bash
# Shared helpers for negmine's setup scripts (sourced, not run).

log() { printf 'negmine-setup: %s\n' "$*" >&2; }
die() { printf 'negmine-setup: error: %s\n' "$*" >&2; exit 1; }

# Installs Debian packages that are not installed yet; as non-root prints the command instead.
ensure_debian_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing system packages (${missing[*]}) and no apt-get here; install the equivalents of: ${missing[*]}"
  fi
  if [ "$(id -u)" -ne 0 ]; then
    die "missing system packages; run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# True when an NVIDIA driver is visible on this host.
has_nvidia_gpu() {
  [ -e /proc/driver/nvidia/version ] || { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; }
}
