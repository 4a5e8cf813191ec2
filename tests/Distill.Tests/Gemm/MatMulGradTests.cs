// Finite-difference checks of the backward rules of Ops.MatMul (every transpose, batched, shared
// weight) and Ops.Linear (with and without bias). GradCheck also needs the elementwise ops (Sum, Mul).
using Distill.Autograd;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Gemm;

public class MatMulGradTests
{
    private static Tensor Param(int seed, params int[] dims)
    {
        var t = Tensor.FromArray(Rand.Uniform((int)new Shape(dims).Numel, seed), dims);
        t.RequiresGrad = true;
        return t;
    }

    private static void AssertGradients(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var worst = GradCheck.Worst(f, inputs);
        Assert.True(worst.Error <= 1,
            $"gradient of {worst.Input}[{worst.Index}]: analytic {worst.Analytic}, numeric {worst.Numeric} ({worst.Error:F1}x the tolerance)");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MatMulEveryTranspose(bool transA, bool transB)
    {
        const int m = 5, n = 4, k = 3;
        using var a = Param(1, transA ? [k, m] : [m, k]);
        using var b = Param(2, transB ? [n, k] : [k, n]);
        AssertGradients(x => Ops.MatMul(x[0], x[1], transA, transB), a, b);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MatMulBatched(bool transA, bool transB)
    {
        const int m = 3, n = 4, k = 5;
        using var a = Param(3, transA ? [2, 2, k, m] : [2, 2, m, k]);
        using var b = Param(4, transB ? [2, 2, n, k] : [2, 2, k, n]);
        AssertGradients(x => Ops.MatMul(x[0], x[1], transA, transB), a, b);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatMulSharedWeight(bool transB)
    {
        const int m = 3, n = 4, k = 5;
        using var a = Param(5, 2, m, k);
        using var b = Param(6, transB ? [n, k] : [k, n]);
        AssertGradients(x => Ops.MatMul(x[0], x[1], false, transB), a, b);
    }

    [Fact]
    public void LinearWithBias()
    {
        using var x = Param(7, 2, 3, 4);
        using var w = Param(8, 5, 4);
        using var bias = Param(9, 5);
        AssertGradients(t => Ops.Linear(t[0], t[1], t[2]), x, w, bias);
    }

    [Fact]
    public void LinearWithoutBias()
    {
        using var x = Param(10, 6, 4);
        using var w = Param(11, 3, 4);
        AssertGradients(t => Ops.Linear(t[0], t[1]), x, w);
    }

    [Fact]
    public void WeightUsedTwiceAccumulatesItsGradients()
    {
        // Backward rules must add (+=) into gradients: a weight and an input used twice sum both uses.
        using var x = Param(12, 3, 4);
        using var x2 = Param(13, 3, 4);
        using var w = Param(14, 5, 4);
        using var bias = Param(15, 5);
        AssertGradients(t => Ops.Add(Ops.Linear(t[0], t[2], t[3]), Ops.Linear(t[1], t[2], t[3])), x, x2, w, bias);
        AssertGradients(t => Ops.Add(Ops.MatMul(t[0], t[2], false, true), Ops.MatMul(t[0], t[2], false, true)), x, x2, w);
    }
}
