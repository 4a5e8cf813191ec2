// Elementwise ops and reductions: add, mul, scale, sum/mean, bias, GELU (tanh), SiLU, SwiGLU.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Autograd;

public static partial class Ops
{
    public static Tensor Add(Tensor a, Tensor b)
    {
        RequireF32("Add", a, "a");
        RequireF32("Add", b, "b");
        RequireSameShape("Add", a, b);
        RequireSameDevice("Add", a, b);
        var y = NewLike(a);
        var be = Backend.For(a);
        be.Add(a, b, y);
        if (Recording(y, a, b) is { } tape)
            tape.Push(y, () =>
            {
                if (a.RequiresGrad) be.Axpy(1f, y.Grad!, GradOf(a));
                if (b.RequiresGrad) be.Axpy(1f, y.Grad!, GradOf(b));
            });
        return y;
    }

    public static Tensor Mul(Tensor a, Tensor b)
    {
        RequireF32("Mul", a, "a");
        RequireF32("Mul", b, "b");
        RequireSameShape("Mul", a, b);
        RequireSameDevice("Mul", a, b);
        var y = NewLike(a);
        var be = Backend.For(a);
        be.Mul(a, b, y);
        if (Recording(y, a, b) is { } tape)
            tape.Push(y, () =>
            {
                using var tmp = Tensor.Empty(a.Shape, DType.F32, a.Device);
                if (a.RequiresGrad) { be.Mul(y.Grad!, b, tmp); be.Axpy(1f, tmp, GradOf(a)); }
                if (b.RequiresGrad) { be.Mul(y.Grad!, a, tmp); be.Axpy(1f, tmp, GradOf(b)); }
            });
        return y;
    }

    public static Tensor Scale(Tensor x, float alpha)
    {
        RequireF32("Scale", x, "x");
        var y = NewLike(x);
        var be = Backend.For(x);
        be.Scale(x, alpha, y);
        if (Recording(y, x) is { } tape)
            tape.Push(y, () => be.Axpy(alpha, y.Grad!, GradOf(x)));
        return y;
    }

    /// <summary>Sum of all elements, as a one-element tensor.</summary>
    public static Tensor Sum(Tensor x) => ReduceAll(x, 1f, "Sum");

    /// <summary>Mean of all elements, as a one-element tensor.</summary>
    public static Tensor Mean(Tensor x) => ReduceAll(x, x.Numel == 0 ? 0f : 1f / x.Numel, "Mean");

    private static Tensor ReduceAll(Tensor x, float factor, string op)
    {
        RequireF32(op, x, "x");
        var y = NewTensor(new Shape(1), DType.F32, x.Device);
        var be = Backend.For(x);
        be.Fill(y, (float)(be.Sum(x) * factor));
        if (Recording(y, x) is { } tape)
            tape.Push(y, () =>
            {
                using var ones = Tensor.Empty(x.Shape, DType.F32, x.Device);
                be.Fill(ones, y.Grad!.Item() * factor);
                be.Axpy(1f, ones, GradOf(x));
            });
        return y;
    }

    /// <summary>y (..., C) = x (..., C) + bias (C).</summary>
    public static Tensor AddBias(Tensor x, Tensor bias)
    {
        RequireF32("AddBias", x, "x");
        RequireF32("AddBias", bias, "bias");
        if (bias.Shape.Rank != 1 || x.Shape.Rank < 1 || x.Shape[-1] != bias.Shape[0])
            throw new ArgumentException($"AddBias: bias {bias.Shape} does not match the last dim of {x.Shape}");
        var y = NewLike(x);
        var be = Backend.For(x);
        be.AddBias(x, bias, y);
        if (Recording(y, x, bias) is { } tape)
            tape.Push(y, () =>
            {
                if (x.RequiresGrad) be.Axpy(1f, y.Grad!, GradOf(x));
                if (bias.RequiresGrad) be.AddBiasBackward(y.Grad!, GradOf(bias));
            });
        return y;
    }

    /// <summary>GPT-2's tanh-approximated GELU.</summary>
    public static Tensor Gelu(Tensor x)
    {
        RequireF32("Gelu", x, "x");
        var y = NewLike(x);
        var be = Backend.For(x);
        be.Gelu(x, y);
        if (Recording(y, x) is { } tape)
            tape.Push(y, () => be.GeluBackward(x, y.Grad!, GradOf(x)));
        return y;
    }

    public static Tensor Silu(Tensor x)
    {
        RequireF32("Silu", x, "x");
        var y = NewLike(x);
        var be = Backend.For(x);
        be.Silu(x, y);
        if (Recording(y, x) is { } tape)
            tape.Push(y, () => be.SiluBackward(x, y.Grad!, GradOf(x)));
        return y;
    }

    /// <summary>silu(gate) * up, LLaMA's gated MLP activation.</summary>
    public static Tensor SwiGlu(Tensor gate, Tensor up)
    {
        RequireF32("SwiGlu", gate, "gate");
        RequireF32("SwiGlu", up, "up");
        RequireSameShape("SwiGlu", gate, up);
        RequireSameDevice("SwiGlu", gate, up);
        var y = NewLike(gate);
        var be = Backend.For(gate);
        be.SwiGlu(gate, up, y);
        if (Recording(y, gate, up) is { } tape)
            tape.Push(y, () =>
            {
                // Both gradients come out of one pass; a side that needs none gets a scratch buffer.
                using var scratch = gate.RequiresGrad && up.RequiresGrad ? null : Tensor.Zeros(gate.Shape, DType.F32, gate.Device);
                be.SwiGluBackward(gate, up, y.Grad!,
                    gate.RequiresGrad ? GradOf(gate) : scratch!, up.RequiresGrad ? GradOf(up) : scratch!);
            });
        return y;
    }
}
