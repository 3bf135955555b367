#!/usr/bin/env bash
# The over-optimization study (README "Over-optimization study"): GRPO against a hackable proxy
# reward under (a) Flow-GRPO, (b) GRPO-Guard and (c) Flow-GRPO with a strong KL penalty, with the
# same seed, prompts and budget, judged on the held-out prompts by the gold metrics.
#
# The proxy is `aesthetic` (saturation + contrast, blind to the prompt) by default: on our budget
# the policy learns it within a few iterations (mean 0.19 → 0.39 in 8 iterations of one prompt at
# lr 1e-4), so the stage where the proxy keeps rising while strict accuracy, quality and
# diversity fall arrives inside a run of minutes. PROXY=learned uses the learned reward model
# instead (trained first; the more realistic proxy, but our GRPO moves it far more slowly).
#
# Every step is resumable: run the script again and finished runs are skipped, unfinished ones
# continue from their newest checkpoint (a finished run resumes to its end and stops at once).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-outputs/overopt}
ITERATIONS=${ITERATIONS:-50}
LR=${LR:-1e-4}
SEED=${SEED:-0}
THREADS=${THREADS:-2}
PROXY=${PROXY:-aesthetic}
REWARD_MODEL=${REWARD_MODEL:-$OUT/reward-model}
export OPENBLAS_NUM_THREADS=$THREADS

FLOWRL=${FLOWRL:-}
if [ -z "$FLOWRL" ]; then
    swift build -c release --product flowrl
    FLOWRL=.build/release/flowrl
fi
mkdir -p "$OUT"

# The learned proxy: a reward model trained on judge-labelled renders plus samples of the base
# model, so it has seen the base model's style of image (and nothing the policy will become).
REWARD=$PROXY
if [ "$PROXY" = learned ]; then
    REWARD="learned:$REWARD_MODEL"
fi
if [ "$PROXY" = learned ] && [ ! -f "$REWARD_MODEL/model.safetensors" ]; then
    $FLOWRL reward-model train --out "$REWARD_MODEL" --seed "$SEED" --extra-samples 2048 \
        --checkpoint models/base --threads "$THREADS"
fi

# The budget: half the default prompts per iteration (4 × 8 samples) at 3× the default learning
# rate, so that a policy drifts far enough to hack the proxy within minutes per run; held-out
# evaluations every 10 iterations on 2 seeds a prompt (204 images). Same for every run. models/base
# and shift 3 are written out: they were flowrl train's defaults when the study was run.
cat > "$OUT/study.json" <<JSON
{"base": "models/base", "shift": 3, "prompts_per_iteration": 4, "lr": $LR, "sde_steps": 0, "eval_seeds": 2, "eval_every": 10, "checkpoint_every": 5}
JSON
COMMON=(--config "$OUT/study.json" --reward "$REWARD" --iterations "$ITERATIONS" --seed "$SEED"
        --threads "$THREADS")
run() {   # name, extra flags…
    local name=$1; shift
    local dir=$OUT/$name
    if [ -d "$dir/ckpt" ]; then
        $FLOWRL train --run "$dir" --resume "${COMMON[@]}" "$@"
    else
        $FLOWRL train --run "$dir" "${COMMON[@]}" "$@"
    fi
}
run flow-grpo      --algo flow-grpo
run grpo-guard     --algo grpo-guard
run flow-grpo-kl   --algo flow-grpo --kl-beta 0.1

$FLOWRL compare "$OUT/flow-grpo" "$OUT/grpo-guard" "$OUT/flow-grpo-kl" --out "$OUT/compare.png" --first-step
$FLOWRL compare "$OUT/flow-grpo" "$OUT/grpo-guard" "$OUT/flow-grpo-kl" --json > "$OUT/compare.json"
echo "overopt: figures in $OUT (compare.png, compare_*.png), numbers in $OUT/compare.json"
