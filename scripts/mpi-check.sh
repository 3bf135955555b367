#!/usr/bin/env bash
# Checks data-parallel training over MPI (README, "Many machines"): builds flowrl with the MPI
# trait, then for `flowrl train` (GRPO, DiffusionNFT, AWM) and `flowrl pretrain` runs the same tiny
# job once as one process and once as `mpirun -np 2`, and requires
#   - the proxy reward of every sample of every iteration to be exactly equal, and
#   - the final weights (model, EMA, exported model) to agree within TOLERANCE = 1e-5 (max abs
#     difference): the two runs add the same gradients in a different order, so float32 rounding
#     differs; at these sizes the observed difference is ~1e-6 after 2 GRPO iterations. The attention
#     key biases, whose true gradient is 0, are held to 1e-3 instead (compare.py says why); the
#     forward-process trainers' larger gradients move them by ~2e-5 where GRPO's move them by ~2e-6.
# Ctrl-C (SIGINT to mpirun; also SIGUSR1) in the middle of the GRPO job must stop both ranks after
# their step with a complete checkpoint and no temporaries, and `--resume` must end where the
# uninterrupted job did (rewards equal, weights within TOLERANCE).
# Then it checks that a job does not hang when a rank dies: SIGKILL of rank 1 must end the whole
# job (mpirun aborts it) with a non-zero status, and a rank that stops answering (SIGSTOP) must make
# rank 0 print one `flowrl: …` line and abort the job after FLOWRL_MPI_TIMEOUT seconds.
#
# Usage: scripts/mpi-check.sh   (needs libopenmpi-dev and openmpi-bin; CONFIG=release to check a
# release build; prints the wall time of each phase)
set -euo pipefail
cd "$(dirname "$0")/.."

TOLERANCE=1e-5
CONFIG=${CONFIG:-debug}          # a debug build compiles faster than release runs these tiny jobs
SCRATCH=${SCRATCH:-.build-mpi}
START=$SECONDS
phase() { echo "mpi-check: [$((SECONDS - START)) s] $*"; }
fail() { echo "mpi-check: FAILED: $*" >&2; exit 1; }

command -v mpirun > /dev/null || fail "mpirun not found; apt-get install libopenmpi-dev openmpi-bin"
WORK=$(mktemp -d /tmp/flowrl-mpi-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
phase "building ($CONFIG, --traits MPI, $SCRATCH)"
swift build -c "$CONFIG" --traits MPI --scratch-path "$SCRATCH" > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "build"; }
BIN="$(swift build -c "$CONFIG" --traits MPI --scratch-path "$SCRATCH" --show-bin-path)/flowrl"
# One OpenBLAS thread and --threads 1 per rank, in both runs: the comparison is about the ranks.
export OPENBLAS_NUM_THREADS=1
# Containers often forbid the cross-process memory copy Open MPI's shared-memory transport tries
# first (it then prints warnings); plain copies are fine at these sizes.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
MPIRUN=(mpirun --allow-run-as-root --oversubscribe -x OPENBLAS_NUM_THREADS -x OMPI_MCA_btl_vader_single_copy_mechanism
        -x FLOWRL_MPI_TIMEOUT -np 2)
export FLOWRL_MPI_TIMEOUT=${FLOWRL_MPI_TIMEOUT:-600}

cat > "$WORK/compare.py" <<'EOF'
"""compare.py weights A B TOLERANCE: two safetensors files agree (max abs diff <= TOLERANCE);
compare.py rewards A B: two metrics.jsonl files hold exactly the same per-sample rewards."""
import json, struct, sys

KEY_BIAS_TOLERANCE = 1e-3   # a few Adam steps of lr 3e-5 (see below)

