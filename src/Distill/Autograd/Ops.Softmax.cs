// Softmax and fused cross-entropy.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Autograd;

public static partial class Ops
{
    /// <summary>Softmax over the last dim.</summary>
    public static Tensor Softmax(Tensor x)
    {
        RequireF32("Softmax", x, "x");
        int v = x.Shape[-1];
        int rows = checked((int)x.Shape.Rows);
        var y = NewLike(x);
        var be = Backend.For(x);
        using (var x2 = x.ViewUnrecorded(new Shape(rows, v)))
        using (var y2 = y.ViewUnrecorded(new Shape(rows, v)))
            be.Softmax(x2, y2);
        if (Recording(y, x) is { } tape)
            tape.Push(y, () =>
            {
                using var y2 = y.ViewUnrecorded(new Shape(rows, v));
                using var dy = y.Grad!.ViewUnrecorded(new Shape(rows, v));
                using var dx = GradOf(x).ViewUnrecorded(new Shape(rows, v));
                be.SoftmaxBackward(y2, dy, dx);
            });
        return y;
    }

    /// <summary>
    /// Mean cross-entropy of logits (..., V) against targets (...) I32, over targets != ignoreIndex
    /// (0 when every target is ignored). Loss and dlogits come out of one fused pass; the gradient
    /// buffer becomes logits.Grad directly when nothing else has written there.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex = DefaultIgnoreIndex)
    {
        const string op = "CrossEntropy";
        RequireF32(op, logits, "logits");
        int v = logits.Shape[-1];
        int rows = checked((int)logits.Shape.Rows);
        RequireSameDevice(op, logits, targets);
        int valid = CountTargets(op, targets, rows, v, ignoreIndex);
        var be = Backend.For(logits);
        var loss = NewTensor(new Shape(1), DType.F32, logits.Device);
        using var losses = Tensor.Empty(new Shape(rows), DType.F32, logits.Device);
        bool needGrad = Tape.Current is not null && logits.RequiresGrad;
        var dlogits = needGrad ? NewTensor(new Shape(rows, v), DType.F32, logits.Device) : null;
        float scale = valid == 0 ? 0f : 1f / valid;
        using (var l2 = logits.ViewUnrecorded(new Shape(rows, v)))
        using (var t1 = targets.ViewUnrecorded(new Shape(rows)))
            be.CrossEntropy(l2, t1, ignoreIndex, losses, dlogits, scale);
        be.Fill(loss, (float)(be.Sum(losses) * scale));
        if (Recording(loss, logits) is { } tape)
        {
            tape.Push(loss, () => AddFusedGradient(tape, logits, dlogits!, loss.Grad!.Item()));
        }
        return loss;
    }
}
