# Times OpenBLAS SGEMM (numpy float32 `a @ b`, transposes as .T views) at the shapes of
# GemmBenchmarks.cs, so our C# GEMM has a reference measured on the same machine. Median of 10 after 2 warmups.
# Run: OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/openblas_sgemm.py
import os
import sys
import time

import numpy as np

# (name, M, N, K, transA, transB): the linear-layer cases are
#   forward  y = x W^T  -> NT (transB),  backward dx = dy W -> NN,  dW = dy^T x -> TN (transA).
CASES = [
    ("1024^3", 1024, 1024, 1024),
    ("2048^3", 2048, 2048, 2048),
    ("2048x512x2048", 2048, 2048, 512),  # (2048 x 512) @ (512 x 2048): M=2048, K=512, N=2048
]
TRANSPOSES = [("NN", False, False), ("NT", False, True), ("TN", True, False)]


def operands(m, n, k, ta, tb, rng):
    # Stored row-major as the C# benchmark stores them; .T gives the transposed view without a copy.
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    return (a.T if ta else a), (b.T if tb else b)


def time_case(m, n, k, ta, tb, reps=10, warmup=2):
    rng = np.random.default_rng(0)
    a, b = operands(m, n, k, ta, tb, rng)
    c = np.empty((m, n), dtype=np.float32)
    for _ in range(warmup):
        np.matmul(a, b, out=c)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    times.sort()
    med = (times[reps // 2 - 1] + times[reps // 2]) / 2 if reps % 2 == 0 else times[reps // 2]
    return med, 2.0 * m * n * k / med / 1e9


def main():
    only = sys.argv[1:]  # optional filters, e.g. "2048^3" "NT"
    print(f"numpy {np.__version__}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    print(f"{'case':<16}{'op':<4}{'median ms':>11}{'GFLOP/s':>10}")
    for name, m, n, k in CASES:
        for tname, ta, tb in TRANSPOSES:
            if only and not all(f in (name, tname) for f in only if f in [c[0] for c in CASES] + [t[0] for t in TRANSPOSES]):
                continue
            med, gflops = time_case(m, n, k, ta, tb)
            print(f"{name:<16}{tname:<4}{med * 1e3:>11.3f}{gflops:>10.1f}", flush=True)


if __name__ == "__main__":
    main()