def tensors(path):
    # safetensors: 8-byte little-endian header length, JSON header, tightly packed data.
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        if info['dtype'] != 'F32':
            sys.exit(f'{path}: {name} is {info["dtype"]}, expected F32')
        a, b = info['data_offsets']
        out[name] = struct.unpack('<%df' % ((b - a) // 4), data[a:b])
    return out

def rewards(path):
    records = [json.loads(line) for line in open(path) if line.strip()]
    return {r['step']: r['rewards'] for r in records if 'rewards' in r}

kind, a, b = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == 'weights':
    tolerance = float(sys.argv[4])
    x, y = tensors(a), tensors(b)
    if x.keys() != y.keys():
        sys.exit(f'{a} and {b} hold different tensors')
    worst, where, key_bias = 0.0, '', 0.0
    for k in x:
        if len(x[k]) != len(y[k]):
            sys.exit(f'{k}: {len(x[k])} vs {len(y[k])} values')
        diffs = [abs(p - q) for p, q in zip(x[k], y[k])]
        if k.endswith('attn.qkv.bias'):
            # The key bias shifts every logit of a query alike, so softmax cancels it: its true
            # gradient is 0 and what the backward gives is rounding noise, which Adam scales up to
            # steps of up to lr each with a sign that depends on summation order (1 vs 2 threads in
            # one process already differ by ~lr there). Checked apart, against KEY_BIAS_TOLERANCE.
            c = len(diffs) // 3
            key_bias = max([key_bias] + diffs[c:2 * c])
            diffs = diffs[:c] + diffs[2 * c:]
        d = max(diffs, default=0.0)
        if d > worst or d != d:
            worst, where = d, k
    print(f'  {a.split("/", 3)[-1]}: max abs diff {worst:.3g} ({where or "-"}) over {len(x)} tensors; '
          f'key biases {key_bias:.3g}')
    if not worst <= tolerance:
        sys.exit(f'max abs diff {worst} at {where} exceeds {tolerance}')
    if not key_bias <= KEY_BIAS_TOLERANCE:
        sys.exit(f'max abs diff {key_bias} of a key bias exceeds {KEY_BIAS_TOLERANCE}')
else:
    x, y = rewards(a), rewards(b)
    if not x or x.keys() != y.keys():
        sys.exit(f'iterations differ: {sorted(x)} vs {sorted(y)}')
    for step in sorted(x):
        if x[step] != y[step]:
            sys.exit(f'iteration {step}: rewards differ\n  {x[step]}\n  {y[step]}')
    print(f'  rewards of {sum(len(v) for v in x.values())} samples over {len(x)} iterations are identical')
EOF

# --- GRPO: P=2 groups of G=4 (one group per rank), T=4, mini-batches of 3 (uneven over the ranks,
# sometimes all on one rank), 2 inner epochs, KL on, 2 iterations; a 2-prompt evaluation.
printf 'a red circle\ntwo blue squares\n' > "$WORK/test.txt"
# Flow-GRPO on models/base as before `flowrl train` defaulted to the GRPO-Guard recipe (the tolerance was measured on it).
echo "{\"eval_seeds\": 1, \"eval_steps\": 2, \"test_prompts\": \"$WORK/test.txt\", \"base\": \"models/base\", \"algo\": \"flow-grpo\", \"reward\": \"geneval\", \"sde_steps\": 0, \"shift\": 3}" > "$WORK/train.json"
TRAIN=(train --config "$WORK/train.json" --prompts-per-iteration 2 --group-size 4 --steps 4 --iterations 2
       --mini-batch 3 --inner-epochs 2 --seed 3 --threads 1)
phase "GRPO, one process"
"$BIN" "${TRAIN[@]}" --run "$WORK/train1" 2> "$WORK/train1.log" || { cat "$WORK/train1.log"; fail "single-process train"; }
phase "GRPO, mpirun -np 2"
"${MPIRUN[@]}" "$BIN" "${TRAIN[@]}" --run "$WORK/train2" 2> "$WORK/train2.log" || { cat "$WORK/train2.log"; fail "2-rank train"; }
python3 "$WORK/compare.py" rewards "$WORK/train1/metrics.jsonl" "$WORK/train2/metrics.jsonl" || fail "GRPO rewards"
for f in ckpt/step_000002/model ckpt/step_000002/ema model/model; do
    python3 "$WORK/compare.py" weights "$WORK/train1/$f.safetensors" "$WORK/train2/$f.safetensors" $TOLERANCE || fail "GRPO weights ($f)"
done

# --- Ctrl-C: a signal to mpirun while iteration 1 of the 2-iteration job runs. Open MPI 4.x does
# not forward SIGINT: it sends every rank SIGCONT at once, SIGTERM after odls_base_sigkill_timeout
# seconds and SIGKILL as long again after that, sleeping through both waits, and then exits 1
# whatever the ranks returned. The ranks take that SIGCONT as the interrupt (Interrupt.swift): they
# finish iteration 1, rank 0 saves its checkpoint and all exit 130 long before the timeout. SIGUSR1,
# which mpirun forwards as it is, does the same without mpirun's abort, and mpirun exits 130.
# Either way `--resume` must then reach the uninterrupted 2-rank run's rewards and weights.
# $1: the signal; $2: the status mpirun must exit with; $3…: more mpirun options.
STOP_TIMEOUT=60
interrupt_and_resume() {
    local signal=$1 expect=$2 run="$WORK/train2-$1"
    shift 2
    "${MPIRUN[@]}" "$@" "$BIN" "${TRAIN[@]}" --run "$run" > "$run.log" 2>&1 &
    local job=$! waited=0 status=0
    until grep -q '"kind":"eval"' "$run/metrics.jsonl" 2> /dev/null; do
        sleep 0.2; waited=$((waited + 1))
        [ $waited -lt 1500 ] || { kill "$job"; cat "$run.log"; fail "SIG$signal: the 2-rank job made no progress in 300 s"; }
    done
    local ranks
    ranks=$(pgrep -f -- "^$BIN .*--run $run\$" | wc -l)
    [ "$ranks" -eq 2 ] || { kill "$job"; fail "SIG$signal: found $ranks rank processes, expected 2"; }
    kill -s "$signal" "$job"
    local t0=$SECONDS
    # The ranks must end on their own, before mpirun's SIGTERM (which would also stop them, as 143);
    # mpirun itself may still sleep through its kill sequence, and only then prints their output.
    while pgrep -f -- "^$BIN .*--run $run\$" > /dev/null; do
        sleep 0.2
        [ $((SECONDS - t0)) -lt $STOP_TIMEOUT ] || { cat "$run.log"; fail "SIG$signal: ranks still running after $STOP_TIMEOUT s"; }
    done
    local ranks_done=$((SECONDS - t0))
    wait "$job" || status=$?
    [ "$status" -eq "$expect" ] || { cat "$run.log"; fail "SIG$signal: mpirun exited $status, expected $expect"; }
    grep -q "interrupted after iteration 1; checkpoint saved" "$run.log" || { cat "$run.log"; fail "SIG$signal: no checkpoint message"; }
    [ -f "$run/ckpt/step_000001/DONE" ] || { ls -R "$run"; fail "SIG$signal: no complete checkpoint of iteration 1"; }
    [ ! -e "$run/ckpt/step_000002" ] || fail "SIG$signal: the job went on to iteration 2"
    local leftovers
    leftovers=$(find "$run" -name '*.tmp-*' -o -name '.old-*')
    [ -z "$leftovers" ] || fail "SIG$signal: temporaries left: $leftovers"
    echo "  SIG$signal to mpirun: ranks done ${ranks_done} s after it, mpirun exited $status after $((SECONDS - t0)) s; checkpoint of iteration 1 complete"
    "${MPIRUN[@]}" "$BIN" "${TRAIN[@]}" --run "$run" --resume 2>> "$run.log" || { cat "$run.log"; fail "SIG$signal: --resume"; }
    python3 "$WORK/compare.py" rewards "$WORK/train2/metrics.jsonl" "$run/metrics.jsonl" || fail "SIG$signal: rewards after --resume"
    for f in ckpt/step_000002/model ckpt/step_000002/ema model/model; do
        python3 "$WORK/compare.py" weights "$WORK/train2/$f.safetensors" "$run/$f.safetensors" $TOLERANCE \
            || fail "SIG$signal: weights after --resume ($f)"
    done
}
phase "Ctrl-C: SIGINT to mpirun -np 2 (odls_base_sigkill_timeout $STOP_TIMEOUT s), then --resume"
interrupt_and_resume INT 1 --mca odls_base_sigkill_timeout $STOP_TIMEOUT
phase "SIGUSR1 to mpirun -np 2 (default odls_base_sigkill_timeout), then --resume"
interrupt_and_resume USR1 130

# --- Forward-process trainers (DiffusionNFT, AWM): the same job, 2 noise levels a sample, the old
# policy lagging (so it must agree across ranks too).
for ALGO in diffusion-nft awm; do
    FWD=("${TRAIN[@]}" --algo "$ALGO" --timestep-draws 2 --old-decay-rate 0.2 --kl-beta 0.01)
    phase "$ALGO, one process"
    "$BIN" "${FWD[@]}" --run "$WORK/$ALGO-1" 2> "$WORK/$ALGO-1.log" || { cat "$WORK/$ALGO-1.log"; fail "single-process $ALGO"; }
    phase "$ALGO, mpirun -np 2"
    "${MPIRUN[@]}" "$BIN" "${FWD[@]}" --run "$WORK/$ALGO-2" 2> "$WORK/$ALGO-2.log" || { cat "$WORK/$ALGO-2.log"; fail "2-rank $ALGO"; }
    python3 "$WORK/compare.py" rewards "$WORK/$ALGO-1/metrics.jsonl" "$WORK/$ALGO-2/metrics.jsonl" || fail "$ALGO rewards"
    for f in ckpt/step_000002/model ckpt/step_000002/ema ckpt/step_000002/old model/model; do
        python3 "$WORK/compare.py" weights "$WORK/$ALGO-1/$f.safetensors" "$WORK/$ALGO-2/$f.safetensors" $TOLERANCE || fail "$ALGO weights ($f)"
    done
done

# --- Pretraining: a batch of 6 (3 rows per rank), 4 steps of a small network.
PRETRAIN=(pretrain --steps 4 --batch-size 6 --lr 3e-3 --warmup-steps 1 --width 32 --depth 2 --heads 2
          --checkpoint-every 4 --sample-every 1000 --seed 3 --threads 1)
phase "pretraining, one process"
"$BIN" "${PRETRAIN[@]}" --run "$WORK/pre1" 2> "$WORK/pre1.log" || { cat "$WORK/pre1.log"; fail "single-process pretrain"; }
phase "pretraining, mpirun -np 2"
"${MPIRUN[@]}" "$BIN" "${PRETRAIN[@]}" --run "$WORK/pre2" 2> "$WORK/pre2.log" || { cat "$WORK/pre2.log"; fail "2-rank pretrain"; }
for f in ckpt/step_000004/model ckpt/step_000004/ema model/model; do
    python3 "$WORK/compare.py" weights "$WORK/pre1/$f.safetensors" "$WORK/pre2/$f.safetensors" $TOLERANCE || fail "pretrain weights ($f)"
done

# --- A rank that dies or hangs. Starts a long 2-rank job, waits for its first iteration, hurts rank 1.
# $1: the signal; $2: seconds to allow for the job to end; $3: text rank 0's stderr must contain.
rank_failure() {
    local signal=$1 limit=$2 expect=$3 run="$WORK/fail-$1"
    "${MPIRUN[@]}" "$BIN" "${TRAIN[@]}" --iterations 1000 --run "$run" > "$run.log" 2>&1 &
    local job=$! waited=0 rank1=""
    until grep -q '"reward_mean"' "$run/metrics.jsonl" 2> /dev/null; do
        sleep 1; waited=$((waited + 1))
        [ $waited -lt 300 ] || { kill "$job"; fail "the 2-rank job made no progress in 300 s"; }
    done
    for pid in $(pgrep -f -- "--run $run\$"); do
        if tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null | grep -qx OMPI_COMM_WORLD_RANK=1; then rank1=$pid; fi
    done
    [ -n "$rank1" ] || { kill "$job"; fail "rank 1 not found"; }
    kill -s "$signal" "$rank1"
    local t0=$SECONDS status=0
    while kill -0 "$job" 2> /dev/null; do
        sleep 1
        if [ $((SECONDS - t0)) -gt "$limit" ]; then
            kill -9 "$rank1" 2> /dev/null; kill "$job"; fail "SIG$signal of rank 1: job still running after $limit s"
        fi
    done
    wait "$job" || status=$?
    [ "$status" -ne 0 ] || fail "SIG$signal of rank 1: the job exited 0"
    grep -q -- "$expect" "$run.log" || { cat "$run.log"; fail "SIG$signal of rank 1: no '$expect' in the output"; }
    # mpirun's SIGKILL may still be on its way to a rank when mpirun itself has exited (seen on a
    # loaded machine): allow a few seconds for it to land.
    local gone=0
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        pgrep -f -- "--run $run\$" > /dev/null || { gone=1; break; }
        sleep 0.5
    done
    [ $gone -eq 1 ] || fail "SIG$signal of rank 1: ranks left running"
    echo "  SIG$signal of rank 1: job ended in $((SECONDS - t0)) s with status $status; $(grep -m1 -- "$expect" "$run.log")"
}
phase "SIGKILL of one rank ends the job"
rank_failure KILL 30 "exited on signal 9"
phase "a hung rank (SIGSTOP) ends the job after FLOWRL_MPI_TIMEOUT=5 s"
FLOWRL_MPI_TIMEOUT=5 rank_failure STOP 60 "flowrl: rank 0 of 2"

phase "all MPI checks passed"
