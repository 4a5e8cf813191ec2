// Scalar twins of CpuGemm and CpuBackend.MatMul: plain triple loops, generic so tests can run them
// in double as the reference the packed SIMD GEMM is checked against.
using System.Numerics;

namespace Distill.Backends.Cpu;

public static partial class CpuReference
{
    /// <summary>
    /// C = alpha * op(A) op(B) + beta * C with CpuGemm's conventions (row-major, leading dimensions;
    /// transA: A stored (K, M); transB: B stored (N, K)). beta == 0 never reads C.
    /// </summary>
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T x = transA ? a[p * lda + i] : a[i * lda + p];
                    T y = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += x * y;
                }
                int at = i * ldc + j;
                c[at] = beta == T.Zero ? alpha * sum : alpha * sum + beta * c[at];
            }
        }
    }

    /// <summary>
    /// Batched twin of CpuBackend.MatMul: batch contiguous (M, N) products of a (batch, M, K) or, with
    /// transA, (batch, K, M), by b (batch, K, N) or, with transB, (batch, N, K); bShared: b has no batch
    /// dimension and every batch uses the same one.
    /// </summary>
    public static void MatMul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int batch, int m, int n, int k,
        bool transA, bool transB, T alpha, T beta, bool bShared = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = transA ? m : k, ldb = transB ? k : n;
        for (int s = 0; s < batch; s++)
        {
            Gemm(transA, transB, m, n, k, alpha,
                a.Slice(s * m * k, m * k), lda,
                bShared ? b : b.Slice(s * k * n, k * n), ldb,
                beta, c.Slice(s * m * n, m * n), n);
        }
    }
}
