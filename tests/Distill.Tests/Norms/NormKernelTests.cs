// CPU LayerNorm and RmsNorm kernels against their scalar twins run in double, at every row length of
// Rand.Lengths() and a few row counts; backward passes accumulate into non-zero gradients, and the
// weight/bias gradients sum correctly across many rows (the parallel row-block path).
using Distill.Backends.Cpu;
using Distill.Tests.Support;
using static Distill.Tests.Elementwise.KernelTestData;

namespace Distill.Tests.Norms;

public class NormKernelTests
{
    // atol: the float row mean of x ~ 3 +- 2 is good to ~3e-7, which xhat = (x - mean) rstd and y = xhat w + b
    // carry as absolute error whatever the size of y.
    private const double Atol = 2e-6, Rtol = 2e-6;

    private static void LayerNormCase(int rows, int c, bool withBias, double gradAtol = Atol)
    {
        string what = $"LayerNorm ({rows}, {c}) bias={withBias}";
        float[] x = Rand.Normal(rows * c, c + rows, 2f), w = Rand.Normal(c, c + 1), b = Rand.Normal(c, c + 2);
        for (int i = 0; i < x.Length; i++) x[i] += 3f;   // an offset mean, as activations have
        float[] dy = Rand.Normal(rows * c, c + 3), dx0 = Rand.Normal(rows * c, c + 4), dw0 = Rand.Normal(c, c + 5), db0 = Rand.Normal(c, c + 6);
        const float eps = 1e-5f;

        double[] ey = new double[rows * c], emean = new double[rows], erstd = new double[rows];
        CpuReference.LayerNorm<double>(ToDouble(x), ToDouble(w), withBias ? ToDouble(b) : [], eps, ey, emean, erstd);
        using var tx = Tensor(x, rows, c);
        using var tw = Tensor(w, c);
        using var tb = Tensor(b, c);
        using var ty = Tensor(new float[rows * c], rows, c);
        using var tmean = Tensor(new float[rows], rows);
        using var trstd = Tensor(new float[rows], rows);
        Cpu.LayerNorm(tx, tw, withBias ? tb : null, eps, ty, tmean, trstd);
        Close.All(ToFloat(ey), ty.ToArray(), Atol, Rtol, what + " y");
        Close.All(ToFloat(emean), tmean.ToArray(), Atol, Rtol, what + " mean");
        Close.All(ToFloat(erstd), trstd.ToArray(), Atol, Rtol, what + " rstd");

        // Backward from the kernel's saved mean/rstd, in double for the twin.
        double[] edx = ToDouble(dx0), edw = ToDouble(dw0), edb = ToDouble(db0);
        CpuReference.LayerNormBackward<double>(ToDouble(x), ToDouble(w), ToDouble(tmean.ToArray()), ToDouble(trstd.ToArray()),
            ToDouble(dy), edx, edw, withBias ? edb : []);
        using var tdy = Tensor(dy, rows, c);
        using var tdx = Tensor(dx0, rows, c);
        using var tdw = Tensor(dw0, c);
        using var tdb = Tensor(db0, c);
        Cpu.LayerNormBackward(tx, tw, tmean, trstd, tdy, tdx, tdw, withBias ? tdb : null);
        Close.All(ToFloat(edx), tdx.ToArray(), Atol, Rtol, what + " dx");
        Close.All(ToFloat(edw), tdw.ToArray(), gradAtol, Rtol, what + " dweight");
        if (withBias) Close.All(ToFloat(edb), tdb.ToArray(), gradAtol, Rtol, what + " dbias");
        else Assert.Equal(db0, tdb.ToArray());
    }

