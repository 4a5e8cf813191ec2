// Tensor, Shape, pool and tape basics.
using Distill.Autograd;
using Distill.Tensors;

namespace Distill.Tests.Core;

public class TensorTests
{
    [Fact]
    public void ShapePrintsLikePyTorchAndCounts()
    {
        var s = new Shape(4, 8, 3);
        Assert.Equal("(4, 8, 3)", s.ToString());
        Assert.Equal(96, s.Numel);
        Assert.Equal(32, s.Rows);
        Assert.Equal(3, s[-1]);
        Assert.Equal("(5,)", new Shape(5).ToString());
        Assert.Equal(1, new Shape().Numel);
        Assert.Throws<ArgumentException>(() => new Shape(2, -1));
    }

    [Fact]
    public void FromArrayRoundTripsAndChecksLength()
    {
        using var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray());
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3));
        Assert.Contains("(2, 3)", e.Message);
    }

    [Fact]
    public void ReshapeIsAViewAndInfersMinusOne()
    {
        using var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var v = t.Reshape(3, -1);
        Assert.Equal(new Shape(3, 2), v.Shape);
        v.AsSpan()[0] = 42;
        Assert.Equal(42, t.AsSpan()[0]);
        Assert.Throws<ArgumentException>(() => t.Reshape(4, 2));
    }

    [Fact]
    public void StorageSurvivesUntilLastViewIsDisposed()
    {
        var t = Tensor.FromArray(new float[] { 1, 2 }, 2);
        var v = t.Reshape(1, 2);
        t.Dispose();
        t.Dispose(); // idempotent
        Assert.Equal(new float[] { 1, 2 }, v.ToArray());
        v.Dispose();
        Assert.Throws<ObjectDisposedException>(() => v.ToArray());
    }

    [Fact]
    public void PoolReusesBlocksOfTheSameSize()
    {
        var pool = new BufferPool();
        var a = pool.Rent(4 << 20);
        var p = a.Pointer;
        Assert.Equal(1, pool.LargeAllocations);
        typeof(TensorStorage).GetMethod("Release", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.Invoke(a, null);
        var b = pool.Rent(4 << 20);
        Assert.Equal(p, b.Pointer);
        Assert.Equal(1, pool.LargeAllocations);
        pool.Trim();
    }

    [Fact]
    public void BackwardWithoutTapeSaysHowToRecord()
    {
        using var x = Tensor.FromArray(new float[] { 1 }, 1);
        var e = Assert.Throws<InvalidOperationException>(() => x.Backward());
        Assert.Contains("Tape.Record", e.Message);
    }
}
