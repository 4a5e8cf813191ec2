// Gradients of the distillation losses: the double twins' analytic dL/dz_S against central differences
// of their own forward (every divergence at T = 2, dense and both sparse tails), and the tape wiring of
// DistillLoss.Compute / ComputeSparse through GradCheck with the fused CPU kernels.
using Distill.Autograd;
using Distill.Backends.Cpu;
using Distill.Losses;
using Distill.Tensors;
using Distill.Tests.Support;
using Xunit.Sdk;

namespace Distill.Tests.Losses;

public class DistillGradientTests
{
    private const double SoftScale = 0.7, HardScale = 0.3;

    public static TheoryData<Divergence> Divergences()
    {
        var data = new TheoryData<Divergence>();
        foreach (var d in DistillCases.All) data.Add(d);
        return data;
    }

    [Theory]
    [MemberData(nameof(Divergences))]
    public void DenseTwinGradientMatchesFiniteDifferences(Divergence d)
    {
        const int rows = 4, v = 7;
        var o = DistillCases.Options(d, 2f);
        var z = Uniform(rows * v, 1, 2.0);
        var zt = Uniform(rows * v, 2, 3.0);
        int[] targets = [3, -100, 0, 6];
        var anchor = (double[])z.Clone();   // TAID's stop-gradient copy, held still while z moves

        double Objective(double[] x)
        {
            var soft = new double[rows];
            var hard = new double[rows];
            CpuReference.DistillLoss<double>(x, zt, targets, v, o, soft, hard, [], 0, 0, anchor);
            return SoftScale * soft.Sum() + HardScale * hard.Sum();
        }

        var grad = new double[rows * v];
        CpuReference.DistillLoss<double>(z, zt, targets, v, o, new double[rows], new double[rows], grad, SoftScale, HardScale, anchor);
        CheckAgainstDifferences(Objective, z, grad, $"{d} dense");
    }

    [Theory]
    [MemberData(nameof(Divergences))]
    public void SparseTwinGradientMatchesFiniteDifferencesBothTails(Divergence d)
    {
        const int rows = 3, v = 9, k = 4;
        var z = Uniform(rows * v, 3, 2.0);
        var zt = DistillCases.ToFloat(Uniform(rows * v, 4, 3.0));
        var (ids, top, lse) = DistillCases.TopK(zt, rows, v, k, 2f);
        var topD = DistillCases.ToDouble(top);
        var lseD = DistillCases.ToDouble(lse);
        int[] targets = [1, 8, -100];
        var anchor = (double[])z.Clone();
        foreach (var tail in new[] { SparseTail.Renormalize, SparseTail.Bucket })
        {
            var o = DistillCases.Options(d, 2f, tail);

            double Objective(double[] x)
            {
                var soft = new double[rows];
                var hard = new double[rows];
                CpuReference.DistillLossSparse<double>(x, ids, topD, lseD, targets, v, o, soft, hard, [], 0, 0, anchor);
                return SoftScale * soft.Sum() + HardScale * hard.Sum();
            }

            var grad = new double[rows * v];
            CpuReference.DistillLossSparse<double>(z, ids, topD, lseD, targets, v, o, new double[rows], new double[rows], grad,
                SoftScale, HardScale, anchor);
            CheckAgainstDifferences(Objective, z, grad, $"{d} sparse {tail}");
        }
    }

