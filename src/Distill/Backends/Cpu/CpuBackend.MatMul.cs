// MatMul on the CPU: batching and transposes around the packed GEMM (CpuGemm). A weight shared by the
// whole batch folds the batch into M (one large GEMM); many small products run one per thread.
using System.Diagnostics;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void MatMul(Tensor a, Tensor b, Tensor c, bool transA = false, bool transB = false, float alpha = 1f, float beta = 0f)
    {
        Debug.Assert(a.DType == DType.F32 && b.DType == DType.F32 && c.DType == DType.F32, "MatMul: F32 only");
        Debug.Assert(a.Shape.Rank >= 2 && b.Shape.Rank >= 2 && c.Shape.Rank == a.Shape.Rank, "MatMul: ranks");
        int m = transA ? a.Shape[-1] : a.Shape[-2], k = transA ? a.Shape[-2] : a.Shape[-1];
        int n = transB ? b.Shape[-2] : b.Shape[-1];
        int lda = a.Shape[-1], ldb = b.Shape[-1];
        long batch = 1;
        for (int i = 0; i < a.Shape.Rank - 2; i++) batch *= a.Shape[i];
        bool sharedB = b.Shape.Rank == 2;
        Debug.Assert(c.Shape[-2] == m && c.Shape[-1] == n && (transB ? b.Shape[-1] : b.Shape[-2]) == k, "MatMul: shapes");
        Debug.Assert(sharedB || b.Numel == batch * k * n, "MatMul: batch dims of a and b differ");

        float* pa = (float*)a.Pointer, pb = (float*)b.Pointer, pc = (float*)c.Pointer;
        if (batch == 1 || (sharedB && !transA))
        {
            // One GEMM; with a shared weight and row-major a, the batch is just more rows of a and c.
            CpuGemm.Sgemm(transA, transB, checked((int)(batch * m)), n, k, alpha, pa, lda, pb, ldb, beta, pc, n);
            return;
        }

        long strideA = (long)m * k, strideB = sharedB ? 0 : (long)k * n, strideC = (long)m * n;
        long work = (long)m * n * k;
        if (batch >= 2L * CpuParallel.Threads || work < 8 * CpuGemm.ParallelThreshold)
        {
            // Many or small products (attention heads): one whole product per thread.
            nint a0 = (nint)pa, b0 = (nint)pb, c0 = (nint)pc;
            CpuParallel.For(batch, Math.Max(1, work), (s0, s1) =>
            {
                for (long s = s0; s < s1; s++)
                    CpuGemm.SgemmSingleThread(transA, transB, m, n, k, alpha,
                        (float*)a0 + s * strideA, lda, (float*)b0 + s * strideB, ldb, beta, (float*)c0 + s * strideC, n);
            });
            return;
        }
        for (long s = 0; s < batch; s++)
            CpuGemm.Sgemm(transA, transB, m, n, k, alpha, pa + s * strideA, lda, pb + s * strideB, ldb, beta, pc + s * strideC, n);
    }
}
