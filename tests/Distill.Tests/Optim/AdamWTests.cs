// AdamW: the SIMD kernel against its scalar twin at every length, and the optimizer's clipping and
// decay groups.
using Distill.Backends.Cpu;
using Distill.Optim;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Optim;

public class AdamWTests
{
    public static IEnumerable<object[]> Lengths() => Rand.Lengths().Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Lengths))]
    public void KernelMatchesScalarTwin(int n)
    {
        var p0 = Rand.Normal(n, 1); var g = Rand.Normal(n, 2); var m0 = Rand.Normal(n, 3, 0.1f);
        var v0 = Rand.Uniform(n, 4, 0f, 0.01f);
        float[] p = (float[])p0.Clone(), m = (float[])m0.Clone(), v = (float[])v0.Clone();
        for (int step = 1; step <= 3; step++)
            CpuReference.AdamW(p, g, m, v, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, step, 0.5f);

        using var tp = Tensor.FromArray(p0, n); using var tg = Tensor.FromArray(g, n);
        using var tm = Tensor.FromArray(m0, n); using var tv = Tensor.FromArray(v0, n);
        for (int step = 1; step <= 3; step++)
            CpuBackend.Instance.AdamW(tp, tg, tm, tv, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, step, 0.5f);
        Close.All(p, tp.ToArray(), 1e-6, 1e-5, "param");
        Close.All(m, tm.ToArray(), 1e-7, 1e-6, "m");
        Close.All(v, tv.ToArray(), 1e-9, 1e-6, "v");
    }

    [Fact]
    public void SumSquaresMatchesTwin()
    {
        foreach (var n in new[] { 0, 1, 15, 16, 17, 100_003 })
        {
            var x = Rand.Normal(n, n);
            using var t = Tensor.FromArray(x, n);
            Close.Scalar(CpuReference.SumSquares(x), CpuBackend.Instance.SumSquares(t), 1e-9, 1e-5, $"sumsq n={n}");
        }
    }

    [Fact]
    public void FirstStepMovesEachWeightByLearningRateAgainstTheGradientSign()
    {
        // With bias correction, step 1 is p -= lr * g/|g| (up to eps) for any gradient scale.
        using var w = Tensor.FromArray(new float[] { 1, -1, 2, 0.5f }, 2, 2);
        using var b = Tensor.FromArray(new float[] { 3, 4 }, 2);
        using var opt = new AdamW([w, b], new AdamWOptions { LearningRate = 0.1f, WeightDecay = 0.5f });
        w.Grad = Tensor.FromArray(new float[] { 10, -0.001f, 3, -7 }, 2, 2);
        b.Grad = Tensor.FromArray(new float[] { 1, -1 }, 2);
        opt.Step();
        // w decays by (1 - 0.1*0.5) first; b (rank 1) does not decay.
        Close.All(new float[] { 0.95f - 0.1f, -0.95f + 0.1f, 1.9f - 0.1f, 0.475f + 0.1f }, w.ToArray(), 1e-5, 1e-5, "w");
        Close.All(new float[] { 2.9f, 4.1f }, b.ToArray(), 1e-5, 1e-5, "b");
        w.Grad.Dispose(); b.Grad.Dispose();
    }

    [Fact]
    public void ClippingScalesTheGradientToTheMaxNorm()
    {
        using var w = Tensor.FromArray(new float[] { 0, 0 }, 1, 2);
        using var opt = new AdamW([w], new AdamWOptions { LearningRate = 1f, WeightDecay = 0f, MaxGradNorm = 1f, Beta1 = 0f, Beta2 = 0f, Eps = 0f });
        w.Grad = Tensor.FromArray(new float[] { 3, 4 }, 1, 2);
        double norm = opt.Step();
        Assert.Equal(5.0, norm, 6);
        // beta = 0: update = g'/|g'| = sign: clipping must not change a sign-like step, but m holds the clipped g.
        Close.All(new float[] { 0.6f, 0.8f }, opt.FirstMoments[0].ToArray(), 1e-6, 1e-5, "clipped m");
        w.Grad.Dispose();
    }

    [Fact]
    public void NonFiniteGradientIsRefusedWithTheStep()
    {
        using var w = Tensor.FromArray(new float[] { 1 }, 1, 1);
        using var opt = new AdamW([w]);
        w.Grad = Tensor.FromArray(new float[] { float.NaN }, 1, 1);
        var e = Assert.Throws<InvalidOperationException>(() => opt.Step());
        Assert.Contains("step 1", e.Message);
        Assert.Equal(1f, w.ToArray()[0]);
        w.Grad.Dispose();
    }
}
