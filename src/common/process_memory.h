// The process's resident memory, as the kernel counts it (/proc/self/statm): what a memory limit
// (a container's, the SQL engine's `[sql] memory_limit_bytes`) is measured against.
// Thread-safety: a pure function (one small read of procfs).
#pragma once

#include <cstdint>

namespace sluice {

struct ProcessMemory {
  uint64_t resident_bytes = 0;
  // Anonymous memory: the heap, thread stacks, caches (resident minus file-backed and shared
  // pages, which the kernel can drop or shares with others).
  uint64_t anonymous_bytes = 0;
};

// Zeros where procfs cannot be read.
ProcessMemory process_memory();

}  // namespace sluice
