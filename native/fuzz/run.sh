#!/usr/bin/env bash
# Fuzzes the scap reader and writer, the golden-file reader and the filter language:
#   native/fuzz/run.sh <seconds-per-target> [target...]
#
# Installs cargo-fuzz if missing, uses the nightly toolchain (installing it with rustup if
# missing, else falling back to RUSTC_BOOTSTRAP=1 on the default toolchain), builds the
# targets (release, debug assertions, AddressSanitizer) and runs each one for the given
# seconds, starting from corpus-seed/ and growing corpus/<target>/ (not committed).
# Prints one line per target, `fuzz <target>: ok (<runs> runs)` or the failure, and exits
# non-zero on any crash, panic, out-of-memory (rss or single malloc over 2 GiB), leak or
# timeout (one input over 10 s). A failing input is left in artifacts/<target>/; replay it
# with `cargo +nightly fuzz run <target> artifacts/<target>/<file>`.
set -euo pipefail

usage() { echo "usage: $0 <seconds-per-target> [reader|roundtrip|golden|filter ...]" >&2; exit 2; }
[[ $# -ge 1 && $1 =~ ^[0-9]+$ ]] || usage
secs=$1
shift
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(reader roundtrip golden filter)

cd "$(dirname "$0")"
logs=target/fuzz-logs
mkdir -p "$logs"
now() { date +%s; }

# Toolchain: cargo-fuzz needs nightly flags (-Zsanitizer).
tc=()
if command -v rustup >/dev/null 2>&1 && rustup toolchain list | grep -q '^nightly'; then
    tc=(+nightly)
elif command -v rustup >/dev/null 2>&1 && rustup toolchain install nightly --profile minimal >&2; then
    tc=(+nightly)
else
    echo "run.sh: no nightly toolchain; using RUSTC_BOOTSTRAP=1 on $(rustc --version)" >&2
    export RUSTC_BOOTSTRAP=1
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    t0=$(now)
    cargo install cargo-fuzz --locked >&2
    echo "cargo-fuzz install: $(( $(now) - t0 ))s" >&2
fi

t0=$(now)
: >"$logs/build.log"
for t in "${targets[@]}"; do
    cargo "${tc[@]}" fuzz build -O -a "$t" >>"$logs/build.log" 2>&1 || {
        tail -40 "$logs/build.log" >&2
        echo "fuzz build: FAILED ($t)" >&2
        exit 1
    }
done
echo "fuzz build: $(( $(now) - t0 ))s" >&2

# Seeds cut from the reference captures in ../shared (not committed: regenerated here).
cargo "${tc[@]}" run -q --release --example gen_seeds >"$logs/seeds.log" 2>&1 || { cat "$logs/seeds.log" >&2; echo "fuzz seeds: FAILED" >&2; exit 1; }

status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    log="$logs/$t.log"
    rc=0
    # the capture targets start from capture seeds, the others from their own
    case $t in
        reader | roundtrip) seeds=(corpus-seed corpus-shared) ;;
        *) seeds=("seeds/$t") ;;
    esac
    cargo "${tc[@]}" fuzz run -O -a "$t" "corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1 || rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    if [[ $rc -eq 0 ]]; then
        echo "fuzz $t: ok (${runs:-?} runs)"
        continue
    fi
    status=1
    # libFuzzer's verdict (deadly signal = panic or abort, timeout, out-of-memory, leak...),
    # and for a panic its location and message.
    reason=$(grep -m1 -oE '(libFuzzer|AddressSanitizer|LeakSanitizer): [a-zA-Z-]+( [a-z-]+)*' "$log" || echo "exit code $rc")
    panic=$(grep -m1 -A1 "panicked at" "$log" | tr '\n' ' ' | sed 's/^.*panicked at /panicked at /' || true)
    artifact=$(grep -m1 -oE 'Test unit written to [^ ]+' "$log" | awk '{print $NF}' || true)
    echo "fuzz $t: FAILED ($reason${panic:+: $panic}) after ${runs:-?} runs${artifact:+; input: $artifact}; log: $logs/$t.log"
    grep -m1 -A12 -E "panicked at|ERROR: " "$log" >&2 || tail -30 "$log" >&2
done
exit $status
