// Per-thread scratch of the fused distillation kernel, grown on demand and reused by every later row
// and call on the thread: O(V) floats for the stored exps and O(V / block + k) for the rest; never (N, V).
// Two sets of row buffers: a row's gradient write may be deferred into the next row's pass A.
using System.Runtime.CompilerServices;

namespace Distill.Backends.Cpu;

/// <summary>One row's stored exps and the shifts each block used.</summary>
internal sealed unsafe class CpuDistillRowBuffers
{
    private float[] _ea = [], _eb = [], _offA = [], _offB = [];

    /// <summary>(V) student exps, later p.</summary>
    public float* Ea { get; private set; }
    /// <summary>(V) teacher (or TAID target) exps, later g.</summary>
    public float* Eb { get; private set; }
    /// <summary>(blocks) the running maxima each block's exps are relative to.</summary>
    public float* OffA { get; private set; }
    public float* OffB { get; private set; }

    public void Ensure(int v, int blocks)
    {
        if (_ea.Length < v)
        {
            int n = Math.Max(v, 2 * _ea.Length);
            _ea = GC.AllocateUninitializedArray<float>(n, pinned: true);
            _eb = GC.AllocateUninitializedArray<float>(n, pinned: true);
            Ea = (float*)Unsafe.AsPointer(ref _ea[0]);
            Eb = (float*)Unsafe.AsPointer(ref _eb[0]);
        }
        if (_offA.Length < blocks)
        {
            _offA = GC.AllocateUninitializedArray<float>(blocks, pinned: true);
            _offB = GC.AllocateUninitializedArray<float>(blocks, pinned: true);
            OffA = (float*)Unsafe.AsPointer(ref _offA[0]);
            OffB = (float*)Unsafe.AsPointer(ref _offB[0]);
        }
    }
}

internal sealed class CpuDistillScratch
{
    [ThreadStatic] private static CpuDistillScratch? _current;

    private readonly CpuDistillRowBuffers[] _rows = [new(), new()];
    private int _row;
    private double[] _buckets = [];

    /// <summary>The buffers the next row's pass A fills.</summary>
    public CpuDistillRowBuffers Row => _rows[_row];
    /// <summary>(5, k + 1) sparse buckets: P, Q, log P, log Q, dL/dP.</summary>
    public double[] Buckets => _buckets;

    /// <summary>Hands the current buffers to a deferred write and moves the next row to the other set.</summary>
    public void Flip() => _row ^= 1;

    public static CpuDistillScratch For(int v, int blocks, int buckets)
    {
        var s = _current ??= new CpuDistillScratch();
        foreach (var r in s._rows) r.Ensure(Math.Max(v, 1), Math.Max(blocks, 1));
        if (s._buckets.Length < 5 * Math.Max(buckets, 1)) s._buckets = new double[5 * Math.Max(buckets, 1)];
        return s;
    }
}
