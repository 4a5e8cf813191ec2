// Plain scalar twins of LayerNorm and RmsNorm, forward and backward, straight from the definitions
// (llm.c's formulas). Generic over the float type for double-precision gradient checks.
using System.Numerics;

namespace Distill.Backends.Cpu;

public static partial class CpuReference
{
    /// <summary>
    /// y (N, C) = (x - mean) * rstd * w + b with biased variance; mean, rstd (N) saved. An empty b means
    /// no bias. C is w.Length.
    /// </summary>
    public static void LayerNorm<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, T eps, Span<T> y, Span<T> mean, Span<T> rstd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = w.Length;
        T n = T.CreateChecked(c);
        for (int r = 0; r < mean.Length; r++)
        {
            var xr = x.Slice(r * c, c);
            T m = T.Zero;
            foreach (var v in xr) m += v;
            m /= n;
            T var = T.Zero;
            foreach (var v in xr) var += (v - m) * (v - m);
            var /= n;
            T s = T.One / T.Sqrt(var + eps);
            for (int i = 0; i < c; i++) y[r * c + i] = (xr[i] - m) * s * w[i] + (b.IsEmpty ? T.Zero : b[i]);
            mean[r] = m;
            rstd[r] = s;
        }
    }

    /// <summary>
    /// dx += rstd (dnorm - mean(dnorm) - xhat mean(dnorm xhat)), dnorm = w dy; dw += dy xhat; db += dy
    /// (empty db: no bias).
    /// </summary>
    public static void LayerNormBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd,
        ReadOnlySpan<T> dy, Span<T> dx, Span<T> dw, Span<T> db) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = w.Length;
        T n = T.CreateChecked(c);
        for (int r = 0; r < mean.Length; r++)
        {
            int o = r * c;
            T m = mean[r], s = rstd[r];
            T dnormMean = T.Zero, dnormXhatMean = T.Zero;
            for (int i = 0; i < c; i++)
            {
                T xhat = (x[o + i] - m) * s;
                T dnorm = w[i] * dy[o + i];
                dnormMean += dnorm;
                dnormXhatMean += dnorm * xhat;
            }
            dnormMean /= n;
            dnormXhatMean /= n;
            for (int i = 0; i < c; i++)
            {
                T xhat = (x[o + i] - m) * s;
                T dnorm = w[i] * dy[o + i];
                dx[o + i] += s * (dnorm - dnormMean - xhat * dnormXhatMean);
                dw[i] += dy[o + i] * xhat;
                if (!db.IsEmpty) db[i] += dy[o + i];
            }
        }
    }

    /// <summary>y (N, C) = x * rstd * w, rstd = 1 / sqrt(mean(x^2) + eps) saved (N). C is w.Length.</summary>
    public static void RmsNorm<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, T eps, Span<T> y, Span<T> rstd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = w.Length;
        for (int r = 0; r < rstd.Length; r++)
        {
            T ss = T.Zero;
            for (int i = 0; i < c; i++) ss += x[r * c + i] * x[r * c + i];
            T s = T.One / T.Sqrt(ss / T.CreateChecked(c) + eps);
            for (int i = 0; i < c; i++) y[r * c + i] = x[r * c + i] * s * w[i];
            rstd[r] = s;
        }
    }

    /// <summary>dx += rstd (dnorm - xhat mean(dnorm xhat)), dnorm = w dy, xhat = x rstd; dw += dy xhat.</summary>
    public static void RmsNormBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> rstd, ReadOnlySpan<T> dy, Span<T> dx, Span<T> dw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = w.Length;
        for (int r = 0; r < rstd.Length; r++)
        {
            int o = r * c;
            T s = rstd[r];
            T dot = T.Zero;
            for (int i = 0; i < c; i++) dot += w[i] * dy[o + i] * x[o + i] * s;
            dot /= T.CreateChecked(c);
            for (int i = 0; i < c; i++)
            {
                T xhat = x[o + i] * s;
                dx[o + i] += s * (w[i] * dy[o + i] - xhat * dot);
                dw[i] += dy[o + i] * xhat;
            }
        }
    }
}
