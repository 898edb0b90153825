// Debian's libfaiss 1.7.3 declares idx_t only as faiss::Index::idx_t; faiss-node 0.5.1 expects faiss::idx_t (added in faiss 1.7.4).
#pragma once
#include <cstdint>
namespace faiss {
using idx_t = int64_t;
}
