// AdamW and sum-of-squares on the CPU: one fused SIMD pass per parameter tensor (read p, g, m, v;
// write p, m, v), split over both cores.
using System.Runtime.Intrinsics;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
        float weightDecay, int step, float gradScale)
    {
        long n = param.Numel;
        float* p = (float*)param.Pointer, g = (float*)grad.Pointer, mp = (float*)m.Pointer, vp = (float*)v.Pointer;
        var h = AdamWHyper.Create(lr, beta1, beta2, eps, weightDecay, step, gradScale);
        const int chunk = 1 << 14;
        long chunks = (n + chunk - 1) / chunk;
        CpuParallel.For(chunks, chunk, (c0, c1) =>
        {
            long start = (long)c0 * chunk, end = Math.Min(n, (long)c1 * chunk);
            AdamWRange(p + start, g + start, mp + start, vp + start, end - start, h);
        });
    }

    /// <summary>The per-step constants, computed once in double as PyTorch does on the host.</summary>
    internal readonly record struct AdamWHyper(float Decay, float GradScale, float Beta1, float OneMinusBeta1,
        float Beta2, float OneMinusBeta2, float StepSize, float InvSqrtBc2, float Eps)
    {
        public static AdamWHyper Create(float lr, float beta1, float beta2, float eps, float wd, int step, float gradScale)
        {
            if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "AdamW: step counts from 1");
            double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
            return new AdamWHyper((float)(1 - (double)lr * wd), gradScale, beta1, 1 - beta1, beta2, 1 - beta2,
                (float)(lr / bc1), (float)(1 / Math.Sqrt(bc2)), eps);
        }
    }

    private static void AdamWRange(float* p, float* g, float* m, float* v, long n, AdamWHyper h)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var decay = Vector512.Create(h.Decay); var gs = Vector512.Create(h.GradScale);
            var b1 = Vector512.Create(h.Beta1); var ob1 = Vector512.Create(h.OneMinusBeta1);
            var b2 = Vector512.Create(h.Beta2); var ob2 = Vector512.Create(h.OneMinusBeta2);
            var ss = Vector512.Create(h.StepSize); var ibc2 = Vector512.Create(h.InvSqrtBc2); var ep = Vector512.Create(h.Eps);
            for (; i + 16 <= n; i += 16)
            {
                var gi = Vector512.Load(g + i) * gs;
                var mi = b1 * Vector512.Load(m + i) + ob1 * gi;
                var vi = b2 * Vector512.Load(v + i) + ob2 * (gi * gi);
                var denom = Vector512.Sqrt(vi) * ibc2 + ep;
                var pi = Vector512.Load(p + i) * decay - ss * (mi / denom);
                mi.Store(m + i);
                vi.Store(v + i);
                pi.Store(p + i);
            }
        }
        for (; i < n; i++)
        {
            float gi = g[i] * h.GradScale;
            float mi = h.Beta1 * m[i] + h.OneMinusBeta1 * gi;
            float vi = h.Beta2 * v[i] + h.OneMinusBeta2 * (gi * gi);
            m[i] = mi;
            v[i] = vi;
            p[i] = p[i] * h.Decay - h.StepSize * (mi / (MathF.Sqrt(vi) * h.InvSqrtBc2 + h.Eps));
        }
    }

    public double SumSquares(Tensor x)
    {
        float* p = (float*)x.Pointer;
        long n = x.Numel;
        const int chunk = 1 << 14;
        long chunks = (n + chunk - 1) / chunk;
        var partial = new double[Math.Max(1, chunks)];
        CpuParallel.For(chunks, chunk, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                long start = (long)c * chunk, end = Math.Min(n, start + chunk), i = start;
                var acc = Vector512<float>.Zero;
                for (; i + 16 <= end; i += 16) { var a = Vector512.Load(p + i); acc += a * a; }
                double s = Vector512.Sum(acc);
                for (; i < end; i++) s += (double)p[i] * p[i];
                partial[c] = s;
            }
        });
        double total = 0;
        foreach (var s in partial) total += s;   // fixed order: deterministic
        return total;
    }
}
