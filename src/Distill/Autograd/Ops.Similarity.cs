// Row-wise cosine similarity (for hidden-state distillation) and adding a constant.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Autograd;

public static partial class Ops
{
    /// <summary>
    /// cos(a, b) over the last dim: a, b (..., C) -> (...), as torch's cosine_similarity (each norm
    /// clamped to at least eps). Gradients flow into both inputs.
    /// </summary>
    public static Tensor CosineSimilarity(Tensor a, Tensor b, float eps = 1e-8f)
    {
        const string op = "CosineSimilarity";
        RequireF32(op, a, "a");
        RequireF32(op, b, "b");
        RequireSameShape(op, a, b);
        RequireSameDevice(op, a, b);
        if (a.Shape.Rank < 1) throw new ArgumentException($"{op}: inputs need a last dim to reduce, got {a.Shape}");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{op}: eps must be positive");
        int c = a.Shape[-1];
        int rows = checked((int)a.Shape.Rows);
        var dims = a.Shape.ToArray()[..^1];
        var y = NewTensor(new Shape(dims), DType.F32, a.Device);
        var be = Backend.For(a);
        using (var a2 = a.ViewUnrecorded(new Shape(rows, c)))
        using (var b2 = b.ViewUnrecorded(new Shape(rows, c)))
        using (var y1 = y.ViewUnrecorded(new Shape(rows)))
            be.CosineSimilarity(a2, b2, eps, y1);
        if (Recording(y, a, b) is { } tape)
            tape.Push(y, () =>
            {
                using var a2 = a.ViewUnrecorded(new Shape(rows, c));
                using var b2 = b.ViewUnrecorded(new Shape(rows, c));
                using var dy = y.Grad!.ViewUnrecorded(new Shape(rows));
                using var da = a.RequiresGrad ? GradOf(a).ViewUnrecorded(new Shape(rows, c)) : null;
                using var db = b.RequiresGrad ? GradOf(b).ViewUnrecorded(new Shape(rows, c)) : null;
                be.CosineSimilarityBackward(a2, b2, eps, dy, da, db);
            });
        return y;
    }

    /// <summary>y = x + value (every element); the gradient passes through unchanged.</summary>
    public static Tensor AddScalar(Tensor x, float value)
    {
        RequireF32("AddScalar", x, "x");
        var y = NewLike(x);
        var be = Backend.For(x);
        be.Fill(y, value);
        be.Add(x, y, y);
        if (Recording(y, x) is { } tape)
            tape.Push(y, () => be.Axpy(1f, y.Grad!, GradOf(x)));
        return y;
    }
}
