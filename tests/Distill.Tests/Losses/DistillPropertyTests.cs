// Properties of the fused distillation losses that hold by definition: no divergence between equal
// distributions, JSD(0.5) symmetric, JSD's endpoints exactly the KLs, a top-k teacher with k = V is
// the dense teacher, an in-place gradient equals an out-of-place one, large gradients (streaming
// stores) agree with the twin.
using Distill.Backends.Cpu;
using Distill.Losses;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Losses;

public class DistillPropertyTests
{
    public static TheoryData<Divergence, float> DivergenceByTemperature()
    {
        var data = new TheoryData<Divergence, float>();
        foreach (var d in DistillCases.All)
            foreach (var t in new[] { 1f, 2f })
                data.Add(d, t);
        return data;
    }

    [Theory]
    [MemberData(nameof(DivergenceByTemperature))]
    public void EqualDistributionsGiveZeroDivergenceAndZeroGradient(Divergence d, float temperature)
    {
        const int rows = 3;
        foreach (int v in new[] { 1, 7, 100, 1031, 4096 })
        {
            var s = Rand.Normal(rows * v, v, 2.5f);
            var o = DistillCases.Options(d, temperature);
            var r = DistillCases.Kernel(s, (float[])s.Clone(), null, rows, v, o, softScale: 1f, hardScale: 0f);
            // TAID's objective is the cross-entropy -sum p_t log p_S (LOSSES.md), whose value at equality is the entropy of p_S.
            var expected = d == Divergence.Taid ? Entropies(s, rows, v, temperature) : new float[rows];
            Close.All(expected, r.Soft, 2e-6, 1e-5, $"{d} T={temperature} V={v} value");
            Close.All(new float[rows * v], r.Grad, 1e-6, 0, $"{d} T={temperature} V={v} gradient");
        }
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(2f)]
    public void JsdHalfIsSymmetric(float temperature)
    {
        const int rows = 4, v = 1031;
        var (a, b) = DistillCases.Logits(rows, v, 11);
        var o = DistillCases.Options(Divergence.Jsd, temperature) with { Beta = 0.5f };
        var ab = DistillCases.Kernel(a, b, null, rows, v, o);
        var ba = DistillCases.Kernel(b, a, null, rows, v, o);
        Close.All(ab.Soft, ba.Soft, 1e-6, 1e-5, "JSD(0.5)(a, b) vs (b, a)");
    }

    [Theory]
    [InlineData(0f, Divergence.ForwardKl)]
    [InlineData(1f, Divergence.ReverseKl)]
    public void JsdEndpointsAreExactlyTheKls(float beta, Divergence same)
    {
        const int rows = 5, v = 1031;
        var (s, t) = DistillCases.Logits(rows, v, 12);
        var tg = DistillCases.Targets(rows, v, 12);
        foreach (var temperature in new[] { 1f, 2f })
        {
            var jsd = DistillCases.Kernel(s, t, tg, rows, v, DistillCases.Options(Divergence.Jsd, temperature) with { Beta = beta });
            var kl = DistillCases.Kernel(s, t, tg, rows, v, DistillCases.Options(same, temperature));
            Assert.Equal(kl.Soft, jsd.Soft);
            Assert.Equal(kl.Hard, jsd.Hard);
            Assert.Equal(kl.Grad, jsd.Grad);
        }
    }

    [Fact]
    public void TwinJsdEndpointsAreTheKls()
    {
        const int rows = 2, v = 9;
        var (s, t) = DistillCases.Logits(rows, v, 13);
        foreach (var (beta, same) in new[] { (0f, Divergence.ForwardKl), (1f, Divergence.ReverseKl) })
        {
            var jsd = DistillCases.Twin(s, t, null, rows, v, DistillCases.Options(Divergence.Jsd, 2f) with { Beta = beta });
            var kl = DistillCases.Twin(s, t, null, rows, v, DistillCases.Options(same, 2f));
            Assert.Equal(kl.Soft, jsd.Soft);
            Assert.Equal(kl.Grad, jsd.Grad);
        }
    }

    [Theory]
    [MemberData(nameof(DivergenceByTemperature))]
    public void SparseWithKEqualToVocabularyIsDense(Divergence d, float temperature)
    {
        const int rows = 3;
        foreach (var tail in new[] { SparseTail.Renormalize, SparseTail.Bucket })
            foreach (int v in new[] { 1, 16, 33, 300, 1031 })
            {
                var s = Rand.Normal(rows * v, v, 1.5f);
                var t = Rand.Normal(rows * v, v + 1, 1f);
                var tg = DistillCases.Targets(rows, v, v);
                var o = DistillCases.Options(d, temperature, tail);
                var (ids, top, lse) = DistillCases.TopK(t, rows, v, v, temperature);
                var dense = DistillCases.Kernel(s, t, tg, rows, v, o);
                var sparse = DistillCases.KernelSparse(s, ids, top, lse, tg, rows, v, v, o);
                DistillCases.AssertClose(dense, sparse, $"{d} {tail} T={temperature} V={v} sparse(k=V) vs dense");
            }
    }

