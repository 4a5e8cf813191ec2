// Slicing the last dimension (copy), e.g. q, k, v out of GPT-2's fused qkv projection.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Autograd;

public static partial class Ops
{
    /// <summary>x[..., start : start + length] as a new contiguous tensor; gradient flows back into that slice.</summary>
    public static Tensor SliceLastDim(Tensor x, int start, int length)
    {
        const string op = "SliceLastDim";
        RequireF32(op, x, "x");
        int c = x.Shape.Rank == 0 ? 0 : x.Shape[-1];
        if (start < 0 || length < 0 || start + length > c)
            throw new ArgumentOutOfRangeException(nameof(start), $"{op}: [{start}, {start + length}) is outside the last dim of {x.Shape}");
        var dims = x.Shape.ToArray();
        dims[^1] = length;
        var y = NewTensor(new Shape(dims), DType.F32, x.Device);
        int rows = checked((int)x.Shape.Rows);
        var be = Backend.For(x);
        using (var x2 = x.ViewUnrecorded(new Shape(rows, c)))
        using (var y2 = y.ViewUnrecorded(new Shape(rows, length)))
            be.SliceColumns(x2, start, y2);
        if (Recording(y, x) is { } tape)
            tape.Push(y, () =>
            {
                using var dy = y.Grad!.ViewUnrecorded(new Shape(rows, length));
                using var dx = GradOf(x).ViewUnrecorded(new Shape(rows, c));
                be.SliceColumnsBackward(dy, start, dx);
            });
        return y;
    }
}
