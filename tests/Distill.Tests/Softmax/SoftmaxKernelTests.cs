// CPU softmax and fused cross-entropy kernels against their scalar twins run in double, at every row
// length of Rand.Lengths(); plus in-place cross-entropy, ignored rows, large logits and NaN.
using Distill.Backends.Cpu;
using Distill.Tensors;
using Distill.Tests.Support;
using static Distill.Tests.Elementwise.KernelTestData;

namespace Distill.Tests.Softmax;

public class SoftmaxKernelTests
{
    private const double Atol = 1e-7, Rtol = 4e-6;
    private const int Ignore = -100;

    private static float[] Logits(int n, int seed, float scale = 4f) => Rand.Normal(n, seed, scale);

    [Fact]
    public void SoftmaxAndBackwardMatchTwinAtEveryRowLength()
    {
        foreach (int v in Rand.Lengths())
        {
            if (v == 0) continue;
            foreach (int rows in RowCounts)
            {
                string what = $"Softmax ({rows}, {v})";
                float[] x = Logits(rows * v, v + rows), dy = Rand.Normal(rows * v, v + 1), dx0 = Rand.Normal(rows * v, v + 2);
                var ey = new double[rows * v];
                CpuReference.Softmax<double>(ToDouble(x), v, ey);
                using var tx = Tensor(x, rows, v);
                using var ty = Tensor(new float[rows * v], rows, v);
                Cpu.Softmax(tx, ty);
                Close.All(ToFloat(ey), ty.ToArray(), Atol, Rtol, what);

                var y = ty.ToArray();
                var edx = ToDouble(dx0);
                CpuReference.SoftmaxBackward<double>(ToDouble(y), ToDouble(dy), v, edx);
                using var tdy = Tensor(dy, rows, v);
                using var tdx = Tensor(dx0, rows, v);
                Cpu.SoftmaxBackward(ty, tdy, tdx);
                Close.All(ToFloat(edx), tdx.ToArray(), 1e-6, 1e-5, what + " backward");
            }
        }
    }

    [Fact]
    public void SoftmaxMayWriteIntoItsInput()
    {
        var x = Logits(3 * 1000, 1);
        using var a = Tensor(x, 3, 1000);
        using var b = Tensor(new float[3000], 3, 1000);
        Cpu.Softmax(a, b);
        Cpu.Softmax(a, a);
        Assert.Equal(b.ToArray(), a.ToArray());
    }

    private static (double[] Losses, double[] Grad) Twin(float[] z, int[] targets, float gradScale)
    {
        double[] losses = new double[targets.Length], grad = new double[z.Length];
        CpuReference.CrossEntropy<double>(ToDouble(z), targets, Ignore, losses, grad, gradScale);
        return (losses, grad);
    }

    [Fact]
    public void CrossEntropyMatchesTwinAtEveryRowLength()
    {
        foreach (int v in Rand.Lengths())
        {
            if (v == 0) continue;
            foreach (int rows in RowCounts)
            {
                string what = $"CrossEntropy ({rows}, {v})";
                var z = Logits(rows * v, v + rows);
                var targets = Rand.Ints(rows, v, v);
                var (el, eg) = Twin(z, targets, 0.5f);
                using var tz = Tensor(z, rows, v);
                using var tt = Tensors.Tensor.FromArray(targets, rows);
                using var tl = Tensor(new float[rows], rows);
                using var td = Tensor(new float[rows * v], rows, v);
                Cpu.CrossEntropy(tz, tt, Ignore, tl, td, 0.5f);
                Close.All(ToFloat(el), tl.ToArray(), 1e-6, 1e-6, what + " loss");
                Close.All(ToFloat(eg), td.ToArray(), Atol, Rtol, what + " dlogits");
                // Loss only, no gradient buffer.
                using var tl2 = Tensor(new float[rows], rows);
                Cpu.CrossEntropy(tz, tt, Ignore, tl2, null, 0.5f);
                Assert.Equal(tl.ToArray(), tl2.ToArray());
            }
        }
    }

    [Fact]
    public void CrossEntropyInPlaceOverwritesLogitsWithTheGradient()
    {
        const int rows = 37, v = 1000;
        var z = Logits(rows * v, 3);
        var targets = Rand.Ints(rows, 4, v);
        targets[5] = Ignore;
        var (el, eg) = Twin(z, targets, 1f / 36);
        using var tz = Tensor(z, rows, v);
        using var tt = Tensors.Tensor.FromArray(targets, rows);
        using var tl = Tensor(new float[rows], rows);
        Cpu.CrossEntropy(tz, tt, Ignore, tl, tz, 1f / 36);
        Close.All(ToFloat(el), tl.ToArray(), 1e-6, 1e-6, "in-place loss");
        Close.All(ToFloat(eg), tz.ToArray(), Atol, Rtol, "in-place dlogits");
    }

