// The distillation objective on the tape (LOSSES.md): validates at this public boundary, runs the fused
// backend kernel once (loss and dL/dz_S in one pass, the gradient pre-scaled for an upstream gradient of
// 1 into one tape-owned buffer), and records a backward rule that adopts that buffer or scales it in.
using Distill.Autograd;
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Losses;

public static class DistillLoss
{
    /// <summary>
    /// studentLogits, teacherLogits (..., V) F32 with the same shape; targets (...) I32 or null (no hard part,
    /// every row counts). Returns options.SoftFactor * mean D(p_T, p_S) + options.HardWeight * mean CE over the
    /// rows whose target is not options.IgnoreIndex. Only the student receives a gradient.
    /// </summary>
    public static DistillLossResult Compute(Tensor studentLogits, Tensor teacherLogits, Tensor? targets, DistillLossOptions options)
    {
        const string op = "DistillLoss";
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(teacherLogits);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        RequireLogits(op, studentLogits, "student logits");
        RequireLogits(op, teacherLogits, "teacher logits");
        int v = studentLogits.Shape[-1], vt = teacherLogits.Shape[-1];
        if (v != vt)
            throw new ArgumentException($"{op}: student vocabulary size {v} (logits {studentLogits.Shape}) and teacher vocabulary size {vt} " +
                $"(logits {teacherLogits.Shape}) differ: cross-tokenizer distillation is not supported by this loss");
        if (studentLogits.Shape != teacherLogits.Shape)
            throw new ArgumentException($"{op}: student logits {studentLogits.Shape} and teacher logits {teacherLogits.Shape} must have the same shape");
        Ops.RequireSameDevice(op, studentLogits, teacherLogits, targets);
        int rows = checked((int)studentLogits.Shape.Rows);
        int tokens = Ops.CountTargets(op, targets, rows, v, options.IgnoreIndex);

        return Run(op, studentLogits, targets, options, rows, v, tokens, (be, s2, tg, soft, hard, ds, softScale, hardScale) =>
        {
            using var t2 = teacherLogits.ViewUnrecorded(new Shape(rows, v));
            be.DistillLoss(s2, t2, tg, options, soft, hard, ds, softScale, hardScale);
        });
    }

    /// <summary>
    /// The same against a sparse top-k teacher: teacherIds (..., k) I32 distinct vocabulary ids per row,
    /// teacherTopLogits (..., k) F32 their raw logits, teacherLse (...) F32 the log-sum-exp over the full
    /// vocabulary of teacher logits / T. options.Tail picks the missing-mass convention.
    /// </summary>
    public static DistillLossResult ComputeSparse(Tensor studentLogits, Tensor teacherIds, Tensor teacherTopLogits, Tensor teacherLse,
        Tensor? targets, DistillLossOptions options)
    {
        const string op = "DistillLossSparse";
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(teacherIds);
        ArgumentNullException.ThrowIfNull(teacherTopLogits);
        ArgumentNullException.ThrowIfNull(teacherLse);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        RequireLogits(op, studentLogits, "student logits");
        RequireLogits(op, teacherTopLogits, "teacher top-k logits");
        if (teacherIds.DType != DType.I32) throw new ArgumentException($"{op}: teacher ids {teacherIds.Describe()} must be I32");
        if (teacherLse.DType != DType.F32) throw new ArgumentException($"{op}: teacher log-sum-exp {teacherLse.Describe()} must be F32");
        if (teacherIds.Shape != teacherTopLogits.Shape)
            throw new ArgumentException($"{op}: teacher ids {teacherIds.Shape} and teacher top-k logits {teacherTopLogits.Shape} must have the same shape");
        Ops.RequireSameDevice(op, studentLogits, teacherIds, teacherTopLogits, teacherLse, targets);
        int v = studentLogits.Shape[-1];
        int rows = checked((int)studentLogits.Shape.Rows);
        int k = teacherIds.Shape.Rank == 0 ? 0 : teacherIds.Shape[-1];
        if (teacherIds.Shape.Rank != studentLogits.Shape.Rank || teacherIds.Shape.Rows != rows)
            throw new ArgumentException($"{op}: teacher ids {teacherIds.Shape} must be (..., k) over the rows of student logits {studentLogits.Shape}");
        if (k < 1 || k > v)
            throw new ArgumentException($"{op}: teacher top-k {k} (ids {teacherIds.Shape}) must be in [1, {v}] for student vocabulary size {v}");
        if (teacherLse.Numel != rows)
            throw new ArgumentException($"{op}: teacher log-sum-exp {teacherLse.Shape} must have one entry per row of student logits {studentLogits.Shape} ({rows})");
        CheckIds(op, teacherIds, rows, k, v);
        int tokens = Ops.CountTargets(op, targets, rows, v, options.IgnoreIndex);

        return Run(op, studentLogits, targets, options, rows, v, tokens, (be, s2, tg, soft, hard, ds, softScale, hardScale) =>
        {
            using var ids2 = teacherIds.ViewUnrecorded(new Shape(rows, k));
            using var top2 = teacherTopLogits.ViewUnrecorded(new Shape(rows, k));
            using var lse1 = teacherLse.ViewUnrecorded(new Shape(rows));
            be.DistillLossSparse(s2, ids2, top2, lse1, tg, options, soft, hard, ds, softScale, hardScale);
        });
    }

