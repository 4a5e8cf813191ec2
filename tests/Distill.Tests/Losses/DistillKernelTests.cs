// The fused distillation kernels (dense and top-k) against their scalar twins in double: every
// divergence, T = 1 and 2, with and without targets, over vocabulary sizes 1..256, odd and multi-block.
using Distill.Losses;

namespace Distill.Tests.Losses;

public class DistillKernelTests
{
    public static TheoryData<Divergence, float, bool> Grid()
    {
        var data = new TheoryData<Divergence, float, bool>();
        foreach (var d in DistillCases.All)
            foreach (var t in new[] { 1f, 2f })
                foreach (var targets in new[] { false, true })
                    data.Add(d, t, targets);
        return data;
    }

    [Theory]
    [MemberData(nameof(Grid))]
    public void DenseKernelMatchesTwin(Divergence d, float temperature, bool withTargets)
    {
        var o = DistillCases.Options(d, temperature);
        foreach (int v in DistillCases.Vocabs())
        {
            int rows = v >= 4096 ? 2 : 3;
            var (s, t) = DistillCases.Logits(rows, v, seed: v);
            var tg = withTargets ? DistillCases.Targets(rows, v, seed: v) : null;
            var expected = DistillCases.Twin(s, t, tg, rows, v, o);
            DistillCases.AssertClose(expected, DistillCases.Kernel(s, t, tg, rows, v, o), $"{d} T={temperature} V={v}");
        }
    }

    [Theory]
    [MemberData(nameof(Grid))]
    public void SparseKernelMatchesTwinBothTails(Divergence d, float temperature, bool withTargets)
    {
        foreach (var tail in new[] { SparseTail.Renormalize, SparseTail.Bucket })
        {
            var o = DistillCases.Options(d, temperature, tail);
            foreach (int v in new[] { 1, 2, 5, 16, 17, 33, 64, 100, 257, 1031, 2049 })
                foreach (int k in new[] { 1, 3, 16, 64 })
                {
                    if (k > v) continue;
                    const int rows = 3;
                    var (s, t) = DistillCases.Logits(rows, v, seed: v + k);
                    var (ids, top, lse) = DistillCases.TopK(t, rows, v, k, temperature);
                    var tg = withTargets ? DistillCases.Targets(rows, v, seed: v) : null;
                    var expected = DistillCases.TwinSparse(s, ids, top, lse, tg, rows, v, o);
                    var actual = DistillCases.KernelSparse(s, ids, top, lse, tg, rows, v, k, o);
                    DistillCases.AssertClose(expected, actual, $"{d} {tail} T={temperature} V={v} k={k}");
                }
        }
    }

    [Theory]
    [InlineData(Divergence.ForwardKl, 3f)]
    [InlineData(Divergence.Jsd, 0.5f)]
    [InlineData(Divergence.Taid, 1.7f)]
    [InlineData(Divergence.SkewReverseKl, 3f)]
    public void OtherTemperaturesMatchTwin(Divergence d, float temperature)
    {
        var o = DistillCases.Options(d, temperature);
        foreach (int v in new[] { 1, 7, 16, 100, 1031, 3000 })
        {
            const int rows = 4;
            var (s, t) = DistillCases.Logits(rows, v, seed: 3 * v);
            var tg = DistillCases.Targets(rows, v, seed: v);
            DistillCases.AssertClose(DistillCases.Twin(s, t, tg, rows, v, o), DistillCases.Kernel(s, t, tg, rows, v, o), $"{d} T={temperature} V={v}");
        }
    }

    [Fact]
    public void ManyRowsSplitAcrossCoresMatchTwin()
    {
        const int rows = 64, v = 2000;
        var o = DistillCases.Options(Divergence.Jsd, 2f);
        var (s, t) = DistillCases.Logits(rows, v, seed: 5);
        var tg = DistillCases.Targets(rows, v, seed: 6);
        DistillCases.AssertClose(DistillCases.Twin(s, t, tg, rows, v, o), DistillCases.Kernel(s, t, tg, rows, v, o), "64 rows");
    }

    [Theory]
    [InlineData(Divergence.ForwardKl)]
    [InlineData(Divergence.TotalVariation)]
    public void LossWithoutGradientEqualsLossWithGradient(Divergence d)
    {
        const int rows = 3, v = 1031;
        var o = DistillCases.Options(d, 2f);
        var (s, t) = DistillCases.Logits(rows, v, seed: 9);
        var tg = DistillCases.Targets(rows, v, seed: 9);
        var with = DistillCases.Kernel(s, t, tg, rows, v, o);
        var without = DistillCases.Kernel(s, t, tg, rows, v, o, grad: false);
        Assert.Equal(with.Soft, without.Soft);
        Assert.Equal(with.Hard, without.Hard);
    }
}
