#!/bin/sh
# Counts the malloc calls of a default GRPO rollout and update at T and 2T denoising steps
# (`flowrl bench --alloc-check`) with a counting shim preloaded; "mallocs per extra denoising step"
# should print 0.00 for both. Usage: bench/alloc_check.sh [path/to/flowrl] [extra bench flags]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
flowrl=${1:-"$here/../.build/release/flowrl"}
[ $# -gt 0 ] && shift
shim=$(mktemp -d)/malloc_count.so
cc -O2 -shared -fPIC -o "$shim" "$here/malloc_count.c"
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2} LD_PRELOAD="$shim" "$flowrl" bench --alloc-check "$@"
