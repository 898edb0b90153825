{
  "targets": [
    {
      "target_name": "faiss-node",
      "sources": ["src/faiss.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=6", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fopenmp", "-O3", "-fexceptions", "-include", "<(module_root_dir)/negmine-faiss-compat.h"],
      "libraries": ["<(libfaiss)", "-lopenblas", "-lgomp"],
      "ldflags": ["-fopenmp"]
    }
  ],
  "variables": {
    "libfaiss%": "/usr/lib/x86_64-linux-gnu/libfaiss.a"
  }
}