    [Theory]
    [InlineData(Divergence.ForwardKl, 2f)]
    [InlineData(Divergence.ReverseKl, 1f)]
    [InlineData(Divergence.Jsd, 2f)]
    [InlineData(Divergence.SkewKl, 3f)]
    [InlineData(Divergence.TotalVariation, 2f)]
    [InlineData(Divergence.Taid, 1f)]
    public void InPlaceGradientEqualsOutOfPlace(Divergence d, float temperature)
    {
        const int rows = 6, v = 1031, k = 20;
        var (s, t) = DistillCases.Logits(rows, v, 14);
        var tg = DistillCases.Targets(rows, v, 14);
        var o = DistillCases.Options(d, temperature, SparseTail.Bucket);
        var outOfPlace = DistillCases.Kernel(s, t, tg, rows, v, o);
        using (var st = Tensor.FromArray(s, rows, v))
        using (var tt = Tensor.FromArray(t, rows, v))
        using (var tgt = Tensor.FromArray(tg, rows))
        using (var soft = Tensor.Zeros(new Shape(rows)))
        using (var hard = Tensor.Zeros(new Shape(rows)))
        {
            CpuBackend.Instance.DistillLoss(st, tt, tgt, o, soft, hard, st, 0.7f, 0.3f);   // dStudent aliases the student
            Assert.Equal(outOfPlace.Soft, soft.ToArray());
            Assert.Equal(outOfPlace.Hard, hard.ToArray());
            Assert.Equal(outOfPlace.Grad, st.ToArray());
        }

        var (ids, top, lse) = DistillCases.TopK(t, rows, v, k, temperature);
        var sparse = DistillCases.KernelSparse(s, ids, top, lse, tg, rows, v, k, o);
        using (var st = Tensor.FromArray(s, rows, v))
        using (var ti = Tensor.FromArray(ids, rows, k))
        using (var tt = Tensor.FromArray(top, rows, k))
        using (var tl = Tensor.FromArray(lse, rows))
        using (var tgt = Tensor.FromArray(tg, rows))
        using (var soft = Tensor.Zeros(new Shape(rows)))
        using (var hard = Tensor.Zeros(new Shape(rows)))
        {
            CpuBackend.Instance.DistillLossSparse(st, ti, tt, tl, tgt, o, soft, hard, st, 0.7f, 0.3f);
            Assert.Equal(sparse.Soft, soft.ToArray());
            Assert.Equal(sparse.Grad, st.ToArray());
        }
    }

    [Theory]
    [InlineData(Divergence.ForwardKl)]
    [InlineData(Divergence.SkewReverseKl)]
    public void LargeGradientWithStreamingStoresMatchesTwin(Divergence d)
    {
        // 8 MiB floats = 32 MiB of gradient: at the streaming threshold, so dz goes out with non-temporal stores.
        const int rows = 1024, v = 8192;
        var (s, t) = DistillCases.Logits(rows, v, 15);
        var tg = DistillCases.Targets(rows, v, 15);
        var o = DistillCases.Options(d, 2f);
        var all = DistillCases.Kernel(s, t, tg, rows, v, o);
        foreach (int r in new[] { 0, 2, 511, 1023 })
        {
            var one = DistillCases.Twin(s[(r * v)..((r + 1) * v)], t[(r * v)..((r + 1) * v)], [tg[r]], 1, v, o);
            var got = new DistillCases.Outputs([all.Soft[r]], [all.Hard[r]], all.Grad![(r * v)..((r + 1) * v)]);
            DistillCases.AssertClose(one, got, $"{d} row {r} of {rows}x{v}");
        }
    }

    /// <summary>Entropy of softmax(z / T) per row, in double.</summary>
    private static float[] Entropies(float[] z, int rows, int v, float temperature)
    {
        var h = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var a = new double[v];
            for (int i = 0; i < v; i++) a[i] = z[r * v + i] / (double)temperature;
            double max = a.Max(), sum = a.Sum(x => Math.Exp(x - max)), lse = max + Math.Log(sum), e = 0;
            foreach (var x in a) e -= Math.Exp(x - lse) * (x - lse);
            h[r] = (float)e;
        }
        return h;
    }
}
