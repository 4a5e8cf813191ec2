// Hidden-state distillation losses: values against a plain double computation (with and without a
// projection, over a layer map), finite-difference gradient checks through them (projection included),
// and the checks on layer maps and shapes.
using Distill.Autograd;
using Distill.Losses;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Distillation;

public class FeatureLossTests
{
    private static Tensor Leaf(float[] data, bool grad, params int[] dims)
    {
        var t = Tensor.FromArray(data, dims);
        t.RequiresGrad = grad;
        return t;
    }

    /// <summary>P h + b per row in double: h (N, Cs), w (Ct, Cs), b (Ct).</summary>
    private static double[] Project(float[] h, float[] w, float[] b, int n, int cs, int ct)
    {
        var y = new double[n * ct];
        for (int r = 0; r < n; r++)
            for (int o = 0; o < ct; o++)
            {
                double s = b[o];
                for (int i = 0; i < cs; i++) s += (double)w[o * cs + i] * h[r * cs + i];
                y[r * ct + o] = s;
            }
        return y;
    }

    private static double PlainMse(double[] p, float[] t)
    {
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += (p[i] - t[i]) * (p[i] - t[i]);
        return s / p.Length;
    }

    private static double PlainCosine(double[] p, float[] t, int n, int c)
    {
        double s = 0;
        for (int r = 0; r < n; r++)
        {
            double pp = 0, tt = 0, pt = 0;
            for (int i = 0; i < c; i++)
            {
                pp += p[r * c + i] * p[r * c + i];
                tt += (double)t[r * c + i] * t[r * c + i];
                pt += p[r * c + i] * t[r * c + i];
            }
            s += 1 - pt / (Math.Max(Math.Sqrt(pp), 1e-8) * Math.Max(Math.Sqrt(tt), 1e-8));
        }
        return s / n;
    }

    [Theory]
    [InlineData(FeatureLossKind.Mse)]
    [InlineData(FeatureLossKind.Cosine)]
    public void ValuesMatchPlainComputationThroughProjectionOverALayerMap(FeatureLossKind kind)
    {
        const int b = 2, t = 5, cs = 6, ct = 9, n = b * t;
        var studentH = Enumerable.Range(0, 3).Select(i => Rand.Normal(n * cs, 10 + i)).ToArray();      // 2 layers + embedding
        var teacherH = Enumerable.Range(0, 4).Select(i => Rand.Normal(n * ct, 20 + i)).ToArray();      // 3 layers + embedding
        var term = new FeatureLossTerm { Kind = kind, LayerMap = [new(1, 2), new(2, 3)] };
        using var loss = new FeatureDistillLoss(term, cs, ct, 3, 4, seed: 7);
        Assert.All(loss.Projections, p => Assert.NotNull(p));
        var sh = studentH.Select(h => Leaf(h, false, b, t, cs)).ToArray();
        var th = teacherH.Select(h => Leaf(h, false, b, t, ct)).ToArray();
        float value;
        using (var tape = Tape.Record()) value = loss.Compute(sh, th).Item();

        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            var pair = term.LayerMap[i];
            var p = loss.Projections[i]!;
            var proj = Project(studentH[pair.Student], p.Weight.ToArray(), p.Bias.ToArray(), n, cs, ct);
            expected += kind == FeatureLossKind.Mse ? PlainMse(proj, teacherH[pair.Teacher]) : PlainCosine(proj, teacherH[pair.Teacher], n, ct);
        }
        Close.Scalar(expected / 2, value, 1e-6, 1e-5, $"{kind} over two layer pairs");
        foreach (var x in sh.Concat(th)) x.Dispose();
    }

    [Theory]
    [InlineData(FeatureLossKind.Mse)]
    [InlineData(FeatureLossKind.Cosine)]
    public void EqualWidthsUseNoProjection(FeatureLossKind kind)
    {
        const int n = 7, c = 5;
        var hs = Rand.Normal(n * c, 1);
        var ht = Rand.Normal(n * c, 2);
        using var loss = new FeatureDistillLoss(new FeatureLossTerm { Kind = kind, LayerMap = [new(0, 0)] }, c, c, 1, 1);
        Assert.Null(loss.Projections[0]);
        Assert.Empty(loss.Parameters);
        using var s = Leaf(hs, false, n, c);
        using var t = Leaf(ht, false, n, c);
        float value;
        using (Tape.Record()) value = loss.Compute([s], [t]).Item();
        var p = hs.Select(x => (double)x).ToArray();
        double expected = kind == FeatureLossKind.Mse ? PlainMse(p, ht) : PlainCosine(p, ht, n, c);
        Close.Scalar(expected, value, 1e-6, 1e-5, kind.ToString());
    }

    [Theory]
    [InlineData(FeatureLossKind.Mse)]
    [InlineData(FeatureLossKind.Cosine)]
    public void GradCheckThroughProjectionAndStudentStates(FeatureLossKind kind)
    {
        const int n = 4, cs = 3, ct = 5;
        using var loss = new FeatureDistillLoss(new FeatureLossTerm { Kind = kind, LayerMap = [new(0, 0)] }, cs, ct, 1, 1, seed: 3);
        var proj = loss.Projections[0]!;
        using var hs = Leaf(Rand.Normal(n * cs, 4), true, n, cs);
        using var ht = Leaf(Rand.Normal(n * ct, 5), false, n, ct);
        var worst = GradCheck.Worst(x => loss.Compute([x[0]], [ht]), [hs, proj.Weight, proj.Bias]);
        Assert.True(worst.Error <= 1, $"{kind}: {worst.Input}[{worst.Index}]: analytic {worst.Analytic}, numeric {worst.Numeric} ({worst.Error:F1}x)");
    }

    [Fact]
    public void TeacherStatesGetNoGradient()
    {
        const int n = 3, c = 4;
        using var hs = Leaf(Rand.Normal(n * c, 1), true, n, c);
        using var ht = Leaf(Rand.Normal(n * c, 2), false, n, c);
        using (var tape = Tape.Record()) tape.Backward(HiddenStateLoss.Mse(hs, ht));
        Assert.Null(ht.Grad);
        // d/dhs mean((hs - ht)^2) = 2 (hs - ht) / numel
        var expected = hs.ToArray().Zip(ht.ToArray(), (a, b) => 2 * (a - b) / (n * c)).ToArray();
        Close.All(expected, hs.Grad!.AsSpan(), 1e-7, 1e-5, "dMSE/dhs");
        hs.Grad.Dispose();
    }

    [Fact]
    public void BadLayerMapsAndShapesAreRejected()
    {
        var outside = new FeatureLossTerm { LayerMap = [new(2, 0)] };
        Assert.Contains("student 2 -> teacher 0", Assert.Throws<ArgumentOutOfRangeException>(() => new FeatureDistillLoss(outside, 4, 4, 2, 2)).Message);
        Assert.Throws<ArgumentException>(() => new FeatureDistillLoss(new FeatureLossTerm(), 4, 4, 2, 2));
        using var a = Tensor.Zeros(new Shape(2, 3));
        using var b = Tensor.Zeros(new Shape(2, 4));
        Assert.Contains("project the student first", Assert.Throws<ArgumentException>(() => HiddenStateLoss.Mse(a, b)).Message);
    }
}
