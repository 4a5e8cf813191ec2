// GPT-2's Conv1D layer: y = x @ W + b with W stored (In, Out), the transpose of torch.nn.Linear.
// Kept as its own op so Hugging Face GPT-2 weights are used as stored, with no transposed copy.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Autograd;

public static partial class Ops
{
    /// <summary>y (..., Out) = x (..., In) @ weight (In, Out) + bias (Out).</summary>
    public static Tensor Conv1D(Tensor x, Tensor weight, Tensor? bias)
    {
        const string op = "Conv1D";
        RequireF32(op, x, "input");
        RequireF32(op, weight, "weight");
        RequireRank(op, weight, "weight (In, Out)", 2);
        RequireSameDevice(op, x, weight, bias);
        int inF = weight.Shape[0], outF = weight.Shape[1];
        if (x.Shape.Rank < 1 || x.Shape[-1] != inF)
            throw new ArgumentException($"{op}: input {x.Shape} does not end in {inF} (weight {weight.Shape}, stored (In, Out))");
        if (bias is not null)
        {
            RequireF32(op, bias, "bias");
            if (bias.Shape.Rank != 1 || bias.Shape[0] != outF)
                throw new ArgumentException($"{op}: bias {bias.Shape} must be ({outF},) for weight {weight.Shape}");
        }
        int rows = checked((int)(x.Numel / Math.Max(1, inF)));
        var dims = x.Shape.ToArray();
        dims[^1] = outF;
        var y = NewTensor(new Shape(dims), DType.F32, x.Device);
        var be = Backend.For(x);
        using (var x2 = x.ViewUnrecorded(new Shape(rows, inF)))
        using (var y2 = y.ViewUnrecorded(new Shape(rows, outF)))
        {
            be.MatMul(x2, weight, y2);
            if (bias is not null) be.AddBias(y2, bias, y2);
        }
        if (Recording(y, x, weight, bias) is { } tape)
        {
            tape.Push(y, () =>
            {
                using var dy = y.Grad!.ViewUnrecorded(new Shape(rows, outF));
                using var x2 = x.ViewUnrecorded(new Shape(rows, inF));
                if (x.RequiresGrad)
                {
                    using var dx = GradOf(x).ViewUnrecorded(new Shape(rows, inF));
                    be.MatMul(dy, weight, dx, false, true, 1f, 1f);      // dx (rows, In) += dy (rows, Out) W^T
                }
                if (weight.RequiresGrad) be.MatMul(x2, dy, GradOf(weight), true, false, 1f, 1f); // dW (In, Out) += x^T dy
                if (bias is not null && bias.RequiresGrad) be.AddBiasBackward(dy, GradOf(bias));
            });
        }
        return y;
    }
}