    private delegate void Kernel(IBackend be, Tensor student, Tensor? targets, Tensor soft, Tensor hard, Tensor? dStudent,
        float softScale, float hardScale);

    /// <summary>The shared tail of both entry points: scales, the one fused pass, the means, the backward rule.</summary>
    private static DistillLossResult Run(string op, Tensor student, Tensor? targets, DistillLossOptions options, int rows, int v,
        int tokens, Kernel kernel)
    {
        var be = Backend.For(student);
        var tape = Tape.Current;
        bool needGrad = tape is not null && student.RequiresGrad;
        // The gradient is written for an upstream gradient of 1: d(SoftFactor mean D + HardWeight mean CE)/dz.
        float inv = tokens == 0 ? 0f : 1f / tokens;
        float softScale = options.SoftFactor * inv;
        float hardScale = targets is null ? 0f : options.HardWeight * inv;
        var dStudent = needGrad ? Ops.NewTensor(new Shape(rows, v), DType.F32, student.Device) : null;   // (N, V)
        double softSum, hardSum;
        using (var soft = Tensor.Empty(new Shape(rows), DType.F32, student.Device))   // (N)
        using (var hard = Tensor.Empty(new Shape(rows), DType.F32, student.Device))   // (N)
        using (var s2 = student.ViewUnrecorded(new Shape(rows, v)))
        using (var tg = targets?.ViewUnrecorded(new Shape(rows)))
        {
            kernel(be, s2, tg, soft, hard, dStudent, softScale, hardScale);
            softSum = rows == 0 ? 0 : be.Sum(soft);
            hardSum = rows == 0 || targets is null ? 0 : be.Sum(hard);
        }
        double softMean = softSum * inv, hardMean = hardSum * inv;
        double total = options.SoftFactor * softMean + (targets is null ? 0 : options.HardWeight * hardMean);
        var loss = Ops.NewTensor(new Shape(1), DType.F32, student.Device);   // after the kernel: it may throw (bad teacher row)
        be.Fill(loss, (float)total);
        if (needGrad)
        {
            loss.RequiresGrad = true;
            tape!.Push(loss, () => Ops.AddFusedGradient(tape, student, dStudent!, loss.Grad!.Item()));
        }
        return new DistillLossResult(loss, (float)softMean, (float)hardMean, tokens);
    }

    private static void RequireLogits(string op, Tensor t, string role)
    {
        if (t.IsDisposed) throw new ObjectDisposedException($"{op}: {role} {t.Describe()} was disposed");
        if (t.DType != DType.F32) throw new ArgumentException($"{op}: {role} {t.Describe()} must be F32, is {t.DType}");
        if (t.Shape.Rank < 1 || t.Shape[-1] < 1) throw new ArgumentException($"{op}: {role} {t.Describe()} must be (..., V) with V >= 1");
    }

    /// <summary>Every teacher id in [0, V) and distinct within its row (a top-k list has no repeats).</summary>
    private static void CheckIds(string op, Tensor teacherIds, int rows, int k, int v)
    {
        var ids = HostInts(teacherIds);
        var seenAt = new int[v];   // (V) last row + 1 that used each id
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < k; j++)
            {
                int id = ids[r * k + j];
                if ((uint)id >= (uint)v)
                    throw new ArgumentOutOfRangeException(nameof(teacherIds), $"{op}: teacher id {id} at row {r}, slot {j} is out of range for vocabulary size {v}");
                if (seenAt[id] == r + 1)
                    throw new ArgumentException($"{op}: teacher id {id} appears twice in row {r} (top-k ids must be distinct)");
                seenAt[id] = r + 1;
            }
    }

    private static ReadOnlySpan<int> HostInts(Tensor t) =>
        t.Device.Kind == DeviceKind.Cpu ? t.AsSpan<int>() : t.ToArray<int>();
}
