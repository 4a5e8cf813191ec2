// The tape's own behaviour: accumulation, no-grad scopes, views, errors, and that a repeated training
// step reuses its buffers (no fresh large allocations after the first step).
using Distill.Autograd;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Autograd;

[CollectionDefinition("Serial allocation counts", DisableParallelization = true)]
public class SerialAllocationCollection { }

public class TapeTests
{
    [Fact]
    public void TensorUsedTwiceSumsItsGradients()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        x.RequiresGrad = true;
        using (var tape = Tape.Record())
        {
            var y = Ops.Sum(Ops.Add(x, Ops.Mul(x, x)));   // sum(x + x^2): dx = 1 + 2x
            tape.Backward(y);
        }
        Assert.Equal(new float[] { 3, 5, 7 }, x.Grad!.ToArray());
        x.Grad.Dispose();
    }

    [Fact]
    public void LeafGradientsAccumulateAcrossStepsUntilZeroed()
    {
        using var x = Tensor.FromArray(new float[] { 2 }, 1);
        x.RequiresGrad = true;
        for (int step = 0; step < 2; step++)
        {
            using var tape = Tape.Record();
            tape.Backward(Ops.Sum(Ops.Scale(x, 3f)));
        }
        Assert.Equal(6f, x.Grad!.Item());
        Ops.ZeroGrad([x]);
        Assert.Equal(0f, x.Grad!.Item());
        x.Grad.Dispose();
    }

    [Fact]
    public void NoGradScopeRecordsNothing()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2 }, 2);
        x.RequiresGrad = true;
        using var tape = Tape.Record();
        using (Tape.NoGrad())
        {
            var y = Ops.Gelu(x);
            Assert.False(y.RequiresGrad);
        }
        Assert.Equal(0, tape.Count);
        var z = Ops.Gelu(x);
        Assert.True(z.RequiresGrad);
        Assert.Equal(1, tape.Count);
    }

    [Fact]
    public void GradientFlowsThroughReshapeViews()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        x.RequiresGrad = true;
        using (var tape = Tape.Record())
        {
            var v = x.Reshape(3, 2);
            tape.Backward(Ops.Sum(Ops.Scale(v, 2f)));
        }
        Assert.Equal(Enumerable.Repeat(2f, 6), x.Grad!.ToArray());
        x.Grad.Dispose();
    }

    [Fact]
    public void BackwardNeedsAScalarThatRequiresGrad()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2 }, 2);
        using var tape = Tape.Record();
        var y = Ops.Gelu(x);
        Assert.Contains("not a scalar", Assert.Throws<InvalidOperationException>(() => tape.Backward(y)).Message);
        var s = Ops.Sum(y);
        Assert.Contains("requires grad", Assert.Throws<InvalidOperationException>(() => tape.Backward(s)).Message);
    }

    [Fact]
    public void ErrorsNameTheOpAndShapes()
    {
        using var a = Tensor.Zeros(new Shape(4, 8));
        using var b = Tensor.Zeros(new Shape(7, 3));
        var e = Assert.Throws<ArgumentException>(() => Ops.MatMul(a, b));
        Assert.Contains("MatMul: (4, 8) x (7, 3): inner dims 8 != 7", e.Message);
        using var ids = Tensor.FromArray(new[] { 1, 9 }, 2);
        using var table = Tensor.Zeros(new Shape(5, 3));
        var oob = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Embedding(ids, table));
        Assert.Contains("token id 9 at position 1", oob.Message);
    }
}

[Collection("Serial allocation counts")]
public class StepAllocationTests
{
    [Fact]
    public void RepeatedStepAllocatesNoNewLargeBuffers()
    {
        // A small MLP step on (512, 256) activations: every activation and gradient is > 1 MB.
        const int n = 1024, c = 256, v = 512;
        using var x = Tensor.FromArray(Rand.Normal(n * c, 1), n, c);
        using var w1 = Tensor.FromArray(Rand.Normal(c * c, 2, 0.05f), c, c);
        using var w2 = Tensor.FromArray(Rand.Normal(v * c, 3, 0.05f), v, c);
        using var lnw = Tensor.FromArray(Enumerable.Repeat(1f, c).ToArray(), c);
        using var targets = Tensor.FromArray(Rand.Ints(n, 4, v), n);
        Tensor[] parameters = [w1, w2, lnw];
        foreach (var p in parameters) p.RequiresGrad = true;

        void Step()
        {
            using var tape = Tape.Record();
            var h = Ops.Gelu(Ops.Linear(Ops.LayerNorm(x, lnw, null), w1));
            var loss = Ops.CrossEntropy(Ops.Linear(h, w2), targets);
            tape.Backward(loss);
        }

        Step();
        long after1 = BufferPool.Shared.LargeAllocations;
        for (int i = 0; i < 3; i++) Step();
        Assert.Equal(after1, BufferPool.Shared.LargeAllocations);
        foreach (var p in parameters) p.Grad?.Dispose();
    }
}
