# The two commands: `make run` and `make test`. Both install what is missing first.
JOBS ?= $(shell nproc)
BUILD := build
ASAN_BUILD := build-asan
FUZZ_SECONDS ?= 4

.PHONY: all deps build build-asan run test test-unit test-asan format format-check tidy tidy-changed tidy-all clean

all: build

deps:
	@scripts/install-deps.sh

# Ninja when installed (scripts/install-deps.sh installs it): it compiles a target's sources
# while the libraries it links are still being built, which keeps both cores busy.
# (Expanded when a recipe runs, after deps.)
GENERATOR = $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

# The release tree builds the binary, the integration tests, the SQL cases and the benchmarks;
# the unit tests are built and run once, under the sanitizers (build-asan): building them twice
# was a fifth of a fresh `make test` on 2 cores.
$(BUILD)/CMakeCache.txt: | deps
	cmake $(GENERATOR) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSLUICE_UNIT_TESTS=OFF

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# Unit tests, the SQL cases, the QTT corpus and the fuzz targets under AddressSanitizer +
# UndefinedBehaviorSanitizer, built with clang (libFuzzer is clang's). -O0: the instrumented
# code compiles ~2.5x faster than at -O1, and these tests are short; the fuzzers run for a
# fixed time either way.
$(ASAN_BUILD)/CMakeCache.txt: | deps
	CC=clang CXX=clang++ cmake $(GENERATOR) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS_DEBUG="-O0 -gline-tables-only" -DSLUICE_SANITIZE=ON -DSLUICE_FUZZ=ON -DSLUICE_UNIT_ONLY=ON \
	  -DSLUICE_FUZZ_SECONDS=$(FUZZ_SECONDS)

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j$(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)

# Formatting first, sanitizer unit tests and fuzzing next, then every test of the release build,
# whose ctest summary line ends the output. Its tests run three per core: most wait on servers,
# clients and timers (73 s instead of 169 s at one per core, on 2 cores). clang-tidy is `make tidy` (the last
# commit's files, within TIDY_BUDGET seconds) and `make tidy-all`: inside `make test` it cost a
# minute of the 15.
TIDY_BUDGET ?= 60
test: format-check test-asan build
	cd $(BUILD) && ctest --output-on-failure -j$$(( $(JOBS) * 3 ))

test-unit: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -L unit

run: build
	$(BUILD)/src/cli/sluice serve --demo

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	@files=$$(git ls-files '*.cc' '*.h'); \
	if [ -n "$$files" ]; then clang-format --dry-run --Werror $$files; fi
	@echo "format-check: clean"

# clang-tidy over the files the last commit changed (TIDY_BASE=<ref> to compare with another).
tidy: deps
	@scripts/clang-tidy.sh

tidy-changed: deps
	@TIDY_SOFT_TIMEOUT=1 TIDY_TIMEOUT=$(TIDY_BUDGET) scripts/clang-tidy.sh

tidy-all: deps
	@TIDY_ALL=1 scripts/clang-tidy.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-tidy
