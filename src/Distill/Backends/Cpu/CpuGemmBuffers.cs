// Packing buffers for CpuGemm: 64-byte aligned native memory, kept for the life of the owner (a
// thread, or the shared team) and grown only when a larger GEMM comes, so page faults happen once.
using System.Numerics;
using System.Runtime.InteropServices;

namespace Distill.Backends.Cpu;

/// <summary>
/// Two packed-A and two packed-B buffers (double buffering for the team; a single thread uses index 0)
/// and one (MR, NR) edge tile per thread. Not thread-safe: <see cref="Ensure"/> runs before any thread
/// of a GEMM reads the pointers. Frees its memory when finalized (e.g. when its thread ends).
/// </summary>
internal sealed unsafe class CpuGemmBuffers
{
    [ThreadStatic] private static CpuGemmBuffers? _forThisThread;

    private readonly float*[] _a = new float*[2];
    private readonly float*[] _b = new float*[2];
    private readonly long[] _aFloats = new long[2];
    private readonly long[] _bFloats = new long[2];
    private readonly float*[] _scratch;

    public CpuGemmBuffers(int threads)
    {
        _scratch = new float*[threads];
        for (int t = 0; t < threads; t++) _scratch[t] = Alloc(CpuGemm.MR * CpuGemm.NR);
    }

    /// <summary>This thread's buffers for single-threaded GEMMs, sized for the job.</summary>
    public static CpuGemmBuffers ForThisThread(in GemmJob job)
    {
        var b = _forThisThread ??= new CpuGemmBuffers(1);
        b.Ensure(CpuGemm.PackedAFloats(in job), CpuGemm.PackedBFloats(in job), 1);
        return b;
    }

    /// <summary>Grows the first <paramref name="copies"/> A and B buffers to at least these sizes.</summary>
    public void Ensure(long aFloats, long bFloats, int copies)
    {
        for (int i = 0; i < copies; i++)
        {
            Grow(ref _a[i], ref _aFloats[i], aFloats);
            Grow(ref _b[i], ref _bFloats[i], bFloats);
        }
    }

    public float* A(int index) => _a[index];
    public float* B(int index) => _b[index];
    public float* Scratch(int thread) => _scratch[thread];

    private static void Grow(ref float* p, ref long have, long need)
    {
        if (need <= have) return;
        // Round up (to a power of two, at most the largest block CpuGemm packs) so growth is rare.
        long max = Math.Max((long)CpuGemm.MC * CpuGemm.KC, (long)CpuGemm.KC * CpuGemm.NC);
        need = Math.Max(need, Math.Min(max, (long)BitOperations.RoundUpToPowerOf2((ulong)need)));
        if (p != null) NativeMemory.AlignedFree(p);
        p = Alloc(need);
        have = need;
    }

    private static float* Alloc(long floats)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        if (p == null) throw new OutOfMemoryException($"CpuGemm: cannot allocate a {floats * 4} byte packing buffer");
        return p;
    }

    ~CpuGemmBuffers()
    {
        for (int i = 0; i < 2; i++)
        {
            if (_a[i] != null) NativeMemory.AlignedFree(_a[i]);
            if (_b[i] != null) NativeMemory.AlignedFree(_b[i]);
        }
        foreach (var s in _scratch)
            if (s != null) NativeMemory.AlignedFree(s);
    }
}
