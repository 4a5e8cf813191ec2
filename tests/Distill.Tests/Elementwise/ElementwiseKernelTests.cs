// CPU elementwise kernels (SIMD) against their scalar twins run in double, at every length of
// Rand.Lengths() so each vector width, unrolled loop and scalar tail is exercised; backward kernels
// accumulate into non-zero gradients.
using Distill.Backends.Cpu;
using Distill.Tests.Support;
using static Distill.Tests.Elementwise.KernelTestData;

namespace Distill.Tests.Elementwise;

public class ElementwiseKernelTests
{
    // Add, Mul, Scale, Axpy round once (FMA for axpy): they must equal the correctly rounded result.
    private const double ExactAtol = 1e-30, ExactRtol = 6e-8;
    // Activations: exp within 1 ulp, plus the conditioning of exp(-2u) on u's rounding (|u| * 2^-24).
    private const double ActAtol = 1e-7, ActRtol = 2e-6;
    // Backward: dx0 + dy * f'(x) may cancel, so the error is relative to the terms (|dy f'| ~ 1), not the sum.
    private const double GradAtol = 5e-7, GradRtol = 2e-6;

    [Fact]
    public void AddMulScaleAxpyAreCorrectlyRounded()
    {
        foreach (int n in Rand.Lengths())
        {
            float[] a = Rand.Normal(n, n), b = Rand.Normal(n, n + 1), y0 = Rand.Normal(n, n + 2);
            double[] da = ToDouble(a), db = ToDouble(b);
            using var ta = Tensor(a, n);
            using var tb = Tensor(b, n);
            using var ty = Tensor(y0, n);

            var e = new double[n];
            CpuReference.Add<double>(da, db, e);
            Cpu.Add(ta, tb, ty);
            Close.All(ToFloat(e), ty.ToArray(), ExactAtol, ExactRtol, $"Add n={n}");

            CpuReference.Mul<double>(da, db, e);
            Cpu.Mul(ta, tb, ty);
            Close.All(ToFloat(e), ty.ToArray(), ExactAtol, ExactRtol, $"Mul n={n}");

            CpuReference.Scale<double>(da, 0.37f, e);
            Cpu.Scale(ta, 0.37f, ty);
            Close.All(ToFloat(e), ty.ToArray(), ExactAtol, ExactRtol, $"Scale n={n}");

            e = ToDouble(b);
            CpuReference.Axpy<double>(-1.7f, da, e);
            Cpu.Axpy(-1.7f, ta, tb);
            Close.All(ToFloat(e), tb.ToArray(), ExactAtol, ExactRtol, $"Axpy n={n}");
        }
    }

    [Fact]
    public void AddMayWriteIntoEitherInput()
    {
        float[] a = Rand.Normal(1000, 1), b = Rand.Normal(1000, 2);
        var e = new float[1000];
        CpuReference.Add<float>(a, b, e);
        using var ta = Tensor(a, 1000);
        using var tb = Tensor(b, 1000);
        Cpu.Add(ta, tb, ta);
        Assert.Equal(e, ta.ToArray());
        using var tc = Tensor(a, 1000);
        Cpu.Add(tc, tb, tb);
        Assert.Equal(e, tb.ToArray());
    }

    [Fact]
    public void SumAccumulatesInDouble()
    {
        foreach (int n in Rand.Lengths().Append(1_000_003))
        {
            var x = Rand.Uniform(n, n, 0f, 1f);
            using var t = Tensor(x, n);
            Close.Scalar(CpuReference.Sum<float>(x), Cpu.Sum(t), 1e-12, 1e-13, $"Sum n={n}");
        }
        // A float accumulator would stall at 2^24; double does not.
        var ones = new float[20_000_000];
        Array.Fill(ones, 1f);
        using var big = Tensor(ones, ones.Length);
        Assert.Equal(20_000_000d, Cpu.Sum(big));
    }

    [Fact]
    public void AddBiasAndBackwardMatchTwinAtEveryRowLength()
    {
        foreach (int c in Rand.Lengths())
        {
            if (c == 0) continue;
            foreach (int rows in RowCounts)
            {
                float[] x = Rand.Normal(rows * c, c), bias = Rand.Normal(c, c + 1), db0 = Rand.Normal(c, c + 2);
                using var tx = Tensor(x, rows, c);
                using var tb = Tensor(bias, c);
                using var ty = Tensor(new float[rows * c], rows, c);
                var e = new double[rows * c];
                CpuReference.AddBias<double>(ToDouble(x), ToDouble(bias), e);
                Cpu.AddBias(tx, tb, ty);
                Close.All(ToFloat(e), ty.ToArray(), ExactAtol, ExactRtol, $"AddBias ({rows}, {c})");

                var edb = ToDouble(db0);
                CpuReference.AddBiasBackward<double>(ToDouble(x), edb);
                using var tdb = Tensor(db0, c);
                Cpu.AddBiasBackward(tx, tdb);
                Close.All(ToFloat(edb), tdb.ToArray(), 1e-6, 1e-6, $"AddBiasBackward ({rows}, {c})");
            }
        }
    }

