"""numpy's float32 1024³ matmul throughput, to compare with `flowrl bench`'s sgemm line.

Run both back to back with the same thread count, e.g.
    OPENBLAS_NUM_THREADS=2 python3 bench/numpy_sgemm.py
    OPENBLAS_NUM_THREADS=2 flowrl bench --threads 2 --skip-network
"""
import time

import numpy as np

n = 1024
a = np.random.rand(n, n).astype(np.float32)
b = np.random.rand(n, n).astype(np.float32)
a @ b
best = 0.0
for _ in range(3):
    start, reps = time.perf_counter(), 0
    while time.perf_counter() - start < 0.3:
        a @ b
        reps += 1
    best = max(best, 2 * n**3 * reps / (time.perf_counter() - start) / 1e9)
print(f"numpy {n}x{n}x{n} float32: {best:.1f} GFLOPS")
