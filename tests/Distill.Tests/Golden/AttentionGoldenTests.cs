// Causal attention against PyTorch's explicit softmax(q k^T * scale + causal mask) v, with grouped KV
// heads (repeat_interleave): (B 2, T 13, Hq 4, Hkv 2, D 8) and (B 1, T 33, Hq 3, Hkv 3, D 16).
using Distill.Autograd;
using Xunit.Abstractions;

namespace Distill.Tests.GoldenTests;

public class AttentionGoldenTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("attention_gqa")]
    [InlineData("attention_mha")]
    public void CausalAttentionMatchesTorch(string name) =>
        GoldenCheck.Run($"{name}.safetensors", ["q", "k", "v"], (g, x) =>
        {
            float scale = g.MetaFloat("scale");
            Assert.Equal(1 / MathF.Sqrt(x[0].Shape[-1]), scale, 1e-7f);   // the file uses the default scale
            return Ops.Attention(x[0], x[1], x[2], scale);
        }, Tol.Default, log);
}
