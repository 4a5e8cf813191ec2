// Row softmax (7 x 1031) and mean cross-entropy with ignore_index -100 (16 x 1031, three rows ignored),
// at unit and at 30x logit scale, against PyTorch autograd.
using Distill.Autograd;
using Xunit.Abstractions;

namespace Distill.Tests.GoldenTests;

public class SoftmaxGoldenTests(ITestOutputHelper log)
{
    /// <summary>dx is small (|dx| &lt; 0.5), so its absolute tolerance is 1e-6.</summary>
    [Fact]
    public void SoftmaxMatchesTorch() =>
        GoldenCheck.Run("softmax.safetensors", ["x"], (_, x) => Ops.Softmax(x[0]),
            Tol.Default with { GradAtol = 1e-6 }, log);

    /// <summary>Loss within 1e-5 + 1e-5 |loss|; dlogits (each at most 1/13) within 1e-6 + 1e-4 |ref|.</summary>
    [Theory]
    [InlineData("cross_entropy")]
    [InlineData("cross_entropy_large")]
    public void CrossEntropyMatchesTorch(string name)
    {
        string file = $"{name}.safetensors";
        using var g = GoldenCase.Open(file);
        var logits = g.LoadF32("logits");
        logits.RequiresGrad = true;
        var targets = g.LoadI32("targets");
        float expectedLoss = g.LoadF32("loss").AsSpan()[0];
        using (var tape = Tape.Record())
        {
            var loss = Ops.CrossEntropy(logits, targets, g.MetaInt("ignore_index"));
            float ours = loss.Item();
            log.WriteLine($"{file}: loss {ours:R}, torch {expectedLoss:R}, |diff| {Math.Abs(ours - expectedLoss):G3}");
            Support.Close.Scalar(expectedLoss, ours, 1e-5, 1e-5, $"{file}: loss");
            tape.Backward(loss);
        }
        Assert.NotNull(logits.Grad);
        GoldenCheck.Compare(g.LoadF32("dlogits"), logits.Grad!, 1e-6, 1e-4, $"{file}: dlogits", log);
    }
}
