// Scalar twins of the RoPE, attention and embedding kernels: plain loops, generic over the float type
// so tests compare the optimised kernels against them and check their gradients by finite differences
// in double. Attention here materialises each row of scores, the textbook way.
using System.Numerics;

namespace Distill.Backends.Cpu;

public static partial class CpuReference
{
    /// <summary>HF rotate-half RoPE. x, y: (B, S, H, D); cos, sin: (S, D/2). y may alias x.</summary>
    public static void Rope<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> cos, ReadOnlySpan<T> sin, Span<T> y, int batch, int seq, int heads, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int half = dim / 2;
        for (int b = 0; b < batch; b++)
        for (int s = 0; s < seq; s++)
        for (int h = 0; h < heads; h++)
        {
            int o = ((b * seq + s) * heads + h) * dim;
            for (int i = 0; i < half; i++)
            {
                T x1 = x[o + i], x2 = x[o + half + i], c = cos[s * half + i], sn = sin[s * half + i];
                y[o + i] = x1 * c - x2 * sn;
                y[o + half + i] = x2 * c + x1 * sn;
            }
        }
    }

    /// <summary>dx += R^T dy (the inverse rotation). Shapes as <see cref="Rope{T}"/>.</summary>
    public static void RopeBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> cos, ReadOnlySpan<T> sin, Span<T> dx, int batch, int seq, int heads, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int half = dim / 2;
        for (int b = 0; b < batch; b++)
        for (int s = 0; s < seq; s++)
        for (int h = 0; h < heads; h++)
        {
            int o = ((b * seq + s) * heads + h) * dim;
            for (int i = 0; i < half; i++)
            {
                T g1 = dy[o + i], g2 = dy[o + half + i], c = cos[s * half + i], sn = sin[s * half + i];
                dx[o + i] += g1 * c + g2 * sn;
                dx[o + half + i] += g2 * c - g1 * sn;
            }
        }
    }

    /// <summary>
    /// Causal attention. q, output: (B, S, Hq, D); k, v: (B, S, Hkv, D), query head h reads kv head
    /// h / (Hq / Hkv); lse: (B, Hq, S), log-sum-exp of each row of scaled scores.
    /// </summary>
    public static void Attention<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, T scale, Span<T> output, Span<T> lse,
        int batch, int seq, int hq, int hkv, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int group = hq / hkv;
        var scores = new T[seq];
        for (int b = 0; b < batch; b++)
        for (int h = 0; h < hq; h++)
        {
            int kh = h / group;
            for (int i = 0; i < seq; i++)
            {
                int qo = ((b * seq + i) * hq + h) * dim;
                T max = T.NegativeInfinity;
                for (int j = 0; j <= i; j++)
                {
                    int ko = ((b * seq + j) * hkv + kh) * dim;
                    T s = T.Zero;
                    for (int c = 0; c < dim; c++) s += q[qo + c] * k[ko + c];
                    scores[j] = s * scale;
                    max = T.Max(max, scores[j]);
                }
                T sum = T.Zero;
                for (int j = 0; j <= i; j++)
                {
                    scores[j] = T.Exp(scores[j] - max);
                    sum += scores[j];
                }
                lse[(b * hq + h) * seq + i] = max + T.Log(sum);
                for (int c = 0; c < dim; c++)
                {
                    T acc = T.Zero;
                    for (int j = 0; j <= i; j++) acc += scores[j] * v[((b * seq + j) * hkv + kh) * dim + c];
                    output[qo + c] = acc / sum;
                }
            }
        }
    }

    /// <summary>
    /// dq, dk, dv += gradients of <see cref="Attention{T}"/> given dOutput, recomputing P = exp(S - lse):
    /// D_i = dO_i . O_i, dS = P (dP - D_i), dq += scale dS k, dk += scale dS^T q, dv += P^T dO.
    /// </summary>
    public static void AttentionBackward<T>(ReadOnlySpan<T> q, ReadOnlySpan<T> k, ReadOnlySpan<T> v, ReadOnlySpan<T> output,
        ReadOnlySpan<T> lse, ReadOnlySpan<T> dOutput, T scale, Span<T> dq, Span<T> dk, Span<T> dv,
        int batch, int seq, int hq, int hkv, int dim)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int group = hq / hkv;
        for (int b = 0; b < batch; b++)
        for (int h = 0; h < hq; h++)
        {
            int kh = h / group;
            for (int i = 0; i < seq; i++)
            {
                int qo = ((b * seq + i) * hq + h) * dim;
                T delta = T.Zero;
                for (int c = 0; c < dim; c++) delta += dOutput[qo + c] * output[qo + c];
                T rowLse = lse[(b * hq + h) * seq + i];
                for (int j = 0; j <= i; j++)
                {
                    int ko = ((b * seq + j) * hkv + kh) * dim;
                    T s = T.Zero, dp = T.Zero;
                    for (int c = 0; c < dim; c++)
                    {
                        s += q[qo + c] * k[ko + c];
                        dp += dOutput[qo + c] * v[ko + c];
                    }
                    T p = T.Exp(s * scale - rowLse);
                    T ds = p * (dp - delta);
                    for (int c = 0; c < dim; c++)
                    {
                        dq[qo + c] += scale * ds * k[ko + c];
                        dk[ko + c] += scale * ds * q[qo + c];
                        dv[ko + c] += p * dOutput[qo + c];
                    }
                }
            }
        }
    }

    /// <summary>output (N, C) = table (V, C)[ids (N)].</summary>
    public static void Embedding<T>(ReadOnlySpan<int> ids, ReadOnlySpan<T> table, Span<T> output, int channels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < ids.Length; i++)
            table.Slice(ids[i] * channels, channels).CopyTo(output.Slice(i * channels, channels));
    }

    /// <summary>dtable (V, C) += dOutput (N, C) scattered by ids, in token order.</summary>
    public static void EmbeddingBackward<T>(ReadOnlySpan<int> ids, ReadOnlySpan<T> dOutput, Span<T> dtable, int channels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < ids.Length; i++)
            for (int c = 0; c < channels; c++)
                dtable[ids[i] * channels + c] += dOutput[i * channels + c];
    }
}
