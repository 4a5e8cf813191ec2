// Scalar twins of the optimizer kernels: plain loops in the order torch.optim.AdamW writes them.
namespace Distill.Backends.Cpu;

public static partial class CpuReference
{
    public static void AdamW(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float beta1,
        float beta2, float eps, float weightDecay, int step, float gradScale)
    {
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        for (int i = 0; i < p.Length; i++)
        {
            p[i] *= 1 - lr * weightDecay;
            float gi = g[i] * gradScale;
            m[i] = beta1 * m[i] + (1 - beta1) * gi;
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            float denom = (float)(Math.Sqrt(v[i]) / Math.Sqrt(bc2)) + eps;
            p[i] -= (float)(lr / bc1) * (m[i] / denom);
        }
    }

    public static double SumSquares(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (var a in x) s += (double)a * a;
        return s;
    }
}
