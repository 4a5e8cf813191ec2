// The small shared pieces this work added outside Losses/Training: row views of a tensor (the chunk
// loop's windows) and the tape's early release of intermediate gradients (the distiller's memory).
using Distill.Autograd;
using Distill.Tensors;

namespace Distill.Tests.Distillation;

public class SharedPieceTests
{
    [Fact]
    public void RowViewsShareStorageAndOutliveTheirParent()
    {
        var data = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        var t = Tensor.FromArray(data, 4, 3);
        var rows = t.RowsUnrecorded(1, 2);
        Assert.Equal(new Shape(2, 3), rows.Shape);
        Assert.Equal(new float[] { 3, 4, 5, 6, 7, 8 }, rows.ToArray());
        rows.AsSpan()[0] = -1;
        Assert.Equal(-1, t.AsSpan()[3]);
        using (var empty = t.RowsUnrecorded(4, 0)) Assert.Equal(0, empty.Numel);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.RowsUnrecorded(3, 2));
        t.Dispose();                                  // the view still holds the memory
        Assert.Equal(new float[] { -1, 4, 5, 6, 7, 8 }, rows.ToArray());
        rows.Dispose();
    }

    [Fact]
    public void EarlyReleaseFreesIntermediateGradientsAndKeepsLeafGradients()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        x.RequiresGrad = true;
        foreach (bool release in new[] { false, true })
        {
            x.Grad?.Dispose();
            x.Grad = null;
            using var tape = Tape.Record();
            tape.ReleaseGradientsEarly = release;
            var h = Ops.Gelu(x);
            var y = Ops.Mul(h, h);
            tape.Backward(Ops.Sum(Ops.Add(y, h)));
            Assert.Equal(release, h.Grad is null);
            Assert.Equal(release, y.Grad is null);
            Assert.NotNull(x.Grad);
        }
        var expected = x.Grad!.ToArray();
        // d/dx sum(g^2 + g) = (2g + 1) g'(x): same with and without release (the second pass above)
        using (var tape = Tape.Record())
        {
            x.Grad.Dispose();
            x.Grad = null;
            var h = Ops.Gelu(x);
            tape.Backward(Ops.Sum(Ops.Add(Ops.Mul(h, h), h)));
        }
        Assert.Equal(expected, x.Grad!.ToArray());
        x.Grad.Dispose();
    }
}