    private static void RmsNormCase(int rows, int c, double gradAtol = Atol)
    {
        string what = $"RmsNorm ({rows}, {c})";
        float[] x = Rand.Normal(rows * c, c + rows, 2f), w = Rand.Normal(c, c + 1);
        float[] dy = Rand.Normal(rows * c, c + 3), dx0 = Rand.Normal(rows * c, c + 4), dw0 = Rand.Normal(c, c + 5);
        const float eps = 1e-6f;

        double[] ey = new double[rows * c], erstd = new double[rows];
        CpuReference.RmsNorm<double>(ToDouble(x), ToDouble(w), eps, ey, erstd);
        using var tx = Tensor(x, rows, c);
        using var tw = Tensor(w, c);
        using var ty = Tensor(new float[rows * c], rows, c);
        using var trstd = Tensor(new float[rows], rows);
        Cpu.RmsNorm(tx, tw, eps, ty, trstd);
        Close.All(ToFloat(ey), ty.ToArray(), Atol, Rtol, what + " y");
        Close.All(ToFloat(erstd), trstd.ToArray(), Atol, Rtol, what + " rstd");

        double[] edx = ToDouble(dx0), edw = ToDouble(dw0);
        CpuReference.RmsNormBackward<double>(ToDouble(x), ToDouble(w), ToDouble(trstd.ToArray()), ToDouble(dy), edx, edw);
        using var tdy = Tensor(dy, rows, c);
        using var tdx = Tensor(dx0, rows, c);
        using var tdw = Tensor(dw0, c);
        Cpu.RmsNormBackward(tx, tw, trstd, tdy, tdx, tdw);
        Close.All(ToFloat(edx), tdx.ToArray(), Atol, Rtol, what + " dx");
        Close.All(ToFloat(edw), tdw.ToArray(), gradAtol, Rtol, what + " dweight");
    }

    [Fact]
    public void LayerNormMatchesTwinAtEveryRowLength()
    {
        foreach (int c in Rand.Lengths())
        {
            if (c == 0) continue;
            foreach (int rows in RowCounts)
            {
                LayerNormCase(rows, c, withBias: true);
                LayerNormCase(rows, c, withBias: false);
            }
        }
    }

    [Fact]
    public void RmsNormMatchesTwinAtEveryRowLength()
    {
        foreach (int c in Rand.Lengths())
        {
            if (c == 0) continue;
            foreach (int rows in RowCounts) RmsNormCase(rows, c);
        }
    }

    [Fact]
    public void WeightAndBiasGradientsAccumulateAcrossManyRows()
    {
        // 1500 x 384: rows split across cores in blocks, each with its own dweight/dbias partial sums.
        // The column sums add 1500 terms in float, hence the looser absolute tolerance on them.
        LayerNormCase(1500, 384, withBias: true, gradAtol: 1e-4);
        LayerNormCase(1500, 384, withBias: false, gradAtol: 1e-4);
        RmsNormCase(1500, 384, gradAtol: 1e-4);
    }

    [Fact]
    public void NormBackwardIsDeterministic()
    {
        const int rows = 1500, c = 384;
        float[] x = Rand.Normal(rows * c, 1), w = Rand.Normal(c, 2), dy = Rand.Normal(rows * c, 3);
        using var tx = Tensor(x, rows, c);
        using var tw = Tensor(w, c);
        using var ty = Tensor(new float[rows * c], rows, c);
        using var tmean = Tensor(new float[rows], rows);
        using var trstd = Tensor(new float[rows], rows);
        using var tdy = Tensor(dy, rows, c);
        Cpu.LayerNorm(tx, tw, null, 1e-5f, ty, tmean, trstd);
        float[] Grad()
        {
            using var tdx = Tensor(new float[rows * c], rows, c);
            using var tdw = Tensor(new float[c], c);
            using var tdb = Tensor(new float[c], c);
            Cpu.LayerNormBackward(tx, tw, tmean, trstd, tdy, tdx, tdw, tdb);
            return [.. tdw.ToArray(), .. tdb.ToArray()];
        }
        Assert.Equal(Grad(), Grad());
    }

    [Fact]
    public void LayerNormOfAConstantRowIsTheBias()
    {
        // Variance 0: rstd = 1/sqrt(eps), xhat = 0, so y = bias exactly (no NaN from 0/0).
        const int c = 100;
        using var tx = Tensor(Enumerable.Repeat(7.25f, c).ToArray(), 1, c);
        using var tw = Tensor(Rand.Normal(c, 1), c);
        float[] b = Rand.Normal(c, 2);
        using var tb = Tensor(b, c);
        using var ty = Tensor(new float[c], 1, c);
        using var tmean = Tensor(new float[1], 1);
        using var trstd = Tensor(new float[1], 1);
        Cpu.LayerNorm(tx, tw, tb, 1e-5f, ty, tmean, trstd);
        Assert.Equal(b, ty.ToArray());
        Assert.Equal(7.25f, tmean.ToArray()[0]);
    }
}
