// Plain scalar twins of row softmax and cross-entropy (max-subtracted, from the definitions). Generic
// over the float type for double-precision gradient checks.
using System.Numerics;

namespace Distill.Backends.Cpu;

public static partial class CpuReference
{
    /// <summary>y (N, V) = softmax of each row of x (N, V).</summary>
    public static void Softmax<T>(ReadOnlySpan<T> x, int v, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (v == 0) return;
        for (int o = 0; o < x.Length; o += v)
        {
            T max = T.NegativeInfinity;
            for (int i = 0; i < v; i++) max = T.Max(max, x[o + i]);
            T sum = T.Zero;
            for (int i = 0; i < v; i++) sum += T.Exp(x[o + i] - max);
            for (int i = 0; i < v; i++) y[o + i] = T.Exp(x[o + i] - max) / sum;
        }
    }

    /// <summary>dx += y * (dy - sum(dy * y)) per row of V.</summary>
    public static void SoftmaxBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, int v, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (v == 0) return;
        for (int o = 0; o < y.Length; o += v)
        {
            T dot = T.Zero;
            for (int i = 0; i < v; i++) dot += dy[o + i] * y[o + i];
            for (int i = 0; i < v; i++) dx[o + i] += y[o + i] * (dy[o + i] - dot);
        }
    }

    /// <summary>
    /// losses (N) = logsumexp(z) - z[target] per row of logits (N, V), 0 for target == ignoreIndex; when
    /// dlogits is not empty it receives gradScale * (softmax(z) - onehot(target)), 0 on ignored rows.
    /// </summary>
    public static void CrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> targets, int ignoreIndex, Span<T> losses, Span<T> dlogits, T gradScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = targets.Length;
        if (rows == 0) return;
        int v = logits.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * v, v);
            int t = targets[r];
            if (t == ignoreIndex)
            {
                losses[r] = T.Zero;
                if (!dlogits.IsEmpty) dlogits.Slice(r * v, v).Clear();
                continue;
            }
            T max = T.NegativeInfinity;
            foreach (var zi in z) max = T.Max(max, zi);
            T sum = T.Zero;
            foreach (var zi in z) sum += T.Exp(zi - max);
            T lse = max + T.Log(sum);
            losses[r] = lse - z[t];
            if (dlogits.IsEmpty) continue;
            for (int i = 0; i < v; i++)
                dlogits[r * v + i] = gradScale * (T.Exp(z[i] - lse) - (i == t ? T.One : T.Zero));
        }
    }
}