    [Fact]
    public void IgnoredRowsGiveZeroLossAndZeroGradient()
    {
        const int rows = 6, v = 50;
        var z = Logits(rows * v, 5);
        int[] targets = [3, Ignore, 49, Ignore, 0, Ignore];
        using var tz = Tensor(z, rows, v);
        using var tt = Tensors.Tensor.FromArray(targets, rows);
        using var tl = Tensor(Enumerable.Repeat(9f, rows).ToArray(), rows);
        using var td = Tensor(Enumerable.Repeat(9f, rows * v).ToArray(), rows, v);
        Cpu.CrossEntropy(tz, tt, Ignore, tl, td, 1f / 3);
        var (el, eg) = Twin(z, targets, 1f / 3);
        Close.All(ToFloat(el), tl.ToArray(), 1e-6, 1e-6, "loss");
        Close.All(ToFloat(eg), td.ToArray(), Atol, Rtol, "dlogits");
        var d = td.ToArray();
        foreach (int r in new[] { 1, 3, 5 })
        {
            Assert.Equal(0f, tl.ToArray()[r]);
            Assert.All(d[(r * v)..((r + 1) * v)], g => Assert.Equal(0f, g));
        }
    }

    [Fact]
    public void AllRowsIgnoredGiveZeros()
    {
        const int rows = 4, v = 33;
        using var tz = Tensor(Logits(rows * v, 6), rows, v);
        using var tt = Tensors.Tensor.FromArray(Enumerable.Repeat(Ignore, rows).ToArray(), rows);
        using var tl = Tensor(Enumerable.Repeat(9f, rows).ToArray(), rows);
        Cpu.CrossEntropy(tz, tt, Ignore, tl, tz, 0f);
        Assert.All(tl.ToArray(), l => Assert.Equal(0f, l));
        Assert.All(tz.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void LargeLogitsDoNotOverflow()
    {
        const int rows = 8, v = 777;
        var z = Rand.Uniform(rows * v, 7, -1e4f, 1e4f);
        for (int i = 3 * v; i < 4 * v; i++) z[i] = Math.Min(z[i], 9000f);
        z[3 * v + 100] = 1e4f;           // one row with a tie at the top, the rest far below
        z[3 * v + 101] = 1e4f;
        var targets = Rand.Ints(rows, 8, v);
        targets[3] = 101;
        var (el, eg) = Twin(z, targets, 0.125f);
        using var tz = Tensor(z, rows, v);
        using var tt = Tensors.Tensor.FromArray(targets, rows);
        using var tl = Tensor(new float[rows], rows);
        using var td = Tensor(new float[rows * v], rows, v);
        Cpu.CrossEntropy(tz, tt, Ignore, tl, td, 0.125f);
        Assert.All(tl.ToArray(), l => Assert.True(float.IsFinite(l)));
        Assert.All(td.ToArray(), g => Assert.True(float.IsFinite(g)));
        // Losses are differences of numbers near 1e4: within a few float ulps of 1e4.
        Close.All(ToFloat(el), tl.ToArray(), 2e-3, 1e-6, "loss");
        Close.All(ToFloat(eg), td.ToArray(), Atol, Rtol, "dlogits");
        Assert.Equal(MathF.Log(2), tl.ToArray()[3], 1e-6f);

        using var ty = Tensor(new float[rows * v], rows, v);
        Cpu.Softmax(tz, ty);
        var ey = new double[rows * v];
        CpuReference.Softmax<double>(ToDouble(z), v, ey);
        Close.All(ToFloat(ey), ty.ToArray(), Atol, Rtol, "softmax of large logits");
    }

    [Fact]
    public void NaNLogitsGiveNaN()
    {
        var z = Logits(2 * 40, 9);
        z[17] = float.NaN;
        using var tz = Tensor(z, 2, 40);
        using var ty = Tensor(new float[80], 2, 40);
        Cpu.Softmax(tz, ty);
        var y = ty.ToArray();
        Assert.All(y[..40], p => Assert.True(float.IsNaN(p)));
        Assert.All(y[40..], p => Assert.False(float.IsNaN(p)));
        using var tt = Tensors.Tensor.FromArray(new[] { 1, 2 }, 2);
        using var tl = Tensor(new float[2], 2);
        Cpu.CrossEntropy(tz, tt, Ignore, tl, null, 1f);
        Assert.True(float.IsNaN(tl.ToArray()[0]));
        Assert.False(float.IsNaN(tl.ToArray()[1]));
    }

    [Fact]
    public void CrossEntropyOverManyRowsMatchesTwin()
    {
        // Enough rows to be split across cores.
        const int rows = 300, v = 2049;
        var z = Logits(rows * v, 10);
        var targets = Rand.Ints(rows, 11, v);
        for (int r = 0; r < rows; r += 7) targets[r] = Ignore;
        var (el, eg) = Twin(z, targets, 0.01f);
        using var tz = Tensor(z, rows, v);
        using var tt = Tensors.Tensor.FromArray(targets, rows);
        using var tl = Tensor(new float[rows], rows);
        Cpu.CrossEntropy(tz, tt, Ignore, tl, tz, 0.01f);
        Close.All(ToFloat(el), tl.ToArray(), 1e-6, 1e-6, "loss");
        Close.All(ToFloat(eg), tz.ToArray(), Atol, Rtol, "dlogits");
    }
}