    public static TheoryData<Divergence, bool> TapeCases()
    {
        var data = new TheoryData<Divergence, bool>();
        foreach (var d in DistillCases.All)
        {
            if (d == Divergence.Taid) continue;   // its target moves with the student in a finite difference; the twin test above holds it still
            data.Add(d, false);
            data.Add(d, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TapeCases))]
    public void ComputeGradientPassesGradCheck(Divergence d, bool sparse)
    {
        const int b = 2, t = 3, v = 11, k = 5;
        var (s, tl) = DistillCases.Logits(b * t, v, 21);
        var targets = Tensor.FromArray(new[] { 4, -100, 0, 10, 7, 2 }, b, t);
        var teacher = Tensor.FromArray(tl, b, t, v);
        var (ids, top, lse) = DistillCases.TopK(tl, b * t, v, k, 2f);
        var tIds = Tensor.FromArray(ids, b, t, k);
        var tTop = Tensor.FromArray(top, b, t, k);
        var tLse = Tensor.FromArray(lse, b, t);
        var student = Tensor.FromArray(s, b, t, v);
        student.RequiresGrad = true;
        student.Name = "student";
        var o = DistillCases.Options(d, 2f, SparseTail.Bucket);
        var worst = GradCheck.Worst(x => sparse
            ? DistillLoss.ComputeSparse(x[0], tIds, tTop, tLse, targets, o).Loss
            : DistillLoss.Compute(x[0], teacher, targets, o).Loss, [student], eps: 1e-2, atol: 2e-3, rtol: 2e-2);
        Assert.True(worst.Error <= 1, $"{d} sparse={sparse}: worst {worst}");
        foreach (var x in new[] { student, teacher, targets, tIds, tTop, tLse }) x.Dispose();
    }

    [Fact]
    public void BackwardAdoptsTheFusedGradientOrScalesItIn()
    {
        const int rows = 4, v = 13;
        var (s, tl) = DistillCases.Logits(rows, v, 22);
        var tg = DistillCases.Targets(rows, v, 22);
        var o = DistillCases.Options(Divergence.Jsd, 2f);
        float[] leaf, twice, adopted;
        using (var teacher = Tensor.FromArray(tl, rows, v))
        using (var targets = Tensor.FromArray(tg, rows))
        {
            leaf = GradientOf(s, rows, v, x => DistillLoss.Compute(x, teacher, targets, o).Loss);                       // Axpy into a fresh grad
            twice = GradientOf(s, rows, v, x => Ops.Scale(DistillLoss.Compute(x, teacher, targets, o).Loss, 2f));     // upstream 2
            using var tape = Tape.Record();
            var student = Tensor.FromArray(s, rows, v);   // made under the tape, as an LM head's logits are
            tape.Own(student);
            student.RequiresGrad = true;
            tape.Backward(DistillLoss.Compute(student, teacher, targets, o).Loss);
            adopted = student.Grad!.ToArray();           // the kernel's buffer itself
        }
        Assert.Equal(leaf, adopted);
        Close.All(leaf.Select(g => 2 * g).ToArray(), twice, 1e-7, 1e-6, "2 L gradient");
        int valid = tg.Count(y => y != -100);
        var twin = DistillCases.Twin(s, tl, tg, rows, v, o, o.SoftFactor / (double)valid, o.HardWeight / (double)valid);
        Close.All(twin.Grad, leaf, 1e-6, 1e-4, "L gradient vs twin");
    }

    private static float[] GradientOf(float[] s, int rows, int v, Func<Tensor, Tensor> loss)
    {
        using var student = Tensor.FromArray(s, rows, v);
        student.RequiresGrad = true;
        using (var tape = Tape.Record())
        {
            tape.Backward(loss(student));
        }
        var g = student.Grad!.ToArray();
        student.Grad.Dispose();
        return g;
    }

    /// <summary>Central differences in double, step 1e-5: |analytic - numeric| <= 1e-8 + 1e-6 |numeric| everywhere.</summary>
    private static void CheckAgainstDifferences(Func<double[], double> objective, double[] x, double[] analytic, string what)
    {
        const double h = 1e-5;
        for (int j = 0; j < x.Length; j++)
        {
            double saved = x[j];
            x[j] = saved + h;
            double plus = objective(x);
            x[j] = saved - h;
            double minus = objective(x);
            x[j] = saved;
            double numeric = (plus - minus) / (2 * h);
            if (!(Math.Abs(analytic[j] - numeric) <= 1e-8 + 1e-6 * Math.Abs(numeric)))
                throw new XunitException($"{what}: dL/dz[{j}] analytic {analytic[j]:G10}, numeric {numeric:G10}");
        }
    }

    private static double[] Uniform(int n, int seed, double scale)
    {
        var rng = new Random(seed);
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (rng.NextDouble() * 2 - 1) * scale;
        return a;
    }
}
