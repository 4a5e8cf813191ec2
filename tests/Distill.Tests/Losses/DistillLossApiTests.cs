// DistillLoss.Compute / ComputeSparse at the public boundary: the objective and its reported parts,
// masking, and the errors for inputs this loss cannot take (named sizes, rows and fields).
using Distill.Autograd;
using Distill.Losses;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Losses;

public class DistillLossApiTests
{
    [Theory]
    [InlineData(Divergence.ForwardKl, 2f, true)]
    [InlineData(Divergence.ForwardKl, 1f, false)]
    [InlineData(Divergence.SkewKl, 2f, true)]
    [InlineData(Divergence.TotalVariation, 3f, true)]
    public void LossIsWeightedMeanOfPartsOverUnmaskedRows(Divergence d, float temperature, bool withTargets)
    {
        const int b = 3, t = 5, v = 257;
        var (s, tl) = DistillCases.Logits(b * t, v, 31);
        var tg = DistillCases.Targets(b * t, v, 31);
        var o = DistillCases.Options(d, temperature);
        var twin = DistillCases.Twin(s, tl, withTargets ? tg : null, b * t, v, o);
        int tokens = withTargets ? tg.Count(y => y != -100) : b * t;
        double soft = twin.Soft.Sum(x => (double)x) / tokens, hard = twin.Hard.Sum(x => (double)x) / tokens;
        using var student = Tensor.FromArray(s, b, t, v);
        using var teacher = Tensor.FromArray(tl, b, t, v);
        using var targets = Tensor.FromArray(tg, b, t);
        var r = DistillLoss.Compute(student, teacher, withTargets ? targets : null, o);
        using var loss = r.Loss;
        Assert.Equal(tokens, r.Tokens);
        Close.Scalar(soft, r.Soft, 1e-6, 1e-5, "Soft");
        Close.Scalar(withTargets ? hard : 0, r.Hard, 1e-6, 1e-5, "Hard");
        Close.Scalar(o.SoftFactor * soft + (withTargets ? o.HardWeight * hard : 0), loss.Item(), 1e-6, 1e-5, "Loss");
        Assert.Equal(new Shape(1), loss.Shape);
    }

