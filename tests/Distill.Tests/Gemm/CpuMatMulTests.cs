// CpuBackend.MatMul against the batched scalar twin: batches (rank 3 and 4), a weight shared by the
// batch (folded into M, or looped when a is transposed), many small products (one per thread), every
// transpose, alpha/beta, and beta = 0 over NaN garbage.
using Distill.Backends.Cpu;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Gemm;

public class CpuMatMulTests
{
    /// <summary>a (batch..., M, K)/(batch..., K, M), b likewise or rank 2 when shared; checks c (batch..., M, N).</summary>
    private static void Check(int[] batchDims, int m, int n, int k, bool transA, bool transB, bool sharedB,
        float alpha = 1f, float beta = 0f, bool nanC = false, int seed = 1)
    {
        int batch = batchDims.Aggregate(1, (x, y) => x * y);
        int[] Dims(params int[] last) => batchDims.Concat(last).ToArray();
        var aData = Rand.Uniform(batch * m * k, seed);
        var bData = Rand.Uniform((sharedB ? 1 : batch) * k * n, seed + 1);
        var cData = nanC ? Enumerable.Repeat(float.NaN, batch * m * n).ToArray() : Rand.Uniform(batch * m * n, seed + 2);
        using var a = Tensor.FromArray(aData, transA ? Dims(k, m) : Dims(m, k));
        using var b = sharedB ? Tensor.FromArray(bData, transB ? [n, k] : [k, n]) : Tensor.FromArray(bData, transB ? Dims(n, k) : Dims(k, n));
        using var c = Tensor.FromArray(cData, Dims(m, n));

        var expected = cData.Select(x => (double)x).ToArray();
        CpuReference.MatMul<double>(aData.Select(x => (double)x).ToArray(), bData.Select(x => (double)x).ToArray(), expected,
            batch, m, n, k, transA, transB, alpha, beta, sharedB);
        CpuBackend.Instance.MatMul(a, b, c, transA, transB, alpha, beta);
        Close.All(expected.Select(x => (float)x).ToArray(), c.ToArray(), GemmCheck.Atol(k, alpha, beta), GemmCheck.Rtol,
            $"MatMul {a.Shape}{(transA ? "^T" : "")} x {b.Shape}{(transB ? "^T" : "")} alpha={alpha} beta={beta}{(nanC ? " NaN C" : "")}");
    }

    [Fact]
    public void TwoDimensionalAllTransposes()
    {
        foreach (var (ta, tb) in GemmCheck.Transposes)
        foreach (var (m, n, k) in new[] { (1, 1, 1), (3, 5, 7), (64, 48, 80), (129, 257, 33), (300, 200, 260) })
            Check([], m, n, k, ta, tb, sharedB: false, seed: m + n + k);
    }

    [Fact]
    public void BatchedAllTransposes()
    {
        foreach (var (ta, tb) in GemmCheck.Transposes)
        {
            Check([3], 17, 19, 23, ta, tb, sharedB: false);
            Check([2, 3], 33, 40, 9, ta, tb, sharedB: false, alpha: 0.5f, beta: 1f);
            Check([2], 200, 150, 130, ta, tb, sharedB: false, alpha: -1f, beta: 0.5f);   // large: team per product
        }
    }

    [Fact]
    public void ManySmallProductsOnePerThread()
    {
        // Attention-shaped: (B, H, T, D) x (B, H, T, D)^T and (B, H, T, T) x (B, H, T, D).
        Check([2, 4], 31, 31, 16, false, true, sharedB: false);
        Check([2, 4], 31, 16, 31, false, false, sharedB: false);
        Check([2, 4], 16, 31, 31, true, false, sharedB: false, beta: 1f);
    }

    [Fact]
    public void SharedWeightFoldsBatchIntoRows()
    {
        foreach (var tb in new[] { false, true })
        {
            Check([4], 13, 40, 24, false, tb, sharedB: true);
            Check([2, 3], 50, 70, 65, false, tb, sharedB: true, alpha: 2f, beta: -1f);
            Check([8], 128, 96, 64, false, tb, sharedB: true);
        }
    }

    [Fact]
    public void SharedWeightWithTransposedBatchedA()
    {
        // Ops rejects this combination, but the backend contract allows it: one product per batch entry.
        foreach (var tb in new[] { false, true })
            Check([3], 11, 20, 14, true, tb, sharedB: true, beta: 0.5f);
    }

    [Fact]
    public void BetaZeroOverwritesNaN()
    {
        foreach (var (ta, tb) in GemmCheck.Transposes)
        {
            Check([2], 9, 70, 33, ta, tb, sharedB: false, nanC: true);
            Check([], 150, 140, 120, ta, tb, sharedB: false, nanC: true);
            if (!ta) Check([3], 20, 30, 40, ta, tb, sharedB: true, nanC: true);
        }
    }

    [Fact]
    public void EmptyDimensions()
    {
        Check([2], 0, 5, 3, false, false, sharedB: false);
        Check([2], 4, 0, 3, false, true, sharedB: false);
        Check([2], 4, 5, 0, true, false, sharedB: false, beta: 0.5f);
        Check([0], 4, 5, 3, false, false, sharedB: true);
    }
}
