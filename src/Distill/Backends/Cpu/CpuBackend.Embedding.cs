// Token embedding on the CPU: gather rows by id, and the backward scatter-add. The scatter is split
// over column blocks, not tokens, so threads never share an element and every element sums its
// tokens in token order: deterministic and identical to the sequential twin, with no atomics.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Columns per scatter work unit: one 64-byte line, so threads never share a cache line.</summary>
    private const int EmbeddingColumnBlock = 16;

    public void Embedding(Tensor ids, Tensor table, Tensor output)
    {
        int n = checked((int)ids.Numel), c = table.Shape[1];
        if (n == 0 || c == 0) return;
        int* ip = (int*)ids.Pointer;
        float* tp = (float*)table.Pointer, op = (float*)output.Pointer;
        long rowBytes = (long)c * sizeof(float);
        CpuParallel.For(n, c, (start, end) =>
        {
            for (int i = start; i < end; i++)
                Buffer.MemoryCopy(tp + (long)ip[i] * c, op + (long)i * c, rowBytes, rowBytes);
        });
    }

    public void EmbeddingBackward(Tensor ids, Tensor dOutput, Tensor dtable) =>
        EmbeddingBackwardCore(ids, dOutput, dtable, Vector512.IsHardwareAccelerated);

    /// <summary>dtable += scatter of dOutput; <paramref name="wide"/> picks Vector512 (else Vector256).</summary>
    internal void EmbeddingBackwardCore(Tensor ids, Tensor dOutput, Tensor dtable, bool wide)
    {
        int n = checked((int)ids.Numel), c = dtable.Shape[1];
        if (n == 0 || c == 0) return;
        int* ip = (int*)ids.Pointer;
        float* gp = (float*)dOutput.Pointer, tp = (float*)dtable.Pointer;
        int blocks = (c + EmbeddingColumnBlock - 1) / EmbeddingColumnBlock;
        CpuParallel.For(blocks, (long)n * EmbeddingColumnBlock, (start, end) =>
        {
            int c0 = start * EmbeddingColumnBlock, c1 = Math.Min(end * EmbeddingColumnBlock, c);
            for (int i = 0; i < n; i++)
            {
                float* src = gp + (long)i * c + c0;
                float* dst = tp + (long)ip[i] * c + c0;
                if (wide) AddInto<AttentionVec512, Vector512<float>>(src, dst, c1 - c0);
                else AddInto<AttentionVec256, Vector256<float>>(src, dst, c1 - c0);
            }
        });
    }

    /// <summary>dst[0 .. n) += src[0 .. n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddInto<TOps, TV>(float* src, float* dst, int n)
        where TOps : struct, IAttentionVec<TV> where TV : struct
    {
        int w = TOps.Count, i = 0;
        for (; i + w <= n; i += w) TOps.Store(dst + i, TOps.Add(TOps.Load(dst + i), TOps.Load(src + i)));
        for (; i < n; i++) dst[i] += src[i];
    }
}
