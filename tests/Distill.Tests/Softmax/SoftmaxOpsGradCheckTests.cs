// The tape wiring of Autograd.Ops.Softmax and CrossEntropy (with ignored targets, and all ignored)
// through GradCheck.Worst.
using Distill.Autograd;
using Distill.Tensors;
using static Distill.Tests.Elementwise.ElementwiseOpsGradCheckTests;

namespace Distill.Tests.Softmax;

public class SoftmaxOpsGradCheckTests
{
    [Fact]
    public void Softmax() => AssertGradients(x => Ops.Softmax(x[0]), Input("x", 1, 2f, 2, 3, 7));

    [Fact]
    public void CrossEntropyWithIgnoredTargets()
    {
        using var targets = Tensor.FromArray(new[] { 3, -100, 0, 6, -100, 2 }, 2, 3);
        AssertGradients(x => Ops.CrossEntropy(x[0], targets), Input("logits", 2, 2f, 2, 3, 7));
    }

    [Fact]
    public void CrossEntropyOfASoftmaxInput()
    {
        // The gradient reaches logits through another op, so it is accumulated rather than adopted.
        using var targets = Tensor.FromArray(new[] { 1, 4, 0, -100 }, 4);
        AssertGradients(x => Ops.CrossEntropy(Ops.Scale(x[0], 1.5f), targets), Input("logits", 3, 2f, 4, 5));
    }

    [Fact]
    public void CrossEntropyHandsItsFusedGradientToLogitsMadeOnTheTape()
    {
        // loss.Backward() seeds 1, so the fused dlogits buffer becomes logits.Grad without a copy; the
        // Scale before it then carries 1.5 * (softmax - onehot) / valid back to x.
        const int rows = 4, v = 6;
        var xs = Support.Rand.Normal(rows * v, 5);
        int[] tg = [2, -100, 5, 0];
        using var x = Tensor.FromArray(xs, rows, v);
        x.RequiresGrad = true;
        using var targets = Tensor.FromArray(tg, rows);
        double[] expected;
        using (var tape = Tape.Record())
        {
            var logits = Ops.Scale(x, 1.5f);
            var loss = Ops.CrossEntropy(logits, targets);
            tape.Backward(loss);
            var z = Array.ConvertAll(logits.ToArray(), f => (double)f);
            double[] losses = new double[rows], dz = new double[rows * v];
            Distill.Backends.Cpu.CpuReference.CrossEntropy<double>(z, tg, -100, losses, dz, 1.0 / 3);
            expected = Array.ConvertAll(dz, d => 1.5 * d);
            Support.Close.Scalar(losses.Sum() / 3, loss.Item(), 1e-6, 1e-6, "loss");
        }
        Support.Close.All(expected, Array.ConvertAll(x.Grad!.ToArray(), f => (double)f), 1e-7, 1e-6, "x.grad");
        x.Grad!.Dispose();
        x.Grad = null;
    }

    [Fact]
    public void CrossEntropyWithEveryTargetIgnoredIsZero()
    {
        using var targets = Tensor.FromArray(new[] { -100, -100, -100 }, 3);
        using var logits = Input("logits", 4, 1f, 3, 5);
        using var tape = Tape.Record();
        var loss = Ops.CrossEntropy(logits, targets);
        Assert.Equal(0f, loss.Item());
        tape.Backward(loss);
        Assert.All(Ops.GradOf(logits).ToArray(), g => Assert.Equal(0f, g));
        logits.Grad!.Dispose();
        logits.Grad = null;
    }

    [Fact]
    public void CrossEntropyLossIsTheMeanOverCountedRows()
    {
        var z = new float[] { 1, 2, 3, 0, 0, 0, 5, -1, 2 };
        using var logits = Tensor.FromArray(z, 3, 3);
        using var targets = Tensor.FromArray(new[] { 2, -100, 0 }, 3);
        using var loss = Ops.CrossEntropy(logits, targets);
        double Lse(int r) => Math.Log(Math.Exp(z[3 * r]) + Math.Exp(z[3 * r + 1]) + Math.Exp(z[3 * r + 2]));
        double expected = ((Lse(0) - 3) + (Lse(2) - 5)) / 2;
        Assert.Equal(expected, loss.Item(), 6);
    }
}
