// MatMul (all four transpose cases, batched, shared rank-2 weight) and Linear against PyTorch autograd.
// a (37, 29) or (29, 37)^T, b (29, 53) or (53, 29)^T; batched (2, 37, 29) x (2, 29, 53); shared (3, 37, 29) x (29, 53).
using Distill.Autograd;
using Xunit.Abstractions;

namespace Distill.Tests.GoldenTests;

public class MatMulGoldenTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("matmul_nn")]
    [InlineData("matmul_nt")]
    [InlineData("matmul_tn")]
    [InlineData("matmul_tt")]
    [InlineData("matmul_batched")]
    [InlineData("matmul_shared")]
    public void MatMulMatchesTorch(string name) =>
        GoldenCheck.Run($"{name}.safetensors", ["a", "b"],
            (g, x) => Ops.MatMul(x[0], x[1], g.MetaBool("transA"), g.MetaBool("transB")), Tol.Default, log);

    /// <summary>y (2, 5, 53) = x (2, 5, 29) @ W^T + b, W (53, 29) as torch.nn.Linear.</summary>
    [Fact]
    public void LinearMatchesTorch() =>
        GoldenCheck.Run("linear.safetensors", ["x", "weight", "bias"],
            (_, x) => Ops.Linear(x[0], x[1], x[2]), Tol.Default, log);
}
