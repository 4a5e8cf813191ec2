// The row-wise cosine similarity: CPU kernel vs its scalar twin over many row widths (forward and
// backward), the twin's gradient by finite differences in double, GradCheck through Ops, the clamped
// zero-norm case, and AddScalar.
using Distill.Autograd;
using Distill.Backends.Cpu;
using Distill.Tensors;
using Distill.Tests.Attention;
using Distill.Tests.Support;

namespace Distill.Tests.Distillation;

public class CosineSimilarityTests
{
    private const float Eps = 1e-8f;

    [Fact]
    public void KernelMatchesTwinOverRowWidths()
    {
        const int rows = 3;
        foreach (int c in Rand.Lengths().Where(n => n <= 4097))
        {
            var a = Rand.Normal(rows * c, c + 1);
            var b = Rand.Normal(rows * c, c + 2);
            for (int i = 0; i < c; i++) b[i] = a[i] * 0.5f + b[i] * 0.1f;      // row 0 nearly parallel
            var dy = Rand.Uniform(rows, c + 3);
            var da0 = Rand.Uniform(rows * c, c + 4);                            // backward accumulates
            var db0 = Rand.Uniform(rows * c, c + 5);

            var y = new float[rows];
            var da = (float[])da0.Clone();
            var db = (float[])db0.Clone();
            CpuReference.CosineSimilarity<float>(a, b, Eps, y);
            CpuReference.CosineSimilarityBackward<float>(a, b, Eps, dy, da, db);

            using var ta = Tensor.FromArray(a, rows, c);
            using var tb = Tensor.FromArray(b, rows, c);
            using var ty = Tensor.Empty(new Shape(rows));
            using var tdy = Tensor.FromArray(dy, rows);
            using var tda = Tensor.FromArray(da0, rows, c);
            using var tdb = Tensor.FromArray(db0, rows, c);
            CpuBackend.Instance.CosineSimilarity(ta, tb, Eps, ty);
            CpuBackend.Instance.CosineSimilarityBackward(ta, tb, Eps, tdy, tda, tdb);
            if (c == 0) continue;   // zero rows are all clamped: both give 0
            Close.All(y, ty.AsSpan(), 1e-6, 1e-5, $"cos C={c}");
            Close.All(da, tda.AsSpan(), 1e-6, 1e-4, $"da C={c}");
            Close.All(db, tdb.AsSpan(), 1e-6, 1e-4, $"db C={c}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TwinGradientMatchesFiniteDifferences(bool clampedRow)
    {
        // The clamped case: one row of a with |a| = 7.9e-9 < eps, so its norm is the constant eps there.
        int rows = clampedRow ? 1 : 4;
        const int c = 7;
        var a = TwinFiniteDifference.Uniform(rows * c, 1);
        var b = TwinFiniteDifference.Uniform(rows * c, 2);
        if (clampedRow) for (int i = 0; i < c; i++) a[i] = 3e-9;
        var w = TwinFiniteDifference.Uniform(rows, 3);
        double[] Forward(double[][] x)
        {
            var y = new double[rows];
            CpuReference.CosineSimilarity<double>(x[0], x[1], 1e-8, y);
            return y;
        }
        var da = new double[rows * c];
        var db = new double[rows * c];
        CpuReference.CosineSimilarityBackward<double>(a, b, 1e-8, w, da, db);
        if (clampedRow) TwinFiniteDifference.Check(Forward, [a, b], w, [da, db], ["a", "b"], eps: 1e-12, atol: 1e-4, rtol: 1e-6);
        else TwinFiniteDifference.Check(Forward, [a, b], w, [da, db], ["a", "b"]);
    }

    [Fact]
    public void GradCheckThroughOps()
    {
        using var a = Tensor.FromArray(Rand.Uniform(2 * 3 * 5, 1), 2, 3, 5);
        using var b = Tensor.FromArray(Rand.Uniform(2 * 3 * 5, 2), 2, 3, 5);
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        var worst = GradCheck.Worst(x => Ops.CosineSimilarity(x[0], x[1]), [a, b]);
        Assert.True(worst.Error <= 1, $"{worst.Input}[{worst.Index}]: analytic {worst.Analytic}, numeric {worst.Numeric}");
    }

    [Fact]
    public void MatchesTorchDefinitionIncludingClampedRows()
    {
        // torch: F.cosine_similarity([[1e-10, 0], [1, 2]], [[1, 0], [2, 1]]) = [0.01, 0.8]
        using var a = Tensor.FromArray(new float[] { 1e-10f, 0, 1, 2 }, 2, 2);
        using var b = Tensor.FromArray(new float[] { 1, 0, 2, 1 }, 2, 2);
        using var y = Ops.CosineSimilarity(a, b);
        Assert.Equal(new Shape(2), y.Shape);
        Close.All(new float[] { 0.01f, 0.8f }, y.AsSpan(), 1e-6, 1e-5, "cos");
    }

    [Fact]
    public void ShapesMustMatch()
    {
        using var a = Tensor.Zeros(new Shape(2, 3));
        using var b = Tensor.Zeros(new Shape(2, 4));
        Assert.Contains("CosineSimilarity", Assert.Throws<ArgumentException>(() => Ops.CosineSimilarity(a, b)).Message);
    }

    [Fact]
    public void AddScalarAddsAndPassesTheGradient()
    {
        using var x = Tensor.FromArray(new float[] { 1, -2, 3 }, 3);
        x.RequiresGrad = true;
        using (var tape = Tape.Record())
        {
            var y = Ops.AddScalar(x, 0.5f);
            Assert.Equal(new float[] { 1.5f, -1.5f, 3.5f }, y.ToArray());
            tape.Backward(Ops.Sum(Ops.Scale(y, 2f)));
        }
        Assert.Equal(new float[] { 2, 2, 2 }, x.Grad!.ToArray());
        x.Grad.Dispose();
    }
}
