// The tape wiring of the elementwise Autograd.Ops (Add, Mul, Scale, Sum, Mean, AddBias, GELU, SiLU,
// SwiGLU) through GradCheck.Worst: float32 forward, central differences against the tape's gradients.
using Distill.Autograd;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Elementwise;

public class ElementwiseOpsGradCheckTests
{
    internal static Tensor Input(string name, int seed, float std, params int[] dims)
    {
        var t = Tensor.FromArray(Rand.Normal((int)new Shape(dims).Numel, seed, std), dims);
        t.Name = name;
        t.RequiresGrad = true;
        return t;
    }

    internal static void AssertGradients(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        try
        {
            var worst = GradCheck.Worst(f, inputs);
            Assert.True(worst.Error <= 1, $"{worst.Input}[{worst.Index}]: tape {worst.Analytic}, numeric {worst.Numeric} ({worst.Error:F2}x tolerance)");
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }

    [Fact] public void Gelu() => AssertGradients(x => Ops.Gelu(x[0]), Input("x", 1, 2f, 4, 9));
    [Fact] public void Silu() => AssertGradients(x => Ops.Silu(x[0]), Input("x", 2, 2f, 4, 9));
    [Fact] public void SwiGlu() => AssertGradients(x => Ops.SwiGlu(x[0], x[1]), Input("gate", 3, 2f, 3, 11), Input("up", 4, 1f, 3, 11));

    [Fact]
    public void SwiGluWithOnlyOneSideNeedingGradients()
    {
        var up = Input("up", 6, 1f, 3, 11);
        up.RequiresGrad = false;
        AssertGradients(x => Ops.SwiGlu(x[0], x[1]), Input("gate", 5, 2f, 3, 11), up);
        var gate = Input("gate", 7, 2f, 3, 11);
        gate.RequiresGrad = false;
        AssertGradients(x => Ops.SwiGlu(x[0], x[1]), gate, Input("up", 8, 1f, 3, 11));
    }

    [Fact] public void Add() => AssertGradients(x => Ops.Add(x[0], x[1]), Input("a", 9, 1f, 5, 7), Input("b", 10, 1f, 5, 7));
    [Fact] public void AddOfATensorWithItself() => AssertGradients(x => Ops.Add(x[0], x[0]), Input("a", 11, 1f, 5, 7));
    [Fact] public void Mul() => AssertGradients(x => Ops.Mul(x[0], x[1]), Input("a", 12, 1f, 5, 7), Input("b", 13, 1f, 5, 7));
    [Fact] public void MulOfATensorWithItself() => AssertGradients(x => Ops.Mul(x[0], x[0]), Input("a", 14, 1f, 5, 7));
    [Fact] public void Scale() => AssertGradients(x => Ops.Scale(x[0], -2.5f), Input("x", 15, 1f, 5, 7));
    [Fact] public void Sum() => AssertGradients(x => Ops.Sum(Ops.Mul(x[0], x[0])), Input("x", 16, 1f, 5, 7));
    [Fact] public void Mean() => AssertGradients(x => Ops.Mean(Ops.Mul(x[0], x[0])), Input("x", 17, 1f, 5, 7));
    [Fact] public void AddBias() => AssertGradients(x => Ops.AddBias(x[0], x[1]), Input("x", 18, 1f, 2, 3, 7), Input("bias", 19, 1f, 7));
    [Fact] public void Chain() => AssertGradients(x => Ops.Gelu(Ops.AddBias(Ops.Silu(x[0]), x[1])), Input("x", 20, 1f, 4, 6), Input("bias", 21, 1f, 6));
}
