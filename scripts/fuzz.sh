#!/usr/bin/env bash
# Fuzzes flowrl's parsers of untrusted input with libFuzzer for a fixed time budget:
# safetensors headers, PNG, captions, config files (ModelConfig / TrainConfig / PretrainConfig)
# and reward specs. See fuzz/Sources/FlowRLFuzz/main.swift for the properties checked.
#
#   scripts/fuzz.sh                    # 10 s per target (about 1 min plus the first build)
#   FUZZ_SECONDS=300 FUZZ_TARGETS="png config" scripts/fuzz.sh
#
# Everything lives in .build-fuzz/ (git-ignored): a copy of Sources/ with fuzz/ beside it, built
# as a separate SwiftPM package so the main build is untouched; corpora grow across runs in
# .build-fuzz/corpus/<target>/; findings (inputs that crash, hang or exhaust memory) go to
# .build-fuzz/findings/<target>/ and accumulate across runs (delete them once fixed); replay one
# with: FLOWRL_FUZZ_TARGET=<target> .build-fuzz/pkg/.build/release/FlowRLFuzz <file>
# Exit status 1 when anything was found. Not part of `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-10}
TARGETS=${FUZZ_TARGETS:-"safetensors png caption config reward-spec"}
WORK=.build-fuzz
PKG=$WORK/pkg

mkdir -p "$PKG" "$WORK/findings"
rm -rf "$PKG/Sources"
mkdir -p "$PKG/Sources"
for module in CBLAS CPNG Cluster Tensor NN Imaging Shapes Model Rewards RL; do cp -R "Sources/$module" "$PKG/Sources/"; done
cp -R fuzz/Sources/FlowRLFuzz "$PKG/Sources/"
cp fuzz/Package.swift "$PKG/Package.swift"
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
FLOWRL_FUZZER_LIB=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | tail -1)
[ -n "$FLOWRL_FUZZER_LIB" ] || { echo "libclang_rt.fuzzer_no_main not found under $toolchain/lib/clang" >&2; exit 2; }
export FLOWRL_FUZZER_LIB
# The harness is built with the release binary's flags: the targets that Package.swift builds with
# `checked` (bounds and overflow checks kept) at -O, the others at -Ounchecked (fuzz/Package.swift).
FLOWRL_CHECKED_TARGETS=$(grep -oE 'name: "[A-Za-z]+"[^)]*swiftSettings: checked' Package.swift | sed -E 's/name: "([A-Za-z]+)".*/\1/' | tr '\n' ' ')
[ -n "$FLOWRL_CHECKED_TARGETS" ] || { echo "no target built with 'checked' in Package.swift" >&2; exit 2; }
export FLOWRL_CHECKED_TARGETS
echo "checked (-O) as in the release binary: $FLOWRL_CHECKED_TARGETS; the rest -Ounchecked"
echo "building the fuzz harness (release, libFuzzer coverage)…"
(cd "$PKG" && nice swift build -c release --product FlowRLFuzz 2>&1 | grep -E "error|warning: unre|Compiling FlowRLFuzz|Build complete" || true)
BIN=$PKG/.build/release/FlowRLFuzz
[ -x "$BIN" ] || { echo "build failed" >&2; exit 2; }

SEEDS=$WORK/seeds
rm -rf "$SEEDS"
FLOWRL_FUZZ_SEEDS=$SEEDS "$BIN"
mkdir -p "$SEEDS/caption"
cp Tests/TensorTests/Fixtures/*.safetensors "$SEEDS/safetensors/" 2>/dev/null || true
n=0
for line in $(cat prompts/*.txt | sort -u | shuf -n 40 --random-source=<(yes) | tr ' ' '_'); do
    printf '%s' "${line//_/ }" > "$SEEDS/caption/$n"; n=$((n + 1))
done

status=0
summary=""
for t in $TARGETS; do
    mkdir -p "$WORK/corpus/$t" "$WORK/findings/$t"
    log=$WORK/$t.log
    echo "fuzzing $t for ${SECONDS_PER_TARGET}s…"
    # -fork=1 with -ignore_crashes keeps fuzzing after a finding, so one budget reports them all.
    SWIFT_BACKTRACE=enable=no FLOWRL_FUZZ_TARGET=$t nice "$BIN" "$WORK/corpus/$t" "$SEEDS/$t" \
        -dict="$SEEDS/flowrl.dict" -max_total_time="$SECONDS_PER_TARGET" -max_len=16384 -timeout=10 \
        -rss_limit_mb=3072 -malloc_limit_mb=2048 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -artifact_prefix="$WORK/findings/$t/" >"$log" 2>&1 || true
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    # One line per distinct failure: replay every artifact and keep the first error line, numbers
    # masked and details in parentheses dropped, so that one bug hit with other values counts once.
    kinds=$(for f in "$WORK/findings/$t"/*; do
                [ -e "$f" ] || continue
                SWIFT_BACKTRACE=enable=no FLOWRL_FUZZ_TARGET=$t timeout 20 "$BIN" "$f" 2>&1 \
                    | grep -v '^Running' | grep -m1 -E 'Fatal error|ERROR: libFuzzer' \
                    | sed -E 's/[0-9]+/N/g; s/^.*(Fatal error|ERROR)/\1/; s/ \(.*$//' || true
            done | sort | uniq -c) || true
    files=$(ls "$WORK/findings/$t" | wc -l)
    if [ "$files" -gt 0 ]; then
        status=1
        summary+="$t: ${execs:-?} executions, $cov, $files finding(s) in $WORK/findings/$t:"$'\n'"$kinds"$'\n'
    else
        summary+="$t: ${execs:-?} executions, $cov, no findings"$'\n'
    fi
done
echo
echo "$summary"
exit $status
