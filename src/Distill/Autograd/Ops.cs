// The differentiable ops: validate shapes and dtypes at the public boundary, run the backend's
// forward, and when a tape records and an input needs a gradient, push the backward rule.
// Tensors made here under a tape belong to the tape; made outside one, they belong to the caller.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Autograd;

public static partial class Ops
{
    public const int DefaultIgnoreIndex = -100;

    // ---- plumbing -------------------------------------------------------------------------------

    /// <summary>A new output tensor; owned by the recording tape if there is one.</summary>
    internal static Tensor NewTensor(Shape shape, DType dtype, Device device)
    {
        var t = Tensor.Empty(shape, dtype, device);
        Tape.Owner?.Own(t);
        return t;
    }

    private static Tensor NewLike(Tensor x) => NewTensor(x.Shape, DType.F32, x.Device);

    /// <summary>Auxiliary saved state (mean, rstd, lse): owned by the tape, or disposed by the caller.</summary>
    private static Tensor NewSaved(Shape shape, Device device, DType dtype = DType.F32) => NewTensor(shape, dtype, device);

    /// <summary>The tape to record on, when one records and any input needs a gradient; marks the output.</summary>
    private static Tape? Recording(Tensor output, params Tensor?[] inputs)
    {
        var tape = Tape.Current;
        if (tape is null) return null;
        foreach (var x in inputs)
        {
            if (x is not null && x.RequiresGrad)
            {
                output.RequiresGrad = true;
                return tape;
            }
        }
        return null;
    }

    /// <summary>The gradient buffer of t, created as zeros on first use (owned by t's owner).</summary>
    public static Tensor GradOf(Tensor t)
    {
        if (t.Grad is null)
        {
            t.Grad = Tensor.Zeros(t.Shape, DType.F32, t.Device);
            t.Grad.Name = t.Name is null ? null : t.Name + ".grad";
        }
        return t.Grad;
    }

    /// <summary>
    /// x.Grad += upstream * fused, for a gradient a fused forward already computed. When x has no
    /// gradient yet, belongs to this tape and upstream is 1, the fused buffer becomes x.Grad (a view,
    /// no copy): the usual case of a loss that ends the graph.
    /// </summary>
    internal static void AddFusedGradient(Tape tape, Tensor x, Tensor fused, float upstream)
    {
        if (x.Grad is null && upstream == 1f && x.OwnerTape == tape)
        {
            x.Grad = fused.ViewUnrecorded(x.Shape);
            tape.Own(x.Grad);
        }
        else Backend.For(x).Axpy(upstream, fused, GradOf(x));
    }

    /// <summary>Sets the gradients of these tensors to zero (keeps the buffers).</summary>
    public static void ZeroGrad(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors)
            if (t.Grad is not null) Backend.For(t.Grad).Zero(t.Grad);
    }

    private static void RequireF32(string op, Tensor t, string role)
    {
        if (t.IsDisposed) throw new ObjectDisposedException($"{op}: {role} {t.Describe()} was disposed");
        if (t.DType != DType.F32) throw new ArgumentException($"{op}: {role} {t.Describe()} must be F32, is {t.DType}");
    }

    private static void RequireSameShape(string op, Tensor a, Tensor b)
    {
        if (a.Shape != b.Shape) throw new ArgumentException($"{op}: shapes differ: {a.Shape} vs {b.Shape}");
    }

    internal static void RequireSameDevice(string op, params Tensor?[] ts)
    {
        Device? d = null;
        foreach (var t in ts)
        {
            if (t is null) continue;
            if (d is null) d = t.Device;
            else if (t.Device != d) throw new ArgumentException($"{op}: tensors on different devices ({d} and {t.Device})");
        }
    }

    /// <summary>
    /// Checks targets (rows entries, I32) against the vocabulary and counts the rows a token mean divides
    /// by: all rows when targets is null, else those whose target is not ignoreIndex.
    /// </summary>
    internal static int CountTargets(string op, Tensor? targets, int rows, int vocab, int ignoreIndex)
    {
        if (targets is null) return rows;
        if (targets.DType != DType.I32) throw new ArgumentException($"{op}: targets {targets.Describe()} must be I32");
        if (targets.Numel != rows)
            throw new ArgumentException($"{op}: targets {targets.Shape} do not match the {rows} rows of the logits");
        ReadOnlySpan<int> ids = targets.Device.Kind == DeviceKind.Cpu ? targets.AsSpan<int>() : targets.ToArray<int>();
        int valid = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] == ignoreIndex) continue;
            if ((uint)ids[i] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(targets), $"{op}: target {ids[i]} at row {i} is out of range for vocab {vocab}");
            valid++;
        }
        return valid;
    }

    private static void RequireRank(string op, Tensor t, string role, int rank)
    {
        if (t.Shape.Rank != rank)
            throw new ArgumentException($"{op}: {role} must have rank {rank}, got {t.Describe()}");
    }

    // ---- views ----------------------------------------------------------------------------------

    /// <summary>A reshaped view (no copy); its gradient flows back to x.</summary>
    public static Tensor View(Tensor x, Shape shape)
    {
        if (shape.Numel != x.Numel) throw new ArgumentException($"View: cannot view {x.Describe()} as {shape}");
        var y = x.ViewUnrecorded(shape);
        Tape.Owner?.Own(y);
        if (Recording(y, x) is { } tape)
            tape.Push(y, () => Backend.For(x).Axpy(1f, y.Grad!, GradOf(x)));
        return y;
    }

    /// <summary>Converts between F32 and BF16/F16. Not differentiable.</summary>
    public static Tensor Cast(Tensor x, DType dtype)
    {
        bool ok = (x.DType == DType.F32 && dtype is DType.BF16 or DType.F16) ||
                  (dtype == DType.F32 && x.DType is DType.BF16 or DType.F16) || x.DType == dtype;
        if (!ok) throw new ArgumentException($"Cast: {x.Describe()} to {dtype} is not supported (F32 <-> BF16/F16)");
        var y = NewTensor(x.Shape, dtype, x.Device);
        if (x.DType == dtype) Backend.For(x).Copy(x, y);
        else Backend.For(x).Cast(x, y);
        return y;
    }
}
