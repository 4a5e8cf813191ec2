// The CPU attention kernels (Vector512 and Vector256 paths) against the scalar twin run in double,
// over batch, length, grouped-head and head-dim shapes, forward and accumulating backward.
using Distill.Backends.Cpu;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Attention;

public class AttentionKernelTests
{
    private const double Atol = 1e-5, Rtol = 1e-4;
    private static readonly int[] Batches = [1, 2];
    private static readonly int[] Lengths = [1, 2, 3, 7, 16, 33, 65];

    public static IEnumerable<object[]> HeadsAndDims()
    {
        foreach (var (hq, hkv) in new[] { (1, 1), (4, 4), (4, 2), (6, 1) })
            foreach (int d in new[] { 1, 2, 4, 6, 8, 16, 64, 66 })
                yield return [hq, hkv, d];
    }

    [Theory]
    [MemberData(nameof(HeadsAndDims))]
    public void ForwardMatchesTwin(int hq, int hkv, int d)
    {
        foreach (int b in Batches)
        foreach (int t in Lengths)
        foreach (bool wide in new[] { true, false })
        {
            var c = new Case(b, t, hq, hkv, d, seed: b * 1000 + t * 10 + d);
            using var q = Tensor.FromArray(c.Q, b, t, hq, d);
            using var k = Tensor.FromArray(c.K, b, t, hkv, d);
            using var v = Tensor.FromArray(c.V, b, t, hkv, d);
            using var o = Tensor.Empty(new Shape(b, t, hq, d));
            using var lse = Tensor.Empty(new Shape(b, hq, t));
            CpuBackend.Instance.AttentionCore(q, k, v, c.Scale, o, lse, wide);
            string what = $"B={b} T={t} Hq={hq} Hkv={hkv} D={d} {(wide ? "v512" : "v256")}";
            Close.All(ToFloat(c.Out), o.AsSpan(), Atol, Rtol, "out " + what);
            Close.All(ToFloat(c.Lse), lse.AsSpan(), Atol, Rtol, "lse " + what);
        }
    }

