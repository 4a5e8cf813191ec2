// SliceLastDim: values against plain indexing, and the gradient lands in the right columns only.
using Distill.Autograd;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Slice;

public class SliceTests
{
    [Theory]
    [InlineData(1, 1, 0, 1)]
    [InlineData(5, 48, 16, 16)]
    [InlineData(3, 37, 5, 19)]
    [InlineData(7, 300, 0, 300)]
    [InlineData(4, 10, 10, 0)]
    public void SliceCopiesTheColumnsAndItsGradientAddsBack(int rows, int c, int start, int w)
    {
        var data = Rand.Normal(rows * c, rows * 100 + c);
        using var x = Tensor.FromArray(data, rows, c);
        x.RequiresGrad = true;
        var dyData = Rand.Normal(rows * w, 7);
        using (var tape = Tape.Record())
        {
            var y = Ops.SliceLastDim(x, start, w);
            var expected = new float[rows * w];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < w; j++) expected[r * w + j] = data[r * c + start + j];
            Assert.Equal(expected, y.ToArray());
            if (w > 0)
            {
                var dy = Tensor.FromArray(dyData, rows, w);
                tape.Backward(Ops.Sum(Ops.Mul(y, dy)));
                dy.Dispose();
                var dx = x.Grad!.ToArray();
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < c; j++)
                        Assert.Equal(j >= start && j < start + w ? dyData[r * w + j - start] : 0f, dx[r * c + j]);
            }
        }
        x.Grad?.Dispose();
    }

    [Fact]
    public void OutOfRangeSliceNamesTheShape()
    {
        using var x = Tensor.Zeros(new Shape(2, 8));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.SliceLastDim(x, 6, 4));
        Assert.Contains("(2, 8)", e.Message);
    }
}