    [Fact]
    public void AddBiasBackwardSplitsManyRowsIntoBlocksAndAccumulates()
    {
        // 2000 x 300 is past the size where rows are reduced in parallel blocks.
        const int rows = 2000, c = 300;
        float[] dy = Rand.Normal(rows * c, 5), db0 = Rand.Normal(c, 6);
        var e = ToDouble(db0);
        CpuReference.AddBiasBackward<double>(ToDouble(dy), e);
        using var tdy = Tensor(dy, rows, c);
        using var tdb = Tensor(db0, c);
        Cpu.AddBiasBackward(tdy, tdb);
        Close.All(ToFloat(e), tdb.ToArray(), 2e-4, 1e-5, "AddBiasBackward (2000, 300)");
        // Deterministic: the same sum again gives the same bits.
        using var again = Tensor(db0, c);
        Cpu.AddBiasBackward(tdy, again);
        Assert.Equal(tdb.ToArray(), again.ToArray());
    }

    [Fact]
    public void GeluAndBackwardMatchTwin()
    {
        foreach (int n in Rand.Lengths())
        {
            float[] x = Rand.Normal(n, n, 3f), dy = Rand.Normal(n, n + 1), dx0 = Rand.Normal(n, n + 2);
            using var tx = Tensor(x, n);
            using var ty = Tensor(new float[n], n);
            var e = new double[n];
            CpuReference.Gelu<double>(ToDouble(x), e);
            Cpu.Gelu(tx, ty);
            Close.All(ToFloat(e), ty.ToArray(), ActAtol, ActRtol, $"Gelu n={n}");

            var edx = ToDouble(dx0);
            CpuReference.GeluBackward<double>(ToDouble(x), ToDouble(dy), edx);
            using var tdy = Tensor(dy, n);
            using var tdx = Tensor(dx0, n);
            Cpu.GeluBackward(tx, tdy, tdx);
            Close.All(ToFloat(edx), tdx.ToArray(), GradAtol, GradRtol, $"GeluBackward n={n}");
        }
    }

    [Fact]
    public void SiluAndBackwardMatchTwin()
    {
        foreach (int n in Rand.Lengths())
        {
            float[] x = Rand.Normal(n, n, 4f), dy = Rand.Normal(n, n + 1), dx0 = Rand.Normal(n, n + 2);
            using var tx = Tensor(x, n);
            using var ty = Tensor(new float[n], n);
            var e = new double[n];
            CpuReference.Silu<double>(ToDouble(x), e);
            Cpu.Silu(tx, ty);
            Close.All(ToFloat(e), ty.ToArray(), ActAtol, ActRtol, $"Silu n={n}");

            var edx = ToDouble(dx0);
            CpuReference.SiluBackward<double>(ToDouble(x), ToDouble(dy), edx);
            using var tdy = Tensor(dy, n);
            using var tdx = Tensor(dx0, n);
            Cpu.SiluBackward(tx, tdy, tdx);
            Close.All(ToFloat(edx), tdx.ToArray(), GradAtol, GradRtol, $"SiluBackward n={n}");
        }
    }

    [Fact]
    public void SwiGluAndBackwardMatchTwin()
    {
        foreach (int n in Rand.Lengths())
        {
            float[] g = Rand.Normal(n, n, 4f), u = Rand.Normal(n, n + 1), dy = Rand.Normal(n, n + 2);
            float[] dg0 = Rand.Normal(n, n + 3), du0 = Rand.Normal(n, n + 4);
            using var tg = Tensor(g, n);
            using var tu = Tensor(u, n);
            using var ty = Tensor(new float[n], n);
            var e = new double[n];
            CpuReference.SwiGlu<double>(ToDouble(g), ToDouble(u), e);
            Cpu.SwiGlu(tg, tu, ty);
            Close.All(ToFloat(e), ty.ToArray(), ActAtol, ActRtol, $"SwiGlu n={n}");

            double[] edg = ToDouble(dg0), edu = ToDouble(du0);
            CpuReference.SwiGluBackward<double>(ToDouble(g), ToDouble(u), ToDouble(dy), edg, edu);
            using var tdy = Tensor(dy, n);
            using var tdg = Tensor(dg0, n);
            using var tdu = Tensor(du0, n);
            Cpu.SwiGluBackward(tg, tu, tdy, tdg, tdu);
            Close.All(ToFloat(edg), tdg.ToArray(), GradAtol, GradRtol, $"SwiGluBackward dgate n={n}");
            Close.All(ToFloat(edu), tdu.ToArray(), GradAtol, GradRtol, $"SwiGluBackward dup n={n}");
        }
    }

    [Fact]
    public void ActivationsSaturateWithoutNaN()
    {
        float[] x = [-1e4f, -200f, -90f, -20f, 20f, 90f, 200f, 1e4f];
        using var tx = Tensor(x, x.Length);
        using var ty = Tensor(new float[x.Length], x.Length);
        using var ones = Tensor(Enumerable.Repeat(1f, x.Length).ToArray(), x.Length);
        foreach (var (name, fwd, bwd) in new (string, Action, Action)[]
                 {
                     ("Gelu", () => Cpu.Gelu(tx, ty), () => Cpu.GeluBackward(tx, ones, ty)),
                     ("Silu", () => Cpu.Silu(tx, ty), () => Cpu.SiluBackward(tx, ones, ty)),
                 })
        {
            fwd();
            var y = ty.ToArray();
            for (int i = 0; i < x.Length; i++)
                Assert.True(x[i] < 0 ? Math.Abs(y[i]) < 1e-6 : y[i] == x[i], $"{name}({x[i]}) = {y[i]}");
            Cpu.Zero(ty);
            bwd();
            y = ty.ToArray();
            for (int i = 0; i < x.Length; i++)
                Assert.True(x[i] < 0 ? Math.Abs(y[i]) < 1e-6 : Math.Abs(y[i] - 1f) < 1e-6, $"{name}'({x[i]}) = {y[i]}");
        }
    }
}
