// CpuGemm against its scalar twin: every small shape, odd and large shapes across the cache blocks,
// all transposes, alpha/beta, strided leading dimensions, NaN in C with beta = 0, both kernels and
// both the threaded and single-threaded entries.
using Distill.Backends.Cpu;
using static Distill.Tests.Gemm.GemmCheck;

namespace Distill.Tests.Gemm;

public class CpuGemmTests
{
    private static readonly (float Alpha, float Beta)[] Scalars = [(1f, 0f), (1f, 1f), (-0.5f, 0.75f), (2f, 0f), (0.25f, -1f)];

    [Theory]
    [InlineData(GemmPath.SingleThread)]
    [InlineData(GemmPath.Vector256)]
    public void EverySmallShapeMatchesTwin(GemmPath path)
    {
        int i = 0;
        for (int m = 0; m <= 17; m++)
        for (int n = 0; n <= 17; n++)
        for (int k = 0; k <= 17; k++)
        {
            foreach (var (ta, tb) in Transposes)
            {
                var (alpha, beta) = Scalars[i++ % Scalars.Length];
                Run(ta, tb, m, n, k, alpha, beta, path: path, seed: i);
            }
        }
    }

    public static IEnumerable<object[]> OddShapes()
    {
        int[] sizes = [1, 7, 31, 33, 63, 65, 127, 129, 255, 257];
        // Each size in each role, paired with sizes from elsewhere in the list.
        for (int i = 0; i < sizes.Length; i++)
            yield return [sizes[i], sizes[(i + 3) % sizes.Length], sizes[(i + 7) % sizes.Length]];
        foreach (var s in new[] { 1, 33, 129, 257 }) yield return [s, s, s];
        yield return new object[] { 300, 517, 129 };
        yield return new object[] { 1024, 1024, 64 };
        yield return new object[] { 13, 1000, 300 };     // few rows: the team splits columns
        yield return new object[] { 2300, 40, 35 };      // more rows than one MC block
        yield return new object[] { 70, 1100, 530 };     // several KC and NC blocks
    }

    [Theory]
    [MemberData(nameof(OddShapes))]
    public void OddAndLargeShapesMatchTwin(int m, int n, int k)
    {
        int i = m + n + k;
        foreach (var (ta, tb) in Transposes)
        {
            var (alpha, beta) = Scalars[i++ % Scalars.Length];
            Run(ta, tb, m, n, k, alpha, beta, path: GemmPath.Parallel, seed: i);
            if ((long)m * n * k <= 1 << 22)
                Run(ta, tb, m, n, k, alpha, beta, path: GemmPath.SingleThread, seed: i);
        }
    }

    [Theory]
    [InlineData(129, 300, 257)]
    [InlineData(13, 1000, 300)]
    [InlineData(2300, 40, 35)]
    public void Vector256KernelOnLargeShapes(int m, int n, int k)
    {
        foreach (var (ta, tb) in Transposes)
        {
            Run(ta, tb, m, n, k, 1f, 0.5f, path: GemmPath.Vector256Parallel);
            Run(ta, tb, m, n, k, -1f, 0f, path: GemmPath.Vector256);
        }
    }

    [Theory]
    [InlineData(GemmPath.Parallel)]
    [InlineData(GemmPath.SingleThread)]
    [InlineData(GemmPath.Vector256Parallel)]
    public void StridedLeadingDimensions(GemmPath path)
    {
        foreach (var (m, n, k) in new[] { (5, 9, 3), (37, 45, 29), (64, 64, 64), (150, 300, 70), (200, 70, 300) })
        foreach (var (ta, tb) in Transposes)
        {
            Run(ta, tb, m, n, k, 1.5f, 0f, padA: 3, padB: 5, padC: 7, path: path);
            Run(ta, tb, m, n, k, 1f, -0.5f, padA: 16, padB: 1, padC: 32, path: path);
        }
    }

