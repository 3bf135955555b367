#!/usr/bin/env bash
# Runs the three shipped studies one after another, two 1-thread runs at a time (the best use of a
# 2-core machine), and copies each finished report to docs/results/<name>/. Every step resumes:
# run the script again after an interruption (or in a later session) and finished runs are skipped,
# stopped ones continue from their newest checkpoint.
#
#   scripts/run-studies.sh                      # OUT=outputs/studies, FLOWRL=.build/release/flowrl
#   OUT=/work/studies FLOWRL=/work/studybin/flowrl nohup scripts/run-studies.sh > studies.log 2>&1 &
#
# forward-vs-guard's grpo-guard arm has exactly the settings of guard-vs-flowgrpo's (same
# settings.json; runs are deterministic at a fixed thread count), so its finished runs are copied
# over instead of being computed twice.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-outputs/studies}
FLOWRL=${FLOWRL:-}
if [ -z "$FLOWRL" ]; then
    swift build -c release --product flowrl
    FLOWRL=.build/release/flowrl
fi
export OPENBLAS_NUM_THREADS=1
publish() {   # name: the report files of a finished study into docs/results/<name>/
    mkdir -p "docs/results/$1"
    cp "$OUT/$1/report.md" "$OUT/$1/report.png" "$OUT/$1/report.json" "docs/results/$1/"
}
"$FLOWRL" study run studies/overopt.json --out "$OUT/overopt" --jobs 2 --threads-per-run 1 && publish overopt
"$FLOWRL" study run studies/guard-vs-flowgrpo.json --out "$OUT/guard-vs-flowgrpo" --jobs 2 --threads-per-run 1 \
    && publish guard-vs-flowgrpo
for s in 0 1 2; do
    src=$OUT/guard-vs-flowgrpo/grpo-guard/seed-$s dst=$OUT/forward-vs-guard/grpo-guard/seed-$s
    if [ -f "$src/ckpt/step_000200/DONE" ] && [ ! -e "$dst" ]; then
        mkdir -p "$(dirname "$dst")" && cp -a "$src" "$dst" && rm -f "$dst/.lock"
    fi
done
"$FLOWRL" study run studies/forward-vs-guard.json --out "$OUT/forward-vs-guard" --jobs 2 --threads-per-run 1 \
    && publish forward-vs-guard
