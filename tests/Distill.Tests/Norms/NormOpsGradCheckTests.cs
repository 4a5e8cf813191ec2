// The tape wiring of Autograd.Ops.LayerNorm (with and without bias) and RmsNorm through
// GradCheck.Worst, including inputs of rank 3 (viewed as rows) and inputs that need no gradient.
using Distill.Autograd;
using static Distill.Tests.Elementwise.ElementwiseOpsGradCheckTests;

namespace Distill.Tests.Norms;

public class NormOpsGradCheckTests
{
    [Fact]
    public void LayerNormWithBias() =>
        AssertGradients(x => Ops.LayerNorm(x[0], x[1], x[2]), Input("x", 1, 2f, 2, 3, 8), Input("weight", 2, 1f, 8), Input("bias", 3, 1f, 8));

    [Fact]
    public void LayerNormWithoutBias() =>
        AssertGradients(x => Ops.LayerNorm(x[0], x[1], null), Input("x", 4, 2f, 5, 8), Input("weight", 5, 1f, 8));

    [Fact]
    public void LayerNormWithFrozenWeightAndBias()
    {
        var w = Input("weight", 7, 1f, 8);
        var b = Input("bias", 8, 1f, 8);
        w.RequiresGrad = false;
        b.RequiresGrad = false;
        AssertGradients(x => Ops.LayerNorm(x[0], x[1], x[2]), Input("x", 6, 2f, 5, 8), w, b);
    }

    [Fact]
    public void LayerNormOfAFrozenInput()
    {
        var x0 = Input("x", 9, 2f, 5, 8);
        x0.RequiresGrad = false;
        AssertGradients(x => Ops.LayerNorm(x[0], x[1], x[2]), x0, Input("weight", 10, 1f, 8), Input("bias", 11, 1f, 8));
    }

    [Fact]
    public void RmsNorm() =>
        AssertGradients(x => Ops.RmsNorm(x[0], x[1]), Input("x", 12, 2f, 2, 3, 8), Input("weight", 13, 1f, 8));
}
