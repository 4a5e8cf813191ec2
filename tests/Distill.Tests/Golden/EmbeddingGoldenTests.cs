// Embedding gather (41 ids with repeats into a (23, 19) table) and its scatter-add gradient, against PyTorch.
using Distill.Autograd;
using Xunit.Abstractions;

namespace Distill.Tests.GoldenTests;

public class EmbeddingGoldenTests(ITestOutputHelper log)
{
    /// <summary>The gather is a copy (bit-equal); dtable sums up to 4 repeated rows (default tolerance).</summary>
    [Fact]
    public void EmbeddingMatchesTorch() =>
        GoldenCheck.Run("embedding.safetensors", ["table"], (g, x) => Ops.Embedding(g.LoadI32("ids"), x[0]),
            Tol.Default with { OutAtol = 0, OutRtol = 0 }, log);
}
