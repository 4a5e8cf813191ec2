// RoPE, causal attention (grouped KV heads) and token embedding.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Autograd;

public static partial class Ops
{
    /// <summary>Rotary embedding, HF rotate-half. x (B, T, H, D); cos, sin (T, D/2) for positions 0..T-1.</summary>
    public static Tensor Rope(Tensor x, Tensor cos, Tensor sin)
    {
        const string op = "Rope";
        RequireF32(op, x, "x");
        RequireF32(op, cos, "cos");
        RequireF32(op, sin, "sin");
        RequireRank(op, x, "x (B, T, H, D)", 4);
        int t = x.Shape[1], d = x.Shape[3];
        if (d % 2 != 0) throw new ArgumentException($"{op}: head dim {d} of {x.Shape} must be even");
        if (cos.Shape != new Shape(t, d / 2) || sin.Shape != cos.Shape)
            throw new ArgumentException($"{op}: cos {cos.Shape} and sin {sin.Shape} must be ({t}, {d / 2}) for x {x.Shape}");
        RequireSameDevice(op, x, cos, sin);
        var y = NewLike(x);
        var be = Backend.For(x);
        be.Rope(x, cos, sin, y);
        if (Recording(y, x) is { } tape)
            tape.Push(y, () => be.RopeBackward(y.Grad!, cos, sin, GradOf(x)));
        return y;
    }

    /// <summary>
    /// Causal attention. q (B, T, Hq, D), k and v (B, T, Hkv, D), Hq a multiple of Hkv; scale defaults
    /// to 1/sqrt(D). Returns (B, T, Hq, D).
    /// </summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, float? scale = null)
    {
        const string op = "Attention";
        RequireF32(op, q, "q");
        RequireF32(op, k, "k");
        RequireF32(op, v, "v");
        RequireRank(op, q, "q (B, T, Hq, D)", 4);
        RequireRank(op, k, "k (B, T, Hkv, D)", 4);
        RequireSameShape(op, k, v);
        int b = q.Shape[0], t = q.Shape[1], hq = q.Shape[2], d = q.Shape[3], hkv = k.Shape[2];
        if (k.Shape[0] != b || k.Shape[1] != t || k.Shape[3] != d || hkv == 0 || hq % hkv != 0)
            throw new ArgumentException($"{op}: q {q.Shape} and k/v {k.Shape} must agree in B, T, D with Hq a multiple of Hkv");
        RequireSameDevice(op, q, k, v);
        float s = scale ?? 1f / MathF.Sqrt(d);
        var y = NewLike(q);
        var lse = NewSaved(new Shape(b, hq, t), q.Device);
        var be = Backend.For(q);
        be.Attention(q, k, v, s, y, lse);
        if (Recording(y, q, k, v) is { } tape)
        {
            tape.Push(y, () =>
            {
                using var sq = q.RequiresGrad ? null : Tensor.Zeros(q.Shape, DType.F32, q.Device);
                using var sk = k.RequiresGrad ? null : Tensor.Zeros(k.Shape, DType.F32, q.Device);
                using var sv = v.RequiresGrad ? null : Tensor.Zeros(v.Shape, DType.F32, q.Device);
                be.AttentionBackward(q, k, v, y, lse, y.Grad!, s,
                    q.RequiresGrad ? GradOf(q) : sq!, k.RequiresGrad ? GradOf(k) : sk!, v.RequiresGrad ? GradOf(v) : sv!);
            });
        }
        else if (Tape.Owner is null)
        {
            lse.Dispose();
        }
        return y;
    }

    /// <summary>Rows of table (V, C) picked by ids (..., I32). Returns (..., C).</summary>
    public static Tensor Embedding(Tensor ids, Tensor table)
    {
        const string op = "Embedding";
        if (ids.DType != DType.I32) throw new ArgumentException($"{op}: ids {ids.Describe()} must be I32");
        RequireF32(op, table, "table");
        RequireRank(op, table, "table (V, C)", 2);
        RequireSameDevice(op, ids, table);
        int vocab = table.Shape[0], c = table.Shape[1];
        if (ids.Device.Kind == DeviceKind.Cpu)
        {
            var span = ids.AsSpan<int>();
            for (int i = 0; i < span.Length; i++)
                if ((uint)span[i] >= (uint)vocab)
                    throw new ArgumentOutOfRangeException(nameof(ids),
                        $"{op}: token id {span[i]} at position {i} is out of range for a table of {vocab} rows{(table.Name is null ? "" : $" ('{table.Name}')")}");
        }
        var dims = ids.Shape.ToArray().Append(c).ToArray();
        var y = NewTensor(new Shape(dims), DType.F32, table.Device);
        var be = Backend.For(table);
        using (var flat = ids.ViewUnrecorded(new Shape(checked((int)ids.Numel))))
        using (var y2 = y.ViewUnrecorded(new Shape(checked((int)ids.Numel), c)))
            be.Embedding(flat, table, y2);
        if (Recording(y, table) is { } tape)
            tape.Push(y, () =>
            {
                using var flat = ids.ViewUnrecorded(new Shape(checked((int)ids.Numel)));
                using var dy = y.Grad!.ViewUnrecorded(new Shape(checked((int)ids.Numel), c));
                be.EmbeddingBackward(flat, dy, GradOf(table));
            });
        return y;
    }
}
