// Embedding gather and the deterministic scatter-add backward against the twin, the twin's backward by
// finite differences, GradCheck through Ops.Embedding with repeated ids, and the out-of-range error.
using Distill.Autograd;
using Distill.Backends.Cpu;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Attention;

public class EmbeddingTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 5, 3)]
    [InlineData(33, 10, 16)]
    [InlineData(64, 4, 17)]
    [InlineData(200, 50, 64)]
    [InlineData(300, 8, 130)]
    [InlineData(2048, 1000, 256)]
    public void KernelMatchesTwin(int n, int vocab, int c)
    {
        var ids = Rand.Ints(n, seed: n + c, below: vocab);         // small vocab: many repeats
        var table = Rand.Normal(vocab * c, seed: 1);
        var dOut = Rand.Normal(n * c, seed: 2);
        var dTable0 = Rand.Normal(vocab * c, seed: 3);
        var expectOut = new float[n * c];
        CpuReference.Embedding<float>(ids, table, expectOut, c);
        var expectGrad = (float[])dTable0.Clone();
        CpuReference.EmbeddingBackward<float>(ids, dOut, expectGrad, c);

        using var idt = Tensor.FromArray(ids, n);
        using var tt = Tensor.FromArray(table, vocab, c);
        using var ot = Tensor.Empty(new Shape(n, c));
        CpuBackend.Instance.Embedding(idt, tt, ot);
        Assert.Equal(expectOut, ot.ToArray());
        foreach (bool wide in new[] { true, false })
        {
            using var gt = Tensor.FromArray(dOut, n, c);
            using var dt = Tensor.FromArray(dTable0, vocab, c);
            CpuBackend.Instance.EmbeddingBackwardCore(idt, gt, dt, wide);
            // Same per-element order as the twin (token order), so the sums agree exactly.
            Assert.Equal(expectGrad, dt.ToArray());
        }
    }

    [Fact]
    public void ScatterMatchesTwinOverChannelLengths()
    {
        // Column blocks of 16 split across threads, vector body plus scalar tail: every C in 0..256 and beyond.
        foreach (int c in Rand.Lengths().Where(n => n <= 1025))
        {
            const int n = 40, vocab = 7;
            var ids = Rand.Ints(n, seed: c, below: vocab);
            var dOut = Rand.Normal(n * c, seed: c + 1);
            var dTable0 = Rand.Normal(vocab * c, seed: c + 2);
            var expectGrad = (float[])dTable0.Clone();
            CpuReference.EmbeddingBackward<float>(ids, dOut, expectGrad, c);
            var table = Rand.Normal(vocab * c, seed: c + 3);
            var expectOut = new float[n * c];
            CpuReference.Embedding<float>(ids, table, expectOut, c);
            using var idt = Tensor.FromArray(ids, n);
            using var tt = Tensor.FromArray(table, vocab, c);
            using var ot = Tensor.Empty(new Shape(n, c));
            CpuBackend.Instance.Embedding(idt, tt, ot);
            Assert.Equal(expectOut, ot.ToArray());
            foreach (bool wide in new[] { true, false })
            {
                using var gt = Tensor.FromArray(dOut, n, c);
                using var dt = Tensor.FromArray(dTable0, vocab, c);
                CpuBackend.Instance.EmbeddingBackwardCore(idt, gt, dt, wide);
                Assert.Equal(expectGrad, dt.ToArray());
            }
        }
    }

    [Fact]
    public void NoTokensLeaveTheGradientUntouched()
    {
        using var ids = Tensor.FromArray(Array.Empty<int>(), 0);
        using var table = Tensor.FromArray(Rand.Uniform(12, 1), 3, 4);
        using var y = Tensor.Empty(new Shape(0, 4));
        using var g = Tensor.Empty(new Shape(0, 4));
        using var dt = Tensor.FromArray(Rand.Uniform(12, 2), 3, 4);
        var before = dt.ToArray();
        CpuBackend.Instance.Embedding(ids, table, y);
        CpuBackend.Instance.EmbeddingBackward(ids, g, dt);
        Assert.Equal(before, dt.ToArray());
    }

    [Fact]
    public void TwinBackwardMatchesFiniteDifferences()
    {
        const int vocab = 5, c = 3;
        int[] ids = [2, 0, 2, 4, 2, 1];
        var table = TwinFiniteDifference.Uniform(vocab * c, 1);
        var r = TwinFiniteDifference.Uniform(ids.Length * c, 2);
        var grad = new double[table.Length];
        CpuReference.EmbeddingBackward<double>(ids, r, grad, c);
        TwinFiniteDifference.Check(x =>
        {
            var y = new double[ids.Length * c];
            CpuReference.Embedding<double>(ids, x[0], y, c);
            return y;
        }, [table], r, [grad], ["table"]);
    }

    [Fact]
    public void OpsEmbeddingGradCheckWithRepeatedIds()
    {
        const int vocab = 6, c = 5;
        using var ids = Tensor.FromArray(new[] { 3, 1, 3, 3, 0, 5, 1, 3 }, 2, 4);
        using var table = Tensor.FromArray(Rand.Uniform(vocab * c, 51), vocab, c);
        table.Name = "table";
        table.RequiresGrad = true;
        var worst = GradCheck.Worst(x => Ops.Embedding(ids, x[0]), [table]);
        Assert.True(worst.Error < 1, $"worst: {worst}");
    }

    [Fact]
    public void OpsEmbeddingShapeIsIdsShapePlusChannels()
    {
        using var ids = Tensor.FromArray(new[] { 1, 0, 2, 1, 1, 0 }, 2, 3);
        using var table = Tensor.FromArray(Rand.Uniform(3 * 4, 52), 3, 4);
        using var y = Ops.Embedding(ids, table);
        Assert.Equal(new Shape(2, 3, 4), y.Shape);
        Assert.Equal(table.ToArray()[4..8], y.ToArray()[0..4]);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(-1)]
    public void OutOfRangeIdNamesTheIdAndPosition(int badId)
    {
        using var ids = Tensor.FromArray(new[] { 0, 7, badId, 1 }, 4);
        using var table = Tensor.Zeros(new Shape(8, 4));
        table.Name = "wte";
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Embedding(ids, table));
        Assert.Contains($"token id {badId} at position 2", e.Message);
        Assert.Contains("8 rows", e.Message);
        Assert.Contains("wte", e.Message);
    }
}
