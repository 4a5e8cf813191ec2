// The fused distillation losses against PyTorch autograd on the plain definitions (make_reference.py,
// distill_cases): 37 rows x vocabulary 1031, four rows ignored, student and teacher at different scales.
// Dense teacher at T = 1 and 2, top-64 teacher at T = 2 under both tails; for every divergence the mixed
// objective SoftFactor mean D + HardWeight mean CE, its parts, and dL/dz_S.
using Distill.Autograd;
using Distill.Losses;
using Distill.Tensors;
using Distill.Tests.GoldenTests;
using Distill.Tests.Support;
using Xunit.Abstractions;

namespace Distill.Tests.Losses;

public class DistillGoldenTests(ITestOutputHelper log)
{
    private static readonly (string Name, Divergence Kind)[] Kinds =
    [
        ("forward_kl", Divergence.ForwardKl), ("reverse_kl", Divergence.ReverseKl), ("jsd", Divergence.Jsd),
        ("skew_kl", Divergence.SkewKl), ("skew_reverse_kl", Divergence.SkewReverseKl),
        ("total_variation", Divergence.TotalVariation), ("taid", Divergence.Taid),
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in new[] { "distill_dense_t1", "distill_dense_t2", "distill_sparse_renormalize", "distill_sparse_bucket" })
            foreach (var (name, _) in Kinds)
                data.Add(file, name);
        return data;
    }

    /// <summary>Loss and its parts within 1e-5 relative (1e-7 absolute), dL/dz_S within 1e-5 + 1e-4 relative.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedLossMatchesTorch(string file, string kind)
    {
        using var g = GoldenCase.Open(file + ".safetensors");
        var options = Options(g, Kinds.Single(k => k.Name == kind).Kind);
        var student = g.LoadF32("student");
        student.RequiresGrad = true;
        var targets = g.LoadI32("targets");
        bool sparse = g.MetaInt("k") > 0;
        using (var tape = Tape.Record())
        {
            var r = sparse
                ? DistillLoss.ComputeSparse(student, g.LoadI32("teacher_ids"), g.LoadF32("teacher_top"), g.LoadF32("teacher_lse"), targets, options)
                : DistillLoss.Compute(student, g.LoadF32("teacher"), targets, options);
            float loss = r.Loss.Item(), expected = g.LoadF32(kind + ".loss").AsSpan()[0];
            log.WriteLine($"{file} {kind}: loss {loss:R}, torch {expected:R}; soft {r.Soft:R}, hard {r.Hard:R}");
            Close.Scalar(expected, loss, 1e-7, 1e-5, $"{file} {kind}: loss");
            Close.Scalar(g.LoadF32(kind + ".soft").AsSpan()[0], r.Soft, 1e-7, 1e-5, $"{file} {kind}: soft");
            Close.Scalar(g.LoadF32(kind + ".hard").AsSpan()[0], r.Hard, 1e-7, 1e-5, $"{file} {kind}: hard");
            Assert.Equal(33, r.Tokens);
            tape.Backward(r.Loss);
        }
        GoldenCheck.Compare(g.LoadF32(kind + ".dstudent"), student.Grad!, 1e-5, 1e-4, $"{file} {kind}: dstudent", log);
    }

    private static DistillLossOptions Options(GoldenCase g, Divergence kind) => new()
    {
        Divergence = kind,
        Temperature = g.MetaFloat("temperature"),
        Beta = g.MetaFloat("beta"),
        Alpha = g.MetaFloat("alpha"),
        TaidT = g.MetaFloat("taid_t"),
        SoftWeight = g.MetaFloat("soft_weight"),
        HardWeight = g.MetaFloat("hard_weight"),
        IgnoreIndex = g.MetaInt("ignore_index"),
        Tail = g.MetaInt("k") > 0 && g.Meta("tail") == "bucket" ? SparseTail.Bucket : SparseTail.Renormalize,
    };
}
