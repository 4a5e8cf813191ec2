// Rotary position embedding (Hugging Face rotate-half) on the CPU: parallel over (batch, position)
// rows, vectorised over each head's half dimension. Products are rounded separately (no FMA), as
// PyTorch's x * cos + rotate_half(x) * sin is, so results match it and the scalar twin bit for bit.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Rope(Tensor x, Tensor cos, Tensor sin, Tensor y) => RopeCore(x, cos, sin, y, backward: false, Vector512.IsHardwareAccelerated);

    public void RopeBackward(Tensor dy, Tensor cos, Tensor sin, Tensor dx) => RopeCore(dy, cos, sin, dx, backward: true, Vector512.IsHardwareAccelerated);

    /// <summary>
    /// Forward: y = R x (y may alias x). Backward: dst += R^T src. <paramref name="wide"/> picks Vector512
    /// (else Vector256); internal so tests run both.
    /// </summary>
    internal void RopeCore(Tensor src, Tensor cos, Tensor sin, Tensor dst, bool backward, bool wide)
    {
        int b = src.Shape[0], t = src.Shape[1], h = src.Shape[2], d = src.Shape[3], half = d / 2;
        if (b == 0 || t == 0 || h == 0 || half == 0) return;
        float* sp = (float*)src.Pointer, dp = (float*)dst.Pointer, cp = (float*)cos.Pointer, snp = (float*)sin.Pointer;
        CpuParallel.For((long)b * t, (long)h * d, (start, end) =>
        {
            for (int row = start; row < end; row++)
            {
                int pos = row % t;
                float* c = cp + (long)pos * half, s = snp + (long)pos * half;
                for (int head = 0; head < h; head++)
                {
                    long offset = ((long)row * h + head) * d;
                    if (wide) RopeHead<AttentionVec512, Vector512<float>>(sp + offset, dp + offset, c, s, half, backward);
                    else RopeHead<AttentionVec256, Vector256<float>>(sp + offset, dp + offset, c, s, half, backward);
                }
            }
        });
    }

    /// <summary>One head vector of 2 * half floats: forward y = R x, or backward dx += R^T dy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RopeHead<TOps, TV>(float* src, float* dst, float* cos, float* sin, int half, bool backward)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count, i = 0;
        if (!backward)
        {
            for (; i + w <= half; i += w)
            {
                TV x1 = TOps.Load(src + i), x2 = TOps.Load(src + half + i), c = TOps.Load(cos + i), s = TOps.Load(sin + i);
                TOps.Store(dst + i, TOps.Sub(TOps.Mul(x1, c), TOps.Mul(x2, s)));
                TOps.Store(dst + half + i, TOps.Add(TOps.Mul(x2, c), TOps.Mul(x1, s)));
            }
            for (; i < half; i++)
            {
                float x1 = src[i], x2 = src[half + i];
                dst[i] = x1 * cos[i] - x2 * sin[i];
                dst[half + i] = x2 * cos[i] + x1 * sin[i];
            }
        }
        else
        {
            for (; i + w <= half; i += w)
            {
                TV g1 = TOps.Load(src + i), g2 = TOps.Load(src + half + i), c = TOps.Load(cos + i), s = TOps.Load(sin + i);
                TOps.Store(dst + i, TOps.Add(TOps.Load(dst + i), TOps.Add(TOps.Mul(g1, c), TOps.Mul(g2, s))));
                TOps.Store(dst + half + i, TOps.Add(TOps.Load(dst + half + i), TOps.Sub(TOps.Mul(g2, c), TOps.Mul(g1, s))));
            }
            for (; i < half; i++)
            {
                float g1 = src[i], g2 = src[half + i];
                dst[i] += g1 * cos[i] + g2 * sin[i];
                dst[half + i] += g2 * cos[i] - g1 * sin[i];
            }
        }
    }
}
