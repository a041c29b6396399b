#!/usr/bin/env bash
# Installs what Sluice needs to build and test, from Debian's packages and the npm registry only.
# Idempotent: when everything is present it does nothing (and prints nothing but one line).
set -euo pipefail

# Build toolchain and libraries.
DEB_PACKAGES=(
  build-essential cmake g++ clang clang-format clang-tidy libclang-rt-14-dev pkg-config git
  # Faster builds: a compiler cache shared by both build trees, a faster linker, Ninja.
  ccache lld ninja-build
  libboost1.81-dev librocksdb-dev libsimdjson-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev libxxhash-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev librdkafka-dev libpq-dev
  # ICU: Java-compatible regexes, date patterns and time zones for the SQL functions.
  libicu-dev
  # libedit (BSD): line editing and history in `sluice sql`.
  libedit-dev
  # Protocol Buffers: .proto parsing, descriptors and JSON mapping for the PROTOBUF format.
  libprotobuf-dev libprotoc-dev
  # Real peers and clients the tests and benchmarks drive.
  kcat redis-server nodejs npm curl procps
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# nodejs/npm may come from elsewhere on a developer machine; a working `node` and `npm` is enough.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: need root to install Debian packages: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages used by the integration tests (kafkajs) and the benchmarks' peers (DuckDB's
# @duckdb/node-api, whose native library comes as an npm package too) live in tests/node;
# installed when node_modules lacks one of them (a dependency added to package.json later).
here=$(cd "$(dirname "$0")/.." && pwd)
npm_missing() {
  (cd "$here/tests/node" && node -e '
    const fs = require("fs");
    const deps = Object.keys(require("./package.json").dependencies || {});
    process.exit(deps.some((d) => !fs.existsSync(`node_modules/${d}/package.json`)) ? 0 : 1);')
}
if [[ -f "$here/tests/node/package.json" ]] && npm_missing; then
  echo "install-deps: npm install in tests/node"
  (cd "$here/tests/node" && npm install --no-audit --no-fund --loglevel=error)
fi
echo "install-deps: all dependencies present"
