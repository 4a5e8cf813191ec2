// Distiller behaviour beyond the golden numbers: a cached teacher signal gives the live teacher's
// step, metrics add up, bad setups are refused, and repeated steps allocate no new large buffers.
using Distill.Autograd;
using Distill.Losses;
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;
using Distill.Tests.Support;
using Distill.Training;

namespace Distill.Tests.Distillation;

internal static class TinyPair
{
    public static Gpt2 Teacher(int vocab = 53, int width = 16, int t = 16) =>
        new Gpt2(new Gpt2Config { VocabSize = vocab, MaxPositions = t, Hidden = width, Layers = 2, Heads = 2, Inner = 4 * width }).InitRandom(11);

    public static Gpt2 Student(int vocab = 53, int width = 8, int t = 16) =>
        new Gpt2(new Gpt2Config { VocabSize = vocab, MaxPositions = t, Hidden = width, Layers = 1, Heads = 2, Inner = 4 * width }).InitRandom(12);

    public static (Tensor Ids, Tensor Targets) Batch(int b, int t, int vocab, int seed)
    {
        var ids = Rand.Ints(b * t, seed, vocab);
        var targets = ids.Skip(1).Append(-100).ToArray();
        targets[0] = -100;
        return (Tensor.FromArray(ids, b, t), Tensor.FromArray(targets, b, t));
    }
}

public class DistillerTests
{
    private static readonly DistillerOptions TwoTemperature = new() { Loss = new DistillLossOptions { Temperature = 2f } };

    [Fact]
    public void CachedTeacherLogitsGiveTheLiveTeachersGradients()
    {
        using var teacher = TinyPair.Teacher();
        using var student = TinyPair.Student();
        var (ids, targets) = TinyPair.Batch(3, 7, 53, 1);
        using var _i = ids;
        using var _t = targets;
        using var d = new Distiller(student, teacher, TwoTemperature with { LossChunkRows = 4 });
        var live = d.ComputeGradients(ids, targets);
        var liveGrads = student.Parameters.Tensors.Select(p => p.Grad!.ToArray()).ToArray();

        var output = teacher.Forward(ids);                 // no tape: the caller owns what it returns
        using var logits = output.Logits!;
        output.Final.Dispose();
        foreach (var h in output.HiddenStates) h.Dispose();
        var cached = d.ComputeGradients(ids, targets, new TeacherSignal.FromLogits(logits));
        Close.Scalar(live.Loss, cached.Loss, 1e-6, 1e-5, "loss");
        int k = 0;
        foreach (var (name, p) in student.Parameters.Named)
            Close.All(liveGrads[k++], p.Grad!.AsSpan(), 1e-6, 1e-4, $"grad of {name}");
        Ops.ZeroGrad(student.Parameters.Tensors);
    }

    [Fact]
    public void MetricsAddUpAndTheUpdateChangesTheStudent()
    {
        using var teacher = TinyPair.Teacher();
        using var student = TinyPair.Student();
        var (ids, targets) = TinyPair.Batch(2, 9, 53, 2);
        using var _i = ids;
        using var _t = targets;
        var options = TwoTemperature with
        {
            Features = [new FeatureLossTerm { Kind = FeatureLossKind.Cosine, Weight = 0.3f, LayerMap = [new(1, 2)] }],
            Optimizer = new AdamWOptions { LearningRate = 1e-2f, MaxGradNorm = 1f },
        };
        using var d = new Distiller(student, teacher, options);
        var before = student.LmHeadWeight.ToArray();
        var m = d.Step(ids, targets);
        float expected = options.Loss.SoftFactor * m.Soft + options.Loss.HardWeight * m.Hard + 0.3f * m.Features[0];
        Close.Scalar(expected, m.Loss, 1e-5, 1e-5, "total = weighted parts");
        Close.Scalar(0.3f * m.Features[0], m.FeatureTotal, 1e-7, 1e-6, "feature total");
        Assert.Equal(16, m.Tokens);
        Assert.True(m.GradNorm > 0 && double.IsFinite(m.GradNorm));
        Assert.NotEqual(before, student.LmHeadWeight.ToArray());
        Assert.NotNull(d.FeatureLosses[0].Projections[0]!.Weight.Grad);     // the projection trains too
        Assert.Contains(d.FeatureLosses[0].Projections[0]!.Weight, d.Optimizer.Parameters);
    }

    [Fact]
    public void BadSetupsAreRefused()
    {
        using var teacher = TinyPair.Teacher(vocab: 50);
        using var student = TinyPair.Student();
        Assert.Contains("vocabulary", Assert.Throws<ArgumentException>(() => new Distiller(student, teacher, new DistillerOptions())).Message);
        var features = new DistillerOptions { Features = [new FeatureLossTerm { LayerMap = [new(0, 0)] }] };
        Assert.Contains("teacher model", Assert.Throws<ArgumentException>(() => new Distiller(student, null, features)).Message);
        using var noTeacher = new Distiller(student, null, new DistillerOptions());
        var (ids, targets) = TinyPair.Batch(1, 4, 53, 3);
        using var _i = ids;
        using var _t = targets;
        Assert.Throws<InvalidOperationException>(() => noTeacher.Step(ids, targets));
    }
}

[Collection("Serial allocation counts")]
public class DistillerAllocationTests
{
    [Fact]
    public void RepeatedDistillationStepsAllocateNoNewLargeBuffers()
    {
        // Teacher activations (512 x 512 floats), loss chunks (200 x 2048 x 2) and the head gradient are > 1 MB.
        const int vocab = 2048, b = 4, t = 128;
        using var teacher = TinyPair.Teacher(vocab, 128, t);
        using var student = TinyPair.Student(vocab, 64, t);
        var (ids, targets) = TinyPair.Batch(b, t, vocab, 4);
        using var _i = ids;
        using var _t = targets;
        var options = new DistillerOptions
        {
            Loss = new DistillLossOptions { Temperature = 2f },
            Features = [new FeatureLossTerm { Kind = FeatureLossKind.Mse, LayerMap = [new(1, 2)] }],
            LossChunkRows = 200,
            TeacherTokensPerForward = 256,
            Optimizer = new AdamWOptions { MaxGradNorm = 1f },
        };
        using var d = new Distiller(student, teacher, options);
        d.Step(ids, targets);
        long after1 = BufferPool.Shared.LargeAllocations;
        for (int i = 0; i < 3; i++) d.Step(ids, targets);
        Assert.Equal(after1, BufferPool.Shared.LargeAllocations);
    }
}
