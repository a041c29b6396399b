#!/usr/bin/env bash
# clang-tidy with the checked-in .clang-tidy (warnings are errors) over the C++ files that changed:
# those that differ from TIDY_BASE (default: the commit before HEAD, so a CI run checks the change
# it was given), or every file with TIDY_ALL=1. Headers are checked through the sources that
# include them (HeaderFilterRegex). Runs on every core and gives up after TIDY_TIMEOUT seconds.
#
# clang-tidy needs one compile command per source file; the build trees compile in unity batches,
# so a third tree, build-tidy/, is only configured (never built) for its compile_commands.json.
#
# TIDY_SOFT_TIMEOUT=1 (what `make test` sets): when the time budget runs out before every file
# was checked, say so and pass if the files checked so far are clean, so that a large commit does
# not push `make test` past its time limit; `make tidy-all` checks everything.
set -euo pipefail
cd "$(dirname "$0")/.."

db=build-tidy
if [[ ! -f $db/compile_commands.json || CMakeLists.txt -nt $db/compile_commands.json ]]; then
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  CC=clang CXX=clang++ cmake "${generator[@]}" -S . -B "$db" -DSLUICE_UNITY_BUILD=OFF \
    -DSLUICE_FUZZ=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
fi

if [[ ${TIDY_ALL:-0} == 1 ]]; then
  mapfile -t files < <(git ls-files '*.cc')
else
  base=${TIDY_BASE:-HEAD~1}
  if ! git rev-parse --verify -q "$base" >/dev/null; then
    echo "clang-tidy: no commit $base to compare with; checking every file"
    mapfile -t files < <(git ls-files '*.cc')
  else
    # A changed header is checked through every source in its folder.
    mapfile -t changed < <(git diff --name-only --diff-filter=d "$base" -- '*.cc' '*.h')
    files=()
    for f in "${changed[@]+"${changed[@]}"}"; do
      if [[ $f == *.h ]]; then
        while IFS= read -r s; do files+=("$s"); done < <(git ls-files "$(dirname "$f")/*.cc")
      else
        files+=("$f")
      fi
    done
    mapfile -t files < <(printf '%s\n' "${files[@]+"${files[@]}"}" | sort -u | grep -v '^$' || true)
  fi
fi

if ((${#files[@]} == 0)); then
  echo "clang-tidy: no changed C++ files"
  exit 0
fi
echo "clang-tidy: checking ${#files[@]} file(s)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
printf '%s\n' "${files[@]}" |
  timeout "${TIDY_TIMEOUT:-600}" xargs -P "$(nproc)" -n 2 clang-tidy -p "$db" --quiet \
    >"$out" 2>/dev/null || status=$?
cat "$out"
if ((status == 124)); then
  if [[ ${TIDY_SOFT_TIMEOUT:-0} == 1 && ! -s $out ]]; then
    echo "clang-tidy: time budget of ${TIDY_TIMEOUT:-600} s spent before every file was checked;" \
      "no findings in those checked (run make tidy-all for the rest)" >&2
    exit 0
  fi
  echo "clang-tidy: gave up after ${TIDY_TIMEOUT:-600} s" >&2
  exit 1
fi
if ((status != 0)); then
  echo "clang-tidy: findings above (fix them, or NOLINT(check) with the reason)" >&2
  exit 1
fi
echo "clang-tidy: clean"