    [Theory]
    [InlineData(GemmPath.Parallel)]
    [InlineData(GemmPath.SingleThread)]
    [InlineData(GemmPath.Vector256)]
    public void AlphaBetaCombinations(GemmPath path)
    {
        foreach (var alpha in new[] { 1f, 0f, -1f, 0.3f })
        foreach (var beta in new[] { 0f, 1f, -1f, 2.5f })
        foreach (var (ta, tb) in Transposes)
        {
            Run(ta, tb, 25, 70, 40, alpha, beta, path: path);
            Run(ta, tb, 150, 160, 270, alpha, beta, padC: 3, path: path);
        }
    }

    [Theory]
    [InlineData(GemmPath.Parallel)]
    [InlineData(GemmPath.SingleThread)]
    [InlineData(GemmPath.Vector256Parallel)]
    public void BetaZeroNeverReadsNaNInC(GemmPath path)
    {
        foreach (var (m, n, k) in new[] { (1, 1, 1), (12, 32, 16), (13, 33, 17), (150, 300, 270), (7, 9, 0) })
        foreach (var (ta, tb) in Transposes)
        foreach (var alpha in new[] { 1f, 0f })
            Run(ta, tb, m, n, k, alpha, 0f, padC: 2, path: path, nanC: true);
    }

    [Fact]
    public unsafe void ZeroDimensionsLeaveOrScaleC()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        var a = new float[] { 9 };
        fixed (float* pa = a, pc = c)
        {
            CpuGemm.Sgemm(false, false, 0, 3, 4, 1f, pa, 4, pa, 3, 0f, pc, 3);     // M = 0: nothing
            CpuGemm.Sgemm(false, false, 2, 0, 4, 1f, pa, 4, pa, 1, 0f, pc, 3);     // N = 0: nothing
            Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, c);
            CpuGemm.Sgemm(false, false, 2, 3, 0, 1f, pa, 1, pa, 3, 2f, pc, 3);     // K = 0: C = beta C
            Assert.Equal(new float[] { 2, 4, 6, 8, 10, 12 }, c);
            CpuGemm.Sgemm(true, true, 2, 2, 0, 1f, pa, 2, pa, 1, 0f, pc, 3);       // K = 0, beta = 0: zeros, ldc respected
            Assert.Equal(new float[] { 0, 0, 6, 0, 0, 12 }, c);
        }
    }

    [Fact]
    public void ConcurrentCallersGetCorrectResults()
    {
        // Callers that find the team busy run on their own thread; every result must still be right.
        Parallel.For(0, 6, new ParallelOptions { MaxDegreeOfParallelism = 3 }, i =>
        {
            var (ta, tb) = Transposes[i % 4];
            Run(ta, tb, 200 + i, 190, 150, 1f, i % 2 == 0 ? 0f : 1f, path: GemmPath.Parallel, seed: 100 + i);
        });
    }

    [Theory]
    [InlineData(150, 300, 600)]     // one column block: consecutive steps accumulate into the same C tiles
    [InlineData(150, 1100, 600)]    // several column blocks and depth blocks
    public unsafe void RepeatedTeamRunsAgreeExactly(int m, int n, int k)
    {
        // Threads race through the steps; an ordering bug (a step accumulating into C before the
        // previous depth block wrote it, a buffer repacked too early) shows as a run that differs from
        // the others. Same blocking and summation order per tile: runs are bitwise equal.
        var a = Support.Rand.Uniform(m * k, 1);
        var b = Support.Rand.Uniform(n * k, 2);
        var first = new float[m * n];
        var c = new float[m * n];
        fixed (float* pa = a, pb = b, pc = c, pf = first)
        {
            CpuGemm.Sgemm(false, true, m, n, k, 1f, pa, k, pb, k, 0f, pf, n);
            for (int run = 0; run < 60; run++)
            {
                c.AsSpan().Fill(float.NaN);
                CpuGemm.Sgemm(false, true, m, n, k, 1f, pa, k, pb, k, 0f, pc, n);
                Assert.True(c.AsSpan().SequenceEqual(first), $"run {run} differs from the first");
            }
        }
        Run(false, true, m, n, k, path: GemmPath.Parallel);
    }
}
