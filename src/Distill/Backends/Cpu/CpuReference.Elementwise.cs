// Plain scalar twins of the elementwise kernels and casts: the definitions the SIMD code is tested
// against. Generic over the float type so tests can run them in double for finite-difference checks.
using System.Numerics;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public static partial class CpuReference
{
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++) y[i] = a[i] + b[i];
    }

    public static void Mul<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++) y[i] = a[i] * b[i];
    }

    /// <summary>y += alpha * x.</summary>
    public static void Axpy<T>(T alpha, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] += alpha * x[i];
    }

    public static void Scale<T>(ReadOnlySpan<T> x, T alpha, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = alpha * x[i];
    }

    /// <summary>Sum of all elements in double.</summary>
    public static double Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        foreach (var v in x) s += double.CreateTruncating(v);
        return s;
    }

    /// <summary>y (N, C) = x (N, C) + bias (C).</summary>
    public static void AddBias<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> bias, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = bias.Length;
        for (int i = 0; i < x.Length; i++) y[i] = x[i] + bias[i % c];
    }

    /// <summary>dbias (C) += sum over rows of dy (N, C).</summary>
    public static void AddBiasBackward<T>(ReadOnlySpan<T> dy, Span<T> dbias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = dbias.Length;
        for (int i = 0; i < dy.Length; i++) dbias[i % c] += dy[i];
    }

    /// <summary>GPT-2's GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    public static void Gelu<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5), k = T.Sqrt(T.CreateChecked(2) / T.Pi), c = T.CreateChecked(0.044715);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = half * v * (T.One + T.Tanh(k * (v + c * v * v * v)));
        }
    }

    /// <summary>dx += dy * gelu'(x), gelu' = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2), t = tanh(u).</summary>
    public static void GeluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5), k = T.Sqrt(T.CreateChecked(2) / T.Pi), c = T.CreateChecked(0.044715), three = T.CreateChecked(3);
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            T t = T.Tanh(k * (v + c * v * v * v));
            T g = half * (T.One + t) + half * v * (T.One - t * t) * k * (T.One + three * c * v * v);
            dx[i] += dy[i] * g;
        }
    }

    /// <summary>silu(x) = x * sigmoid(x).</summary>
    public static void Silu<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * Sigmoid(x[i]);
    }

    /// <summary>dx += dy * silu'(x), silu' = s (1 + x (1 - s)).</summary>
    public static void SiluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            T s = Sigmoid(x[i]);
            dx[i] += dy[i] * s * (T.One + x[i] * (T.One - s));
        }
    }

    /// <summary>y = silu(gate) * up.</summary>
    public static void SwiGlu<T>(ReadOnlySpan<T> gate, ReadOnlySpan<T> up, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < gate.Length; i++) y[i] = gate[i] * Sigmoid(gate[i]) * up[i];
    }

    /// <summary>dgate += dy * up * silu'(gate); dup += dy * silu(gate).</summary>
    public static void SwiGluBackward<T>(ReadOnlySpan<T> gate, ReadOnlySpan<T> up, ReadOnlySpan<T> dy, Span<T> dgate, Span<T> dup)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < gate.Length; i++)
        {
            T g = gate[i], s = Sigmoid(g);
            dgate[i] += dy[i] * up[i] * s * (T.One + g * (T.One - s));
            dup[i] += dy[i] * g * s;
        }
    }

    private static T Sigmoid<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));

    // ---- casts ----------------------------------------------------------------------------------

    public static void CastToBFloat16(ReadOnlySpan<float> src, Span<BFloat16> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = (BFloat16)src[i];
    }

    public static void CastFromBFloat16(ReadOnlySpan<BFloat16> src, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = (float)src[i];
    }

    public static void CastToHalf(ReadOnlySpan<float> src, Span<Half> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = (Half)src[i];
    }

    public static void CastFromHalf(ReadOnlySpan<Half> src, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = (float)src[i];
    }
}
