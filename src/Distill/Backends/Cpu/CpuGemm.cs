// SGEMM on the CPU: C = alpha * op(A) * op(B) + beta * C on row-major pointers with leading dimensions.
// Packed, cache-blocked and run by a register micro-kernel (CpuGemm.Kernels.cs); this file is the entry.
using System.Runtime.Intrinsics;

namespace Distill.Backends.Cpu;

/// <summary>
/// Single-precision GEMM. Row-major: op(A) is (M, K), element (i, p) at a[i*lda + p], or at
/// a[p*lda + i] when transA (A stored (K, M)); op(B) is (K, N), element (p, j) at b[p*ldb + j], or at
/// b[j*ldb + p] when transB (B stored (N, K)); C is (M, N) at c[i*ldc + j].
/// beta == 0 never reads C (it may hold NaN garbage).
/// </summary>
public static unsafe partial class CpuGemm
{
    /// <summary>Below this many multiply-adds (M*N*K) a call runs on the calling thread only.</summary>
    internal const long ParallelThreshold = 1L << 21;

    /// <summary>True when the Vector512 micro-kernel runs (AVX-512); else the Vector256 one.</summary>
    public static bool UsesVector512 { get; } = Vector512.IsHardwareAccelerated;

    /// <summary>C = alpha * op(A) * op(B) + beta * C, using every core for large products.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        var job = new GemmJob(UsesVector512, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        if (Trivial(in job)) return;
        if ((long)m * n * k >= ParallelThreshold && CpuGemmTeam.Shared is { } team && team.TryRun(in job))
            return;
        RunSingle(in job);
    }

    /// <summary>
    /// Same as <see cref="Sgemm"/> but always on the calling thread, for callers that already run in
    /// parallel (e.g. one attention head per thread). Uses this thread's own packing buffers.
    /// </summary>
    public static void SgemmSingleThread(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        var job = new GemmJob(UsesVector512, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        if (Trivial(in job)) return;
        RunSingle(in job);
    }

    /// <summary>
    /// For tests: the same GEMM with the kernel chosen by the caller (vector512 false: the Vector256
    /// fallback), on the team when parallel and the product is large enough, else on this thread.
    /// </summary>
    internal static void SgemmWithKernel(bool vector512, bool parallel, bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        var job = new GemmJob(vector512, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        if (Trivial(in job)) return;
        if (parallel && (long)m * n * k >= ParallelThreshold && CpuGemmTeam.Shared is { } team && team.TryRun(in job))
            return;
        RunSingle(in job);
    }

    private static void RunSingle(in GemmJob job)
    {
        Run(in job, CpuGemmBuffers.ForThisThread(in job), 0, null);
    }

    /// <summary>
    /// Handles what needs no product: empty C, and K == 0 or alpha == 0 where C = beta * C
    /// (beta == 0 writes zeros without reading C). Returns true when nothing is left to do.
    /// </summary>
    private static bool Trivial(in GemmJob job)
    {
        System.Diagnostics.Debug.Assert(job.M >= 0 && job.N >= 0 && job.K >= 0, "CpuGemm: negative dimension");
        if (job.M == 0 || job.N == 0) return true;
        if (job.K != 0 && job.Alpha != 0f) return false;
        for (int i = 0; i < job.M; i++)
        {
            var row = new Span<float>(job.C + (nint)i * job.Ldc, job.N);
            if (job.Beta == 0f) row.Clear();
            else if (job.Beta != 1f)
                for (int j = 0; j < row.Length; j++) row[j] *= job.Beta;
        }
        return true;
    }
}

/// <summary>The arguments of one GEMM call, passed by reference to every participating thread.</summary>
internal readonly unsafe struct GemmJob
{
    public readonly bool Vector512;     // which micro-kernel: 12x32 Vector512, or 6x16 Vector256
    public readonly int Mr, Nr;         // its tile
    public readonly bool TransA, TransB;
    public readonly int M, N, K;
    public readonly float Alpha, Beta;
    public readonly float* A, B, C;
    public readonly int Lda, Ldb, Ldc;

    public GemmJob(bool vector512, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        Vector512 = vector512;
        Mr = vector512 ? 12 : 6;
        Nr = vector512 ? 32 : 16;
        TransA = transA; TransB = transB;
        M = m; N = n; K = k;
        Alpha = alpha; Beta = beta;
        A = a; B = b; C = c;
        Lda = lda; Ldb = ldb; Ldc = ldc;
    }
}
