#!/usr/bin/env bash
# The exact recipe of the bundled base model (models/base). Pretraining takes hours on 2 cores and
# is resumable: run it again with RESUME=1 to continue from the newest complete checkpoint.
# A session that has to stop copies the newest checkpoint into models/pretrain-resume/ (see its
# README) so that the next one can continue even on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-outputs/pretrain/base}
if [ -n "${RESUME:-}" ] && [ ! -d "$RUN/ckpt" ] && [ -d models/pretrain-resume/ckpt ]; then
    mkdir -p "$RUN" && cp -r models/pretrain-resume/ckpt "$RUN/"
fi
swift build -c release --product flowrl
export OPENBLAS_NUM_THREADS=2
.build/release/flowrl pretrain --run "$RUN" --steps 24000 --lr 6e-4 --warmup-steps 500 \
    --checkpoint-every 400 --sample-every 2000 --seed 0 --threads 2 ${RESUME:+--resume}
