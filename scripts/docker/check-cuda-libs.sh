#!/usr/bin/env bash
# Fails unless every shared library the onnxruntime CUDA provider links resolves (ldd).
# Usage: check-cuda-libs.sh [library ...]   (default: onnxruntime-node's CUDA provider libraries)
# libcuda.so.1 is exempt: the NVIDIA container runtime mounts the driver's copy when the container starts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if [ "$#" -eq 0 ]; then
  DIR="$ROOT/node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
  set -- "$DIR/libonnxruntime_providers_shared.so" "$DIR/libonnxruntime_providers_cuda.so"
fi

status=0
for lib in "$@"; do
  if [ ! -f "$lib" ]; then
    echo "check-cuda-libs: $lib is missing (install with ONNXRUNTIME_NODE_INSTALL=cuda12)" >&2
    status=1
    continue
  fi
  unresolved="$(ldd "$lib" | awk '/=> not found/ { print $1 }' | grep -v '^libcuda\.so\.1$' || true)"
  if [ -n "$unresolved" ]; then
    echo "check-cuda-libs: $lib: unresolved: $(echo "$unresolved" | tr '\n' ' ')" >&2
    status=1
  else
    echo "check-cuda-libs: $lib: all linked libraries resolve" >&2
  fi
done
exit "$status"
