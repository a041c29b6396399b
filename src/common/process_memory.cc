#include "common/process_memory.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace sluice {

ProcessMemory process_memory() {
  ProcessMemory m;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return m;
  unsigned long long size = 0, resident = 0, shared = 0;
  int read = std::fscanf(f, "%llu %llu %llu", &size, &resident, &shared);
  std::fclose(f);
  if (read != 3) return m;
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  m.resident_bytes = resident * page;
  m.anonymous_bytes = (resident - std::min(resident, shared)) * page;
  return m;
}

}  // namespace sluice
