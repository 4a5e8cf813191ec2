// RoPE: kernel (both vector widths) against the twin, in-place use, the twin's backward by finite
// differences, the tape rule through GradCheck, and the Hugging Face float32 cos/sin tables.
using Distill.Autograd;
using Distill.Backends.Cpu;
using Distill.Nn;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Attention;

public class RopeTests
{
    private const double Atol = 1e-6, Rtol = 1e-5;

    public static IEnumerable<object[]> HeadDims() => new[] { 2, 4, 6, 8, 16, 64, 66 }.Select(d => new object[] { d });

    [Theory]
    [MemberData(nameof(HeadDims))]
    public void KernelMatchesTwinForwardAndBackward(int d)
    {
        foreach (int b in new[] { 1, 2 })
        foreach (int t in new[] { 1, 2, 3, 7, 16, 33, 65 })
        foreach (int h in new[] { 1, 4, 6 })
            CheckAgainstTwin(b, t, h, d);
    }

    [Fact]
    public void KernelMatchesTwinOverHalfDimLengths()
    {
        // The vector loop runs over D/2 with a scalar tail: every half length 1..130, then long heads.
        for (int half = 1; half <= 130; half++) CheckAgainstTwin(1, 2, 2, 2 * half);
        foreach (int half in new[] { 255, 256, 257, 511 }) CheckAgainstTwin(1, 2, 1, 2 * half);
    }

    private static void CheckAgainstTwin(int b, int t, int h, int d)
    {
        var (cos, sin) = RopeTables.Compute(d, t, 10000.0);
        var x = Rand.Normal(b * t * h * d, seed: d + t);
        var dy = Rand.Normal(x.Length, seed: d + t + 1);
        var dx0 = Rand.Normal(x.Length, seed: d + t + 2);
        var expectY = new float[x.Length];
        CpuReference.Rope<float>(x, cos, sin, expectY, b, t, h, d);
        var expectDx = (float[])dx0.Clone();
        CpuReference.RopeBackward<float>(dy, cos, sin, expectDx, b, t, h, d);
        foreach (bool wide in new[] { true, false })
        {
            string what = $"B={b} T={t} H={h} D={d} {(wide ? "v512" : "v256")}";
            using var xt = Tensor.FromArray(x, b, t, h, d);
            using var ct = Tensor.FromArray(cos, t, d / 2);
            using var st = Tensor.FromArray(sin, t, d / 2);
            using var yt = Tensor.Empty(xt.Shape);
            CpuBackend.Instance.RopeCore(xt, ct, st, yt, backward: false, wide);
            Close.All(expectY, yt.AsSpan(), Atol, Rtol, "y " + what);
            CpuBackend.Instance.RopeCore(xt, ct, st, xt, backward: false, wide);   // y aliasing x
            Close.All(expectY, xt.AsSpan(), Atol, Rtol, "in-place y " + what);
            using var dyt = Tensor.FromArray(dy, b, t, h, d);
            using var dxt = Tensor.FromArray(dx0, b, t, h, d);
            CpuBackend.Instance.RopeCore(dyt, ct, st, dxt, backward: true, wide);
            Close.All(expectDx, dxt.AsSpan(), Atol, Rtol, "dx " + what);
        }
    }

    [Fact]
    public void BackwardIsTheInverseRotation()
    {
        const int b = 1, t = 9, h = 2, d = 10;
        var (cos, sin) = RopeTables.Compute(d, t, 500000.0);
        var x = Rand.Normal(b * t * h * d, seed: 3);
        var y = new float[x.Length];
        CpuReference.Rope<float>(x, cos, sin, y, b, t, h, d);
        var back = new float[x.Length];
        CpuReference.RopeBackward<float>(y, cos, sin, back, b, t, h, d);
        Close.All(x, back, 1e-5, 1e-5, "R^T R x");
    }

    [Fact]
    public void TwinBackwardMatchesFiniteDifferences()
    {
        const int b = 2, t = 3, h = 2, d = 6;
        var (cosF, sinF) = RopeTables.Compute(d, t, 10000.0);
        double[] cos = AttentionKernelTests.ToDouble(cosF), sin = AttentionKernelTests.ToDouble(sinF);
        var x = TwinFiniteDifference.Uniform(b * t * h * d, 1);
        var r = TwinFiniteDifference.Uniform(x.Length, 2);
        var dx = new double[x.Length];
        CpuReference.RopeBackward<double>(r, cos, sin, dx, b, t, h, d);
        TwinFiniteDifference.Check(inputs =>
        {
            var y = new double[inputs[0].Length];
            CpuReference.Rope<double>(inputs[0], cos, sin, y, b, t, h, d);
            return y;
        }, [x], r, [dx], ["x"]);
    }

    [Fact]
    public void OpsRopeGradCheck()
    {
        const int b = 2, t = 4, h = 3, d = 6;
        using var tables = RopeTables.Build(d, 16);
        var (cos, sin) = tables.ForLength(t);
        using (cos)
        using (sin)
        {
            using var x = Tensor.FromArray(Rand.Uniform(b * t * h * d, 41), b, t, h, d);
            x.Name = "x";
            x.RequiresGrad = true;
            var worst = GradCheck.Worst(a => Ops.Rope(a[0], cos, sin), [x]);
            Assert.True(worst.Error < 1, $"worst: {worst}");
        }
    }

    [Fact]
    public void TablesFollowHuggingFaceFloat32Recipe()
    {
        const int d = 64, positions = 4096;
        var inv = RopeTables.InverseFrequencies(d, 10000.0);
        Assert.Equal(d / 2, inv.Length);
        Assert.Equal(1f, inv[0]);
        Assert.Equal(0.01f, inv[16]);                 // 10000^(-32/64) = 1/100 exactly
        for (int i = 1; i < inv.Length; i++) Assert.True(inv[i] < inv[i - 1]);
        Close.Scalar(Math.Pow(10000.0, -2.0 / 64), inv[1], 0, 2e-7, "inv_freq[1]");

        using var tables = RopeTables.Build(d, positions);
        Assert.Equal(new Shape(positions, d / 2), tables.Cos.Shape);
        Assert.Equal(new Shape(positions, d / 2), tables.Sin.Shape);
        var cos = tables.Cos.AsSpan();
        var sin = tables.Sin.AsSpan();
        for (int i = 0; i < d / 2; i++)
        {
            Assert.Equal(1f, cos[i]);                 // position 0: no rotation
            Assert.Equal(0f, sin[i]);
        }
        foreach (int t in new[] { 1, 7, 100, 4095 })
            foreach (int i in new[] { 0, 1, 15, 31 })
            {
                float angle = (float)t * inv[i];     // the float32 product PyTorch forms
                Assert.Equal((float)Math.Cos(angle), cos[t * (d / 2) + i]);
                Assert.Equal((float)Math.Sin(angle), sin[t * (d / 2) + i]);
            }
        Close.Scalar(Math.Cos(1.0), cos[d / 2], 0, 1e-7, "cos(1)");

        var (c5, s5) = tables.ForLength(5);
        using (c5)
        using (s5)
        {
            Assert.Equal(new Shape(5, d / 2), c5.Shape);
            Assert.Equal(cos[..(5 * d / 2)].ToArray(), c5.ToArray());
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => tables.ForLength(positions + 1));
        Assert.Throws<ArgumentException>(() => RopeTables.Build(5, 8));
    }
}
