// LayerNorm and RmsNorm over the last dimension.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Autograd;

public static partial class Ops
{
    /// <summary>LayerNorm over the last dim of x (..., C); weight (C), bias (C) or null.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor weight, Tensor? bias, float eps = 1e-5f)
    {
        const string op = "LayerNorm";
        RequireF32(op, x, "input");
        RequireF32(op, weight, "weight");
        int c = x.Shape[-1];
        if (weight.Shape.Rank != 1 || weight.Shape[0] != c)
            throw new ArgumentException($"{op}: weight {weight.Shape} does not match input {x.Shape}");
        if (bias is not null && (bias.Shape.Rank != 1 || bias.Shape[0] != c))
            throw new ArgumentException($"{op}: bias {bias.Shape} does not match input {x.Shape}");
        RequireSameDevice(op, x, weight, bias);
        int rows = checked((int)x.Shape.Rows);
        var y = NewLike(x);
        var mean = NewSaved(new Shape(rows), x.Device);
        var rstd = NewSaved(new Shape(rows), x.Device);
        var be = Backend.For(x);
        using (var x2 = x.ViewUnrecorded(new Shape(rows, c)))
        using (var y2 = y.ViewUnrecorded(new Shape(rows, c)))
            be.LayerNorm(x2, weight, bias, eps, y2, mean, rstd);
        if (Recording(y, x, weight, bias) is { } tape)
        {
            tape.Push(y, () =>
            {
                using var x2 = x.ViewUnrecorded(new Shape(rows, c));
                using var dy = y.Grad!.ViewUnrecorded(new Shape(rows, c));
                using var scratchX = x.RequiresGrad ? null : Tensor.Zeros(new Shape(rows, c), DType.F32, x.Device);
                using var dx = x.RequiresGrad ? GradOf(x).ViewUnrecorded(new Shape(rows, c)) : null;
                using var scratchW = weight.RequiresGrad ? null : Tensor.Zeros(weight.Shape, DType.F32, x.Device);
                var dbias = bias is null ? null : bias.RequiresGrad ? GradOf(bias) : Tensor.Zeros(bias.Shape, DType.F32, x.Device);
                be.LayerNormBackward(x2, weight, mean, rstd, dy, dx ?? scratchX!, weight.RequiresGrad ? GradOf(weight) : scratchW!, dbias);
                if (bias is not null && !bias.RequiresGrad) dbias!.Dispose();
            });
        }
        else if (Tape.Owner is null)
        {
            mean.Dispose();
            rstd.Dispose();
        }
        return y;
    }

    /// <summary>RmsNorm over the last dim of x (..., C) with weight (C).</summary>
    public static Tensor RmsNorm(Tensor x, Tensor weight, float eps = 1e-6f)
    {
        const string op = "RmsNorm";
        RequireF32(op, x, "input");
        RequireF32(op, weight, "weight");
        int c = x.Shape[-1];
        if (weight.Shape.Rank != 1 || weight.Shape[0] != c)
            throw new ArgumentException($"{op}: weight {weight.Shape} does not match input {x.Shape}");
        RequireSameDevice(op, x, weight);
        int rows = checked((int)x.Shape.Rows);
        var y = NewLike(x);
        var rstd = NewSaved(new Shape(rows), x.Device);
        var be = Backend.For(x);
        using (var x2 = x.ViewUnrecorded(new Shape(rows, c)))
        using (var y2 = y.ViewUnrecorded(new Shape(rows, c)))
            be.RmsNorm(x2, weight, eps, y2, rstd);
        if (Recording(y, x, weight) is { } tape)
        {
            tape.Push(y, () =>
            {
                using var x2 = x.ViewUnrecorded(new Shape(rows, c));
                using var dy = y.Grad!.ViewUnrecorded(new Shape(rows, c));
                using var scratchX = x.RequiresGrad ? null : Tensor.Zeros(new Shape(rows, c), DType.F32, x.Device);
                using var dx = x.RequiresGrad ? GradOf(x).ViewUnrecorded(new Shape(rows, c)) : null;
                using var scratchW = weight.RequiresGrad ? null : Tensor.Zeros(weight.Shape, DType.F32, x.Device);
                be.RmsNormBackward(x2, weight, rstd, dy, dx ?? scratchX!, weight.RequiresGrad ? GradOf(weight) : scratchW!);
            });
        }
        else if (Tape.Owner is null)
        {
            rstd.Dispose();
        }
        return y;
    }
}
