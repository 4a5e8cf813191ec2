// Per-thread scratch of the fused distillation kernel, grown on demand and reused by every later row
// and call on the thread: O(V) floats for the stored exps and O(V / block + k) for the rest; never (N, V).
using System.Runtime.CompilerServices;

namespace Distill.Backends.Cpu;

internal sealed unsafe class CpuDistillScratch
{
    [ThreadStatic] private static CpuDistillScratch? _current;

    private float[] _ea = [], _eb = [], _offA = [], _offB = [];
    private double[] _buckets = [];

    /// <summary>(V) student exps, later p.</summary>
    public float* Ea { get; private set; }
    /// <summary>(V) teacher (or TAID target) exps, later g.</summary>
    public float* Eb { get; private set; }
    /// <summary>(blocks) the running maxima each block's exps are relative to.</summary>
    public float* OffA { get; private set; }
    public float* OffB { get; private set; }
    /// <summary>(5, k + 1) sparse buckets: P, Q, log P, log Q, dL/dP.</summary>
    public double[] Buckets => _buckets;

    public static CpuDistillScratch For(int v, int blocks, int buckets)
    {
        var s = _current ??= new CpuDistillScratch();
        s.Ensure(Math.Max(v, 1), Math.Max(blocks, 1), Math.Max(buckets, 1));
        return s;
    }

    private void Ensure(int v, int blocks, int buckets)
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
        if (_buckets.Length < 5 * buckets) _buckets = new double[5 * buckets];
    }
}
