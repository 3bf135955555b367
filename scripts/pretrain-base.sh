#!/usr/bin/env bash
# The exact recipe of the bundled base model (models/base). Pretraining takes hours on 2 cores and
# is resumable: run it again with RESUME=1 to continue from the newest complete checkpoint.
#
# Two phases. The run started with a 24,000-step cosine schedule; at step 5,200 its held-out
# accuracy was rising by only ~1 point per 2,000 steps at a learning rate still near its peak,
# so from there it continues on a 12,000-step schedule (the cosine is recomputed for the new
# length: the rate drops from 5.5e-4 to 3.9e-4 at the switch). `--stop-at` ends phase 1 at
# exactly the step where the recorded run switched.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-outputs/pretrain/base}
swift build -c release --product flowrl
export OPENBLAS_NUM_THREADS=2
COMMON=(--run "$RUN" --lr 6e-4 --warmup-steps 500 --checkpoint-every 400 --sample-every 2000 --seed 0 --threads 2)
# Phase 1 (a run already past step 5,200 returns at once).
.build/release/flowrl pretrain "${COMMON[@]}" --steps 24000 --stop-at 5200 ${RESUME:+--resume}
# Phase 2.
.build/release/flowrl pretrain "${COMMON[@]}" --steps 12000 --resume
