// Runs one CpuGemm call against the double-precision scalar twin (CpuReference.Gemm) on random
// data, with optional padding of the leading dimensions, and checks C, padding included.
using Distill.Backends.Cpu;
using Distill.Tests.Support;

namespace Distill.Tests.Gemm;

public static unsafe class GemmCheck
{
    /// <summary>Which entry point runs the product.</summary>
    public enum GemmPath { Parallel, SingleThread, Vector256, Vector256Parallel }

    /// <summary>
    /// Tolerance for a float dot product of length k over values in [-1, 1]: rounding grows about as
    /// sqrt(k) (k for the worst case; blocked summation keeps it near sqrt), scaled by |alpha|.
    /// </summary>
    public static double Atol(int k, float alpha, float beta) =>
        1e-5 * (1 + Math.Sqrt(k)) * Math.Max(1, Math.Abs(alpha)) + 1e-6 * Math.Abs(beta);

    public const double Rtol = 1e-4;

    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha = 1f, float beta = 0f,
        int padA = 0, int padB = 0, int padC = 0, GemmPath path = GemmPath.Parallel, bool nanC = false, int seed = 1)
    {
        int lda = (transA ? m : k) + padA, rowsA = transA ? k : m;
        int ldb = (transB ? k : n) + padB, rowsB = transB ? n : k;
        int ldc = n + padC;
        var a = Rand.Uniform(Math.Max(1, rowsA * lda), seed);
        var b = Rand.Uniform(Math.Max(1, rowsB * ldb), seed + 1);
        var c = nanC ? Enumerable.Repeat(float.NaN, Math.Max(1, m * ldc)).ToArray() : Rand.Uniform(Math.Max(1, m * ldc), seed + 2);

        var cRef = c.Select(x => (double)x).ToArray();
        CpuReference.Gemm<double>(transA, transB, m, n, k, alpha, a.Select(x => (double)x).ToArray(), lda,
            b.Select(x => (double)x).ToArray(), ldb, beta, cRef, ldc);
        var expected = cRef.Select(x => (float)x).ToArray();

        fixed (float* pa = a, pb = b, pc = c)
        {
            switch (path)
            {
                case GemmPath.Parallel:
                    CpuGemm.Sgemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
                    break;
                case GemmPath.SingleThread:
                    CpuGemm.SgemmSingleThread(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
                    break;
                case GemmPath.Vector256:
                case GemmPath.Vector256Parallel:
                    CpuGemm.SgemmWithKernel(false, path == GemmPath.Vector256Parallel, transA, transB, m, n, k, alpha,
                        pa, lda, pb, ldb, beta, pc, ldc);
                    break;
            }
        }
        string what = $"{path} {(transA ? "T" : "N")}{(transB ? "T" : "N")} m={m} n={n} k={k} alpha={alpha} beta={beta} " +
                      $"lda={lda} ldb={ldb} ldc={ldc}{(nanC ? " NaN C" : "")}";
        Close.All(expected, c, Atol(k, alpha, beta), Rtol, what);
    }

    public static readonly (bool TransA, bool TransB)[] Transposes = [(false, false), (false, true), (true, false), (true, true)];
}
