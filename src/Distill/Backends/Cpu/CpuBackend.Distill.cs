// Fused distillation losses on the CPU: rows split across cores, each row one fused kernel
// (CpuDistillRows) with per-thread scratch. A teacher row that is not finite is found by a probe fused
// into the row pass and reported, naming the first such row, after the parallel loop.
using Distill.Losses;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void DistillLoss(Tensor student, Tensor teacher, Tensor? targets, DistillLossOptions options,
        Tensor softLoss, Tensor hardLoss, Tensor? dStudent, float softScale, float hardScale)
    {
        const string op = "DistillLoss";
        nint pz = F32(op, student, "student"), pt = F32(op, teacher, "teacher");
        nint ps = F32(op, softLoss, "softLoss"), ph = F32(op, hardLoss, "hardLoss");
        nint pd = dStudent is null ? 0 : F32(op, dStudent, "dStudent");
        long rows = softLoss.Numel;   // student, teacher, dStudent (N, V); targets, softLoss, hardLoss (N)
        if (rows == 0) return;
        int v = checked((int)(student.Numel / rows));
        nint pg = TargetsPointer(op, targets, rows);
        int ignore = options.IgnoreIndex;
        var setup = new DistillRowSetup(options, targets is not null, softScale, hardScale);
        int firstBad = int.MaxValue;
        CpuParallel.For(rows, 4L * v, (r0, r1) =>
        {
            var sc = CpuDistillScratch.For(v, CpuDistillRows.Blocks(v), 0);
            for (int r = r0; r < r1; r++)
            {
                float* z = (float*)pz + (long)r * v;
                float* dz = pd == 0 ? null : (float*)pd + (long)r * v;
                int target = pg == 0 ? 0 : ((int*)pg)[r];
                if (pg != 0 && target == ignore)
                {
                    MaskedRow(ps, ph, dz, r, v);
                    continue;
                }
                CpuDistillRows.Dense(z, (float*)pt + (long)r * v, v, pg != 0, target, dz, setup, sc,
                    out ((float*)ps)[r], out ((float*)ph)[r], out bool bad);
                if (bad) InterlockedMin(ref firstBad, r);
            }
        });
        if (firstBad != int.MaxValue)
            throw new ArgumentException($"{op}: teacher logits {teacher.Shape} row {firstBad} contain NaN or Inf");
    }

    public void DistillLossSparse(Tensor student, Tensor teacherIds, Tensor teacherLogits, Tensor teacherLse, Tensor? targets,
        DistillLossOptions options, Tensor softLoss, Tensor hardLoss, Tensor? dStudent, float softScale, float hardScale)
    {
        const string op = "DistillLossSparse";
        nint pz = F32(op, student, "student"), ptk = F32(op, teacherLogits, "teacherLogits"), plse = F32(op, teacherLse, "teacherLse");
        nint ps = F32(op, softLoss, "softLoss"), ph = F32(op, hardLoss, "hardLoss");
        nint pd = dStudent is null ? 0 : F32(op, dStudent, "dStudent");
        if (teacherIds.DType != DType.I32) throw new ArgumentException($"{op}: teacherIds {teacherIds.Describe()} must be I32");
        long rows = softLoss.Numel;   // student, dStudent (N, V); teacherIds, teacherLogits (N, k); teacherLse, targets, softLoss, hardLoss (N)
        if (rows == 0) return;
        int v = checked((int)(student.Numel / rows));
        int k = checked((int)(teacherIds.Numel / rows));
        nint pids = teacherIds.Pointer;
        nint pg = TargetsPointer(op, targets, rows);
        int ignore = options.IgnoreIndex;
        var setup = new DistillRowSetup(options, targets is not null, softScale, hardScale);
        int firstBad = int.MaxValue;
        CpuParallel.For(rows, 2L * v, (r0, r1) =>
        {
            var sc = CpuDistillScratch.For(v, CpuDistillRows.Blocks(v), k + 1);
            for (int r = r0; r < r1; r++)
            {
                float* z = (float*)pz + (long)r * v;
                float* dz = pd == 0 ? null : (float*)pd + (long)r * v;
                int target = pg == 0 ? 0 : ((int*)pg)[r];
                if (pg != 0 && target == ignore)
                {
                    MaskedRow(ps, ph, dz, r, v);
                    continue;
                }
                CpuDistillRows.Sparse(z, v, (int*)pids + (long)r * k, (float*)ptk + (long)r * k, k, ((float*)plse)[r],
                    pg != 0, target, dz, setup, sc, out ((float*)ps)[r], out ((float*)ph)[r], out bool bad);
                if (bad) InterlockedMin(ref firstBad, r);
            }
        });
        if (firstBad != int.MaxValue)
            throw new ArgumentException($"{op}: teacher top-k logits {teacherLogits.Shape} or log-sum-exp row {firstBad} contain NaN or Inf");
    }

    private static nint TargetsPointer(string op, Tensor? targets, long rows)
    {
        if (targets is null) return 0;
        if (targets.DType != DType.I32) throw new ArgumentException($"{op}: targets {targets.Describe()} must be I32");
        if (targets.Numel != rows) throw new ArgumentException($"{op}: targets {targets.Shape} must have one entry per row ({rows})");
        return targets.Pointer;
    }

    /// <summary>An ignored row: no loss, zero gradient.</summary>
    private static void MaskedRow(nint softLoss, nint hardLoss, float* dz, int r, int v)
    {
        ((float*)softLoss)[r] = 0f;
        ((float*)hardLoss)[r] = 0f;
        if (dz != null) new Span<float>(dz, v).Clear();
    }

    private static void InterlockedMin(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value < seen)
        {
            int was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }
}
