#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests, a bounded fuzz run of the capture
# reader, the fixture plugins' own checks, and the ava suite (library, CLI, interop with
# Debian's sysdig). Ends with one line: "N passed, N failed".
#   FUZZ_SECONDS=60 (per fuzz target; 0 skips fuzzing, which then counts as failed)
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
passed=0
failed=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); }
# "== name" starts a stage; the previous one's duration is printed
stage_start=$(date +%s)
stage() {
  local now; now=$(date +%s)
  [ -n "${current:-}" ] && echo "   ($current: $((now - stage_start)) s)"
  current=$1; stage_start=$now
  [ -n "$current" ] && echo "== $current"
}

# The libsinsp and Falco oracles the differential tests compare with (cached per machine;
# about 20 minutes to build when missing).
stage "oracles (scripts/build-oracle.sh)"
if ! bash scripts/build-oracle.sh >"$logs/oracle.log" 2>&1; then
  tail -40 "$logs/oracle.log"
  echo "oracle build failed"
  add 0 1
fi
stage "build"

if ! { npm run -s build && npx tsc -p test/tsconfig.json; } >"$logs/build.log" 2>&1; then
  cat "$logs/build.log"
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

stage "cargo test (native/)"
cargo test --manifest-path native/Cargo.toml --workspace --release -- --include-ignored 2>&1 | tee "$logs/cargo.log" | grep -aE "^test result|FAILED|panicked" || true
# a failure's panic message and the lines after it
grep -a -A6 "^thread '.*panicked at" "$logs/cargo.log" | grep -av "^   *[0-9]*: \|^  *at " | head -60
while read -r p f; do add "$p" "$f"; done < <(sed -nE 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$logs/cargo.log")
grep -q "^test result" "$logs/cargo.log" || add 0 1

stage "clippy (native/, warnings are errors)"
if cargo clippy --manifest-path native/Cargo.toml --workspace --all-targets --no-deps --release -- -D warnings >"$logs/clippy.log" 2>&1; then add 1 0; echo "ok   cargo clippy"; else add 0 1; echo "FAIL cargo clippy"; grep -E "^(error|warning)" -A6 "$logs/clippy.log" | head -40; fi

stage "fixture plugin checks"
for target in "-C fixtures/plugins check" "-C fixtures/plugins/go check" "-C fixtures/plugins/go test" "-C fixtures/plugins/rust check"; do
  # shellcheck disable=SC2086
  if make -s $target >"$logs/make.log" 2>&1; then add 1 0; echo "ok   make $target"; else add 0 1; echo "FAIL make $target"; tail -30 "$logs/make.log"; fi
done

stage "fuzz (native/fuzz, ${FUZZ_SECONDS:-60}s per target)"
if [ -x native/fuzz/run.sh ] && [ "${FUZZ_SECONDS:-60}" != 0 ]; then
  if bash native/fuzz/run.sh "${FUZZ_SECONDS:-60}" >"$logs/fuzz.log" 2>&1; then add 1 0; grep "^fuzz" "$logs/fuzz.log"; else add 0 1; tail -40 "$logs/fuzz.log"; fi
else
  echo "fuzzing skipped"; add 0 1
fi

stage "ava"
npx ava --tap 2>&1 | tee "$logs/ava.log" | grep -E "^(not ok|# )" || true
# each failure's details (ava's YAML block after "not ok"), so that a CI log says why
awk '/^not ok/ {show = 1; n = 0; print "---- " $0; next} /^(ok|not ok|#)/ {show = 0} show && n++ < 40' "$logs/ava.log"
ava_pass=$(sed -nE 's/^# pass ([0-9]+)/\1/p' "$logs/ava.log" | tail -1)
ava_fail=$(sed -nE 's/^# fail ([0-9]+)/\1/p' "$logs/ava.log" | tail -1)
if [ -z "$ava_pass" ]; then
  tail -40 "$logs/ava.log"
  add 0 1
else
  add "$ava_pass" "${ava_fail:-0}"
fi

stage ""
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