    [Fact]
    public void SoftFactorScalesByTemperatureSquaredUnlessTurnedOff()
    {
        var o = new DistillLossOptions { Temperature = 2f, SoftWeight = 0.5f };
        Assert.Equal(2f, o.SoftFactor);
        Assert.Equal(0.5f, (o with { ScaleByTemperatureSquared = false }).SoftFactor);
        Assert.Equal(0.5f, (o with { Temperature = 1f }).SoftFactor);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AllRowsMaskedGiveZeroLossAndZeroGradient(bool sparse)
    {
        const int rows = 4, v = 50, k = 8;
        var (s, tl) = DistillCases.Logits(rows, v, 32);
        var (ids, top, lse) = DistillCases.TopK(tl, rows, v, k, 2f);
        using var teacher = Tensor.FromArray(tl, rows, v);
        using var targets = Tensor.FromArray(new[] { -100, -100, -100, -100 }, rows);
        using var tIds = Tensor.FromArray(ids, rows, k);
        using var tTop = Tensor.FromArray(top, rows, k);
        using var tLse = Tensor.FromArray(lse, rows);
        using var student = Tensor.FromArray(s, rows, v);
        student.RequiresGrad = true;
        var o = DistillCases.Options(Divergence.ReverseKl, 2f);
        float[] grad;
        DistillLossResult r;
        using (var tape = Tape.Record())
        {
            r = sparse ? DistillLoss.ComputeSparse(student, tIds, tTop, tLse, targets, o) : DistillLoss.Compute(student, teacher, targets, o);
            Assert.Equal(0f, r.Loss.Item());
            tape.Backward(r.Loss);
            grad = student.Grad!.ToArray();
        }
        student.Grad!.Dispose();
        Assert.Equal((0, 0f, 0f), (r.Tokens, r.Soft, r.Hard));
        Assert.All(grad, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void VocabularyMismatchNamesBothSizesAndCrossTokenizer()
    {
        using var student = Tensor.Zeros(new Shape(2, 3, 100));
        using var teacher = Tensor.Zeros(new Shape(2, 3, 120));
        var e = Assert.Throws<ArgumentException>(() => DistillLoss.Compute(student, teacher, null, new DistillLossOptions()));
        Assert.Contains("100", e.Message);
        Assert.Contains("120", e.Message);
        Assert.Contains("cross-tokenizer distillation is not supported", e.Message);
    }

    [Fact]
    public void RowCountMismatchNamesShapes()
    {
        using var student = Tensor.Zeros(new Shape(2, 3, 10));
        using var teacher = Tensor.Zeros(new Shape(3, 2, 10));
        var e = Assert.Throws<ArgumentException>(() => DistillLoss.Compute(student, teacher, null, new DistillLossOptions()));
        Assert.Contains("(2, 3, 10)", e.Message);
        Assert.Contains("(3, 2, 10)", e.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteTeacherLogitNamesTheRow(float bad)
    {
        const int rows = 5, v = 1031;
        var (s, tl) = DistillCases.Logits(rows, v, 33);
        tl[3 * v + 700] = bad;
        using var student = Tensor.FromArray(s, rows, v);
        using var teacher = Tensor.FromArray(tl, rows, v);
        foreach (var d in DistillCases.All)
        {
            var e = Assert.Throws<ArgumentException>(() => DistillLoss.Compute(student, teacher, null, new DistillLossOptions { Divergence = d }));
            Assert.Contains("row 3", e.Message);
            Assert.Contains("NaN or Inf", e.Message);
        }
        // A masked row is not looked at.
        using var targets = Tensor.FromArray(new[] { 1, 2, 3, -100, 4 }, rows);
        var r = DistillLoss.Compute(student, teacher, targets, new DistillLossOptions());
        using var loss = r.Loss;
        Assert.True(float.IsFinite(loss.Item()));
    }

    [Fact]
    public void NegativeInfiniteStudentLogitIsNotBlamedOnTheTeacher()
    {
        const int rows = 3, v = 100;
        var (s, tl) = DistillCases.Logits(rows, v, 35);
        s[v + 7] = float.NegativeInfinity;   // a student that rules a token out: forward KL is then infinite, not an input error
        using var student = Tensor.FromArray(s, rows, v);
        using var teacher = Tensor.FromArray(tl, rows, v);
        var r = DistillLoss.Compute(student, teacher, null, new DistillLossOptions());
        using var loss = r.Loss;
        Assert.Equal(float.PositiveInfinity, r.Soft);
    }

    [Fact]
    public void NonFiniteSparseTeacherNamesTheRow()
    {
        const int rows = 4, v = 64, k = 8;
        var (s, tl) = DistillCases.Logits(rows, v, 34);
        var (ids, top, lse) = DistillCases.TopK(tl, rows, v, k, 1f);
        using var student = Tensor.FromArray(s, rows, v);
        using var tIds = Tensor.FromArray(ids, rows, k);
        top[2 * k + 5] = float.NaN;
        using (var tTop = Tensor.FromArray(top, rows, k))
        using (var tLse = Tensor.FromArray(lse, rows))
            Assert.Contains("row 2", Assert.Throws<ArgumentException>(() => DistillLoss.ComputeSparse(student, tIds, tTop, tLse, null, new DistillLossOptions())).Message);
        top[2 * k + 5] = 0f;
        lse[1] = float.PositiveInfinity;
        using (var tTop = Tensor.FromArray(top, rows, k))
        using (var tLse = Tensor.FromArray(lse, rows))
            Assert.Contains("row 1", Assert.Throws<ArgumentException>(() => DistillLoss.ComputeSparse(student, tIds, tTop, tLse, null, new DistillLossOptions())).Message);
    }

    [Fact]
    public void TargetOutOfRangeIsRejected()
    {
        using var student = Tensor.Zeros(new Shape(3, 10));
        using var teacher = Tensor.Zeros(new Shape(3, 10));
        using var targets = Tensor.FromArray(new[] { 1, 10, -100 }, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DistillLoss.Compute(student, teacher, targets, new DistillLossOptions()));
        Assert.Contains("row 1", e.Message);
    }

    [Fact]
    public void BadSparseTeacherIdsAreRejected()
    {
        using var student = Tensor.Zeros(new Shape(2, 10));
        using var top = Tensor.Zeros(new Shape(2, 3));
        using var lse = Tensor.Zeros(new Shape(2));
        var o = new DistillLossOptions();
        using (var ids = Tensor.FromArray(new[] { 0, 1, 2, 3, 10, 5 }, 2, 3))
            Assert.Contains("out of range", Assert.Throws<ArgumentOutOfRangeException>(() => DistillLoss.ComputeSparse(student, ids, top, lse, null, o)).Message);
        using (var ids = Tensor.FromArray(new[] { 0, 1, 2, 3, 3, 5 }, 2, 3))
            Assert.Contains("appears twice in row 1", Assert.Throws<ArgumentException>(() => DistillLoss.ComputeSparse(student, ids, top, lse, null, o)).Message);
        using (var ids = Tensor.FromArray(new int[22], 2, 11))
        using (var top11 = Tensor.Zeros(new Shape(2, 11)))
            Assert.Contains("top-k 11", Assert.Throws<ArgumentException>(() => DistillLoss.ComputeSparse(student, ids, top11, lse, null, o)).Message);
        using (var ids = Tensor.FromArray(new[] { 0, 1, 2, 3, 4, 5 }, 2, 3))
        using (var lse3 = Tensor.Zeros(new Shape(3)))
            Assert.Contains("log-sum-exp", Assert.Throws<ArgumentException>(() => DistillLoss.ComputeSparse(student, ids, top, lse3, null, o)).Message);
    }

    [Fact]
    public void BadOptionsNameTheField()
    {
        using var student = Tensor.Zeros(new Shape(2, 10));
        using var teacher = Tensor.Zeros(new Shape(2, 10));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DistillLoss.Compute(student, teacher, null, new DistillLossOptions { Temperature = 0f }));
        Assert.Equal("Temperature", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => DistillLoss.Compute(student, teacher, null, new DistillLossOptions { Beta = 1.5f }));
        Assert.Equal("Beta", e.ParamName);
    }
}
