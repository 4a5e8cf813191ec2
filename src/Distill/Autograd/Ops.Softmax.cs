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
        if (targets.DType != DType.I32) throw new ArgumentException($"{op}: targets {targets.Describe()} must be I32");
        int v = logits.Shape[-1];
        int rows = checked((int)logits.Shape.Rows);
        if (targets.Numel != rows)
            throw new ArgumentException($"{op}: targets {targets.Shape} do not match logits {logits.Shape} ({rows} rows)");
        RequireSameDevice(op, logits, targets);
        int valid = 0;
        if (targets.Device.Kind == DeviceKind.Cpu)
        {
            var tg = targets.AsSpan<int>();
            for (int i = 0; i < tg.Length; i++)
            {
                if (tg[i] == ignoreIndex) continue;
                if ((uint)tg[i] >= (uint)v)
                    throw new ArgumentOutOfRangeException(nameof(targets), $"{op}: target {tg[i]} at row {i} is out of range for vocab {v}");
                valid++;
            }
        }
        else
        {
            using var host = Tensor.FromArray(targets.ToArray<int>(), rows);
            foreach (var id in host.AsSpan<int>()) if (id != ignoreIndex) valid++;
        }
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
            tape.Push(loss, () =>
            {
                float g = loss.Grad!.Item();
                if (logits.Grad is null && g == 1f && logits.OwnerTape == tape)
                {
                    logits.Grad = dlogits!.ViewUnrecorded(logits.Shape);    // adopt the fused gradient, no copy
                    tape.Own(logits.Grad);
                }
                else be.Axpy(g, dlogits!, GradOf(logits));
            });
        }
        return loss;
    }
}
