#!/usr/bin/env bash
# Runs the three shipped studies (guard-vs-flowgrpo, overopt, forward-vs-guard), two 1-thread runs
# at a time (the best use of a 2-core machine), and copies each finished report to
# docs/results/<name>/. Every step resumes: run the script
# again after an interruption (or in a later session) and finished runs are skipped, stopped ones
# continue from their newest checkpoint.
#
#   scripts/run-studies.sh                      # OUT=outputs/studies, FLOWRL=.build/release/flowrl
#   OUT=/work/studies FLOWRL=/work/studybin/flowrl nohup scripts/run-studies.sh > studies.log 2>&1 &
#
# Order: the shortest remaining work first, so that each report is published as early as it can
# be. So that no core idles while guard-vs-flowgrpo runs its last run alone, overopt starts beside
# it with one job, and continues with two once guard-vs-flowgrpo is done (SIGTERM to the study
# saves every run's checkpoint; it resumes). forward-vs-guard's grpo-guard arm has exactly the
# settings of guard-vs-flowgrpo's (same settings.json; runs are deterministic at a fixed thread
# count), so its finished runs are copied over instead of being computed twice.
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
study() {     # name jobs: run (or resume) studies/<name>.json into $OUT/<name>
    "$FLOWRL" study run "studies/$1.json" --out "$OUT/$1" --jobs "$2" --threads-per-run 1
}
# The same in the background, as a direct child (so that $! is the study process itself).
study_bg() {
    "$FLOWRL" study run "studies/$1.json" --out "$OUT/$1" --jobs "$2" --threads-per-run 1 &
}
copy_guard_runs() {
    for s in 0 1 2; do
        src=$OUT/guard-vs-flowgrpo/grpo-guard/seed-$s dst=$OUT/forward-vs-guard/grpo-guard/seed-$s
        if [ -f "$src/ckpt/step_000200/DONE" ] && [ ! -e "$dst" ]; then
            mkdir -p "$(dirname "$dst")" && cp -a "$src" "$dst" && rm -f "$dst/.lock"
        fi
    done
}
# "(F finished, R running now, S to resume, N new)" of a study's dry run → "R S N" (R 0 when absent).
state() {
    "$FLOWRL" study run "studies/$1.json" --out "$OUT/$1" --dry-run | head -1 \
        | sed -E 's/.*\(([0-9]+) finished, (([0-9]+) running now, )?([0-9]+) to resume, ([0-9]+) new\).*/\3 \4 \5/' \
        | awk '{ if (NF == 2) print 0, $1, $2; else print $1, $2, $3 }'
}

study_bg guard-vs-flowgrpo 2
gvf=$!
side=""
while kill -0 "$gvf" 2>/dev/null; do
    sleep "${POLL:-60}"   # seconds between looks (a mock flowrl in place of the real one tests the flow with POLL=1)
    # One run left and nothing queued: give the free core to overopt.
    if [ -z "$side" ] && [ "$(state guard-vs-flowgrpo)" = "1 0 0" ]; then
        study_bg overopt 1
        side=$!
    fi
done
wait "$gvf" && publish guard-vs-flowgrpo
if [ -n "$side" ]; then
    # SIGTERM, not SIGINT (a background job of a script starts with SIGINT ignored); the study
    # treats both alike: every run saves its checkpoint, the study exits and resumes below.
    kill -TERM "$side" 2>/dev/null || true
    wait "$side" || true
fi
study overopt 2 && publish overopt
copy_guard_runs
study forward-vs-guard 2 && publish forward-vs-guard