    [Theory]
    [MemberData(nameof(HeadsAndDims))]
    public void BackwardAccumulatesTwinGradients(int hq, int hkv, int d)
    {
        foreach (int b in Batches)
        foreach (int t in Lengths)
        foreach (bool wide in new[] { true, false })
        {
            var c = new Case(b, t, hq, hkv, d, seed: b * 1000 + t * 10 + d + 7);
            var dOut = Rand.Uniform(c.Q.Length, seed: t + 31 * d);
            var dq0 = Rand.Uniform(c.Q.Length, seed: 11 + t);
            var dk0 = Rand.Uniform(c.K.Length, seed: 12 + t);
            var dv0 = Rand.Uniform(c.K.Length, seed: 13 + t);
            using var q = Tensor.FromArray(c.Q, b, t, hq, d);
            using var k = Tensor.FromArray(c.K, b, t, hkv, d);
            using var v = Tensor.FromArray(c.V, b, t, hkv, d);
            using var o = Tensor.FromArray(ToFloat(c.Out), b, t, hq, d);
            using var lse = Tensor.FromArray(ToFloat(c.Lse), b, hq, t);
            using var g = Tensor.FromArray(dOut, b, t, hq, d);
            using var dq = Tensor.FromArray(dq0, b, t, hq, d);
            using var dk = Tensor.FromArray(dk0, b, t, hkv, d);
            using var dv = Tensor.FromArray(dv0, b, t, hkv, d);
            CpuBackend.Instance.AttentionBackwardCore(q, k, v, o, lse, g, c.Scale, dq, dk, dv, wide);

            double[] eq = ToDouble(dq0), ek = ToDouble(dk0), ev = ToDouble(dv0);
            CpuReference.AttentionBackward<double>(ToDouble(c.Q), ToDouble(c.K), ToDouble(c.V), c.Out, c.Lse, ToDouble(dOut),
                c.Scale, eq, ek, ev, b, t, hq, hkv, d);
            string what = $"B={b} T={t} Hq={hq} Hkv={hkv} D={d} {(wide ? "v512" : "v256")}";
            Close.All(ToFloat(eq), dq.AsSpan(), Atol, Rtol, "dq " + what);
            Close.All(ToFloat(ek), dk.AsSpan(), Atol, Rtol, "dk " + what);
            Close.All(ToFloat(ev), dv.AsSpan(), Atol, Rtol, "dv " + what);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SharpScoresStayFinite(bool wide)
    {
        // Scores of +-50 would overflow exp without the running max; rows are near one-hot.
        const int b = 1, t = 40, hq = 2, hkv = 1, d = 16;
        var c = new Case(b, t, hq, hkv, d, seed: 5, std: 3f, scale: 1f);
        using var q = Tensor.FromArray(c.Q, b, t, hq, d);
        using var k = Tensor.FromArray(c.K, b, t, hkv, d);
        using var v = Tensor.FromArray(c.V, b, t, hkv, d);
        using var o = Tensor.Empty(new Shape(b, t, hq, d));
        using var lse = Tensor.Empty(new Shape(b, hq, t));
        CpuBackend.Instance.AttentionCore(q, k, v, c.Scale, o, lse, wide);
        Assert.True(c.Lse.Max() > 50, "test data should have sharp rows");
        Close.All(ToFloat(c.Out), o.AsSpan(), Atol, Rtol, "out");
        Close.All(ToFloat(c.Lse), lse.AsSpan(), Atol, Rtol, "lse");
    }

    [Fact]
    public void EmptyShapesAreNoOps()
    {
        foreach (var (b, t) in new[] { (0, 5), (2, 0) })
        {
            using var q = Tensor.Empty(new Shape(b, t, 4, 8));
            using var k = Tensor.Empty(new Shape(b, t, 2, 8));
            using var o = Tensor.Empty(q.Shape);
            using var lse = Tensor.Empty(new Shape(b, 4, t));
            CpuBackend.Instance.Attention(q, k, k, 0.3f, o, lse);
            CpuBackend.Instance.AttentionBackward(q, k, k, o, lse, o, 0.3f, q, k, k);
        }
    }

    [Fact]
    public void LongSequenceWithGroupedHeadsMatchesTwin()
    {
        // Several key blocks and backward panels, uneven everywhere: T = 300, D = 40, 3 query heads per kv head.
        const int b = 1, t = 300, hq = 3, hkv = 1, d = 40;
        var c = new Case(b, t, hq, hkv, d, seed: 77);
        var dOut = Rand.Uniform(c.Q.Length, seed: 78);
        using var q = Tensor.FromArray(c.Q, b, t, hq, d);
        using var k = Tensor.FromArray(c.K, b, t, hkv, d);
        using var v = Tensor.FromArray(c.V, b, t, hkv, d);
        using var o = Tensor.Empty(new Shape(b, t, hq, d));
        using var lse = Tensor.Empty(new Shape(b, hq, t));
        using var g = Tensor.FromArray(dOut, b, t, hq, d);
        using var dq = Tensor.Zeros(q.Shape);
        using var dk = Tensor.Zeros(k.Shape);
        using var dv = Tensor.Zeros(v.Shape);
        CpuBackend.Instance.Attention(q, k, v, c.Scale, o, lse);
        CpuBackend.Instance.AttentionBackward(q, k, v, o, lse, g, c.Scale, dq, dk, dv);
        Close.All(ToFloat(c.Out), o.AsSpan(), Atol, Rtol, "out");
        Close.All(ToFloat(c.Lse), lse.AsSpan(), Atol, Rtol, "lse");
        double[] eq = new double[c.Q.Length], ek = new double[c.K.Length], ev = new double[c.K.Length];
        CpuReference.AttentionBackward<double>(ToDouble(c.Q), ToDouble(c.K), ToDouble(c.V), c.Out, c.Lse, ToDouble(dOut),
            c.Scale, eq, ek, ev, b, t, hq, hkv, d);
        Close.All(ToFloat(eq), dq.AsSpan(), Atol, Rtol, "dq");
        Close.All(ToFloat(ek), dk.AsSpan(), Atol, Rtol, "dk");
        Close.All(ToFloat(ev), dv.AsSpan(), Atol, Rtol, "dv");
    }

    [Fact]
    public void ParallelRunsAreBitwiseRepeatable()
    {
        const int b = 2, t = 50, hq = 4, hkv = 2, d = 24;
        var c = new Case(b, t, hq, hkv, d, seed: 9);
        var dOut = Rand.Uniform(c.Q.Length, seed: 10);
        float[]? first = null;
        for (int run = 0; run < 3; run++)
        {
            using var q = Tensor.FromArray(c.Q, b, t, hq, d);
            using var k = Tensor.FromArray(c.K, b, t, hkv, d);
            using var v = Tensor.FromArray(c.V, b, t, hkv, d);
            using var o = Tensor.Empty(new Shape(b, t, hq, d));
            using var lse = Tensor.Empty(new Shape(b, hq, t));
            using var g = Tensor.FromArray(dOut, b, t, hq, d);
            using var dq = Tensor.Zeros(q.Shape);
            using var dk = Tensor.Zeros(k.Shape);
            using var dv = Tensor.Zeros(v.Shape);
            var be = CpuBackend.Instance;
            be.Attention(q, k, v, c.Scale, o, lse);
            be.AttentionBackward(q, k, v, o, lse, g, c.Scale, dq, dk, dv);
            float[] all = [.. o.ToArray(), .. lse.ToArray(), .. dq.ToArray(), .. dk.ToArray(), .. dv.ToArray()];
            if (first is null) first = all;
            else Assert.Equal(first, all);
        }
    }

    /// <summary>Random inputs and the double twin's forward results for one shape.</summary>
    private sealed class Case
    {
        public readonly float[] Q, K, V;
        public readonly float Scale;
        public readonly double[] Out, Lse;

        public Case(int b, int t, int hq, int hkv, int d, int seed, float std = 1f, float? scale = null)
        {
            Q = Rand.Normal(b * t * hq * d, seed, std);
            K = Rand.Normal(b * t * hkv * d, seed + 1, std);
            V = Rand.Uniform(b * t * hkv * d, seed + 2);
            Scale = scale ?? 1f / MathF.Sqrt(d);
            Out = new double[Q.Length];
            Lse = new double[b * hq * t];
            CpuReference.Attention<double>(ToDouble(Q), ToDouble(K), ToDouble(V), Scale, Out, Lse, b, t, hq, hkv, d);
        }
    }

    internal static double[] ToDouble(float[] a) => Array.ConvertAll(a, x => (double)x);
    internal static float[] ToFloat(double[] a) => Array.ConvertAll(a, x => (float)x);
}
