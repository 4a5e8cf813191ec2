// The student's LM head fused with the distillation loss, chunk by chunk of token rows (Liger's fused
// linear idea, ../shared/LOSSES.md "Fusion"): logits = h W^T for a chunk, the fused row kernel writes the
// loss and dL/dz in place, then dh = dz W and dW += dz^T h, and the chunk's logits are dropped. Only one
// chunk of student logits (and one of teacher logits) exists at a time, so the loss needs O(chunk x V)
// memory instead of O(N x V). The forward pass computes the gradients too; backward only scales them.
using Distill.Autograd;
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Losses;

public static class ChunkedDistillLoss
{
    /// <summary>Default memory for one chunk's logits (student, plus teacher when made from hidden states).</summary>
    public const long DefaultBudgetBytes = 64L << 20;

    /// <summary>
    /// Fewest rows a chunk picked from a budget gets (unless there are fewer rows): every chunk repacks the
    /// head weights for its GEMMs (V x C each), which below a few hundred rows costs more than it saves.
    /// </summary>
    public const int MinBudgetChunkRows = 256;

    /// <summary>
    /// Rows per chunk for n rows of vocab v: as many as fit budgetBytes with one (or, when the teacher's
    /// logits are made here too, two) float rows of v each, but at least minRows; never more than n.
    /// </summary>
    public static int ChunkRowsFor(long n, int vocab, bool teacherLogitsToo, long budgetBytes = DefaultBudgetBytes, int minRows = MinBudgetChunkRows)
    {
        if (budgetBytes <= 0) throw new ArgumentOutOfRangeException(nameof(budgetBytes), budgetBytes, "ChunkedDistillLoss: the memory budget must be positive");
        long perRow = Math.Max(1L, vocab) * sizeof(float) * (teacherLogitsToo ? 2 : 1);
        long rows = Math.Max(budgetBytes / perRow, Math.Max(1, minRows));
        return (int)Math.Clamp(rows, 1, Math.Max(1, n));
    }

    /// <summary>
    /// The configured distillation loss of logits = hidden W^T against the teacher signal.
    /// hidden: (N, C) or (..., C), the student's final-norm output (on the tape); head: (V, C), the
    /// student's LM head (tied or not); targets: N I32 ids or null (no hard part, every row counted).
    /// chunkRows &gt; 0 fixes the rows per chunk; 0 picks them from budgetBytes (see <see cref="ChunkRowsFor"/>).
    /// Under a recording tape, backward adds upstream * dL/dhidden and upstream * dL/dW to their .Grad.
    /// </summary>
    public static ChunkedDistillLossResult Compute(Tensor hidden, Tensor head, Tensor? targets, TeacherSignal teacher,
        DistillLossOptions options, int chunkRows = 0, long budgetBytes = DefaultBudgetBytes)
    {
        const string op = "ChunkedDistillLoss";
        ArgumentNullException.ThrowIfNull(teacher);
        options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        var (n, c, v) = CheckStudent(op, hidden, head);
        int tokens = Ops.CountTargets(op, targets, n, v, options.IgnoreIndex);
        CheckTeacher(op, teacher, n, v, hidden.Device);
        if (chunkRows < 0) throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, $"{op}: chunk rows must be >= 0 (0: from the memory budget)");
        int chunk = chunkRows > 0 ? Math.Min(chunkRows, Math.Max(1, n)) : ChunkRowsFor(n, v, teacher is TeacherSignal.FromHidden, budgetBytes);

        var tape = Tape.Current;
        bool gradHidden = tape is not null && hidden.RequiresGrad;
        bool gradHead = tape is not null && head.RequiresGrad;
        var dHidden = gradHidden ? Ops.NewTensor(hidden.Shape, DType.F32, hidden.Device) : null;   // (..., C)
        var dHead = gradHead ? Ops.NewTensor(head.Shape, DType.F32, head.Device) : null;           // (V, C)

        float softScale = tokens == 0 ? 0f : options.SoftFactor / tokens;
        float hardScale = tokens == 0 || targets is null ? 0f : options.HardWeight / tokens;
        var (softSum, hardSum, scratch) = RunChunks(hidden, head, targets, teacher, options, n, c, v, chunk,
            dHidden, dHead, softScale, hardScale);

        double softMean = tokens == 0 ? 0 : softSum / tokens;
        double hardMean = tokens == 0 || targets is null ? 0 : hardSum / tokens;
        var loss = Ops.NewTensor(new Shape(1), DType.F32, hidden.Device);
        var be = Backend.For(hidden);
        be.Fill(loss, (float)(options.SoftFactor * softMean + options.HardWeight * hardMean));
        if (tape is not null && (gradHidden || gradHead))
        {
            loss.RequiresGrad = true;
            tape.Push(loss, () => Backward(tape, loss, hidden, head, dHidden, dHead));
        }
        return new ChunkedDistillLossResult(loss, (float)softMean, (float)hardMean, tokens, chunk, scratch);
    }

    /// <summary>The chunk loop. Returns the summed per-row soft and hard losses and the scratch bytes used.</summary>
    private static (double Soft, double Hard, long Scratch) RunChunks(Tensor hidden, Tensor head, Tensor? targets,
        TeacherSignal teacher, DistillLossOptions options, int n, int c, int v, int chunk,
        Tensor? dHidden, Tensor? dHead, float softScale, float hardScale)
    {
        var be = Backend.For(hidden);
        bool grad = dHidden is not null || dHead is not null;
        var fromHidden = teacher as TeacherSignal.FromHidden;
        using var h2 = hidden.ViewUnrecorded(new Shape(n, c));                                        // (N, C)
        using var dh2 = dHidden?.ViewUnrecorded(new Shape(n, c));                                     // (N, C)
        using var tg1 = targets?.ViewUnrecorded(new Shape(n));                                        // (N)
        using var student = Tensor.Empty(new Shape(chunk, v), DType.F32, hidden.Device);              // (chunk, V) logits, then dL/dz
        using var teacherChunk = fromHidden is null ? null : Tensor.Empty(new Shape(chunk, v), DType.F32, hidden.Device); // (chunk, V)
        using var softRows = Tensor.Empty(new Shape(chunk), DType.F32, hidden.Device);                // (chunk)
        using var hardRows = Tensor.Empty(new Shape(chunk), DType.F32, hidden.Device);                // (chunk)
        using var teacherRows = TeacherRows(teacher, n);
        double softSum = 0, hardSum = 0;
        for (int start = 0; start < n; start += chunk)
        {
            int rows = Math.Min(chunk, n - start);
            using var h = h2.RowsUnrecorded(start, rows);                                             // (rows, C)
            using var z = student.RowsUnrecorded(0, rows);                                            // (rows, V)
            using var tg = tg1?.RowsUnrecorded(start, rows);                                          // (rows)
            using var sl = softRows.RowsUnrecorded(0, rows);
            using var hl = hardRows.RowsUnrecorded(0, rows);
            be.MatMul(h, head, z, false, true);                                                       // z = h W^T
            if (teacher is TeacherSignal.TopK)
            {
                using var ids = teacherRows[0].RowsUnrecorded(start, rows);                          // (rows, k)
                using var tl = teacherRows[1].RowsUnrecorded(start, rows);                           // (rows, k)
                using var lse = teacherRows[2].RowsUnrecorded(start, rows);                          // (rows)
                be.DistillLossSparse(z, ids, tl, lse, tg, options, sl, hl, grad ? z : null, softScale, hardScale);
            }
            else
            {
                using var zt = fromHidden is null ? teacherRows[0].RowsUnrecorded(start, rows) : teacherChunk!.RowsUnrecorded(0, rows); // (rows, V)
                if (fromHidden is not null)
                {
                    using var ht = teacherRows[0].RowsUnrecorded(start, rows);                        // (rows, Ct)
                    be.MatMul(ht, fromHidden.Head, zt, false, true);                                  // zt = h_T W_T^T
                }
                be.DistillLoss(z, zt, tg, options, sl, hl, grad ? z : null, softScale, hardScale);
            }
            softSum += be.Sum(sl);
            hardSum += be.Sum(hl);
            if (dh2 is not null)
            {
                using var dh = dh2.RowsUnrecorded(start, rows);                                       // (rows, C)
                be.MatMul(z, head, dh, false, false);                                                 // dh = dz W
            }
            if (dHead is not null)
                be.MatMul(z, h, dHead, true, false, 1f, start == 0 ? 0f : 1f);                        // dW (+)= dz^T h
        }
        long scratch = student.Bytes + (teacherChunk?.Bytes ?? 0) + softRows.Bytes + hardRows.Bytes;
        return (softSum, hardSum, scratch);
    }

    /// <summary>Row-major 2-d views of the teacher tensors that are walked by rows (disposed together).</summary>
    private static RowViews TeacherRows(TeacherSignal teacher, int n) => teacher switch
    {
        TeacherSignal.FromHidden t => new RowViews(t.Hidden.ViewUnrecorded(new Shape(n, t.Hidden.Shape[-1]))),
        TeacherSignal.FromLogits t => new RowViews(t.Logits.ViewUnrecorded(new Shape(n, t.Logits.Shape[-1]))),
        TeacherSignal.TopK t => new RowViews(t.Ids.ViewUnrecorded(new Shape(n, t.Ids.Shape[-1])),
            t.Logits.ViewUnrecorded(new Shape(n, t.Logits.Shape[-1])), t.Lse.ViewUnrecorded(new Shape(n))),
        _ => throw new ArgumentException($"ChunkedDistillLoss: unknown teacher signal {teacher.GetType().Name}"),
    };

    private sealed class RowViews(params Tensor[] views) : IDisposable
    {
        public Tensor this[int i] => views[i];
        public void Dispose()
        {
            foreach (var t in views) t.Dispose();
        }
    }

    /// <summary>Adds upstream * the stored gradients; adopts dHidden as hidden.Grad when nothing else wrote there.</summary>
    private static void Backward(Tape tape, Tensor loss, Tensor hidden, Tensor head, Tensor? dHidden, Tensor? dHead)
    {
        if (dHead is { IsDisposed: true } || dHidden is { IsDisposed: true })
            throw new InvalidOperationException("ChunkedDistillLoss: backward ran twice through one loss; its stored gradients are used once");
        float g = loss.Grad!.Item();
        var be = Backend.For(hidden);
        if (dHidden is not null)
        {
            Ops.AddFusedGradient(tape, hidden, dHidden, g);
            dHidden.Dispose();                                             // an adopted view keeps the memory alive
        }
        if (dHead is not null)
        {
            be.Axpy(g, dHead, Ops.GradOf(head));
            dHead.Dispose();                                               // back to the pool now, not at the end of the step
        }
    }

    // ---- checks at the public boundary -----------------------------------------------------------

    private static (int N, int C, int V) CheckStudent(string op, Tensor hidden, Tensor head)
    {
        Require(op, hidden.DType == DType.F32 && !hidden.IsDisposed, $"hidden {hidden.Describe()} must be a live F32 tensor");
        Require(op, head.DType == DType.F32 && !head.IsDisposed, $"head {head.Describe()} must be a live F32 tensor");
        Require(op, head.Shape.Rank == 2, $"head must be (V, C), got {head.Shape}");
        Require(op, hidden.Shape.Rank >= 1 && hidden.Shape[-1] == head.Shape[1],
            $"hidden {hidden.Shape} does not end in the head's width {head.Shape[1]} (head {head.Shape})");
        Require(op, hidden.Device == head.Device, $"hidden on {hidden.Device}, head on {head.Device}");
        int c = head.Shape[1];
        return (checked((int)(hidden.Numel / Math.Max(1, c))), c, head.Shape[0]);
    }

    private static void CheckTeacher(string op, TeacherSignal teacher, int n, int v, Device device)
    {
        switch (teacher)
        {
            case TeacherSignal.FromHidden t:
                Require(op, t.Hidden.DType == DType.F32 && t.Head.DType == DType.F32, $"teacher hidden {t.Hidden.Describe()} and head {t.Head.Describe()} must be F32");
                Require(op, t.Head.Shape.Rank == 2 && t.Head.Shape[0] == v,
                    $"teacher head {t.Head.Shape} must be (V, Ct) with the student's vocabulary V = {v}");
                Require(op, t.Hidden.Shape.Rank >= 1 && t.Hidden.Shape[-1] == t.Head.Shape[1] && t.Rows == n,
                    $"teacher hidden {t.Hidden.Shape} must be {n} rows of the teacher head's width {t.Head.Shape[1]}");
                Require(op, t.Hidden.Device == device && t.Head.Device == device, "teacher tensors are on another device");
                break;
            case TeacherSignal.FromLogits t:
                Require(op, t.Logits.DType == DType.F32, $"teacher logits {t.Logits.Describe()} must be F32");
                Require(op, t.Logits.Shape.Rank >= 1 && t.Logits.Shape[-1] == v && t.Rows == n,
                    $"teacher logits {t.Logits.Shape} must be {n} rows of vocabulary {v}");
                Require(op, t.Logits.Device == device, "teacher logits are on another device");
                break;
            case TeacherSignal.TopK t:
                Require(op, t.Ids.DType == DType.I32 && t.Logits.DType == DType.F32 && t.Lse.DType == DType.F32,
                    $"top-k ids {t.Ids.Describe()} must be I32, logits {t.Logits.Describe()} and lse {t.Lse.Describe()} F32");
                Require(op, t.Ids.Shape == t.Logits.Shape && t.Ids.Shape.Rank >= 1 && t.Rows == n,
                    $"top-k ids {t.Ids.Shape} and logits {t.Logits.Shape} must be the same shape, {n} rows");
                Require(op, t.Ids.Shape[-1] >= 1 && t.Ids.Shape[-1] <= v, $"top-k width {t.Ids.Shape[-1]} must be in [1, {v}]");
                Require(op, t.Lse.Numel == n, $"top-k lse {t.Lse.Shape} must hold one value per row ({n})");
                Require(op, t.Ids.Device == device && t.Logits.Device == device && t.Lse.Device == device, "top-k tensors are on another device");
                CheckTopKIds(op, t.Ids, n, v);
                break;
        }
    }

    /// <summary>Every top-k id in [0, V) and distinct within its row (the sparse kernel relies on it).</summary>
    private static void CheckTopKIds(string op, Tensor ids, int n, int v)
    {
        ReadOnlySpan<int> host = ids.Device.Kind == DeviceKind.Cpu ? ids.AsSpan<int>() : ids.ToArray<int>();
        int k = n == 0 ? 0 : host.Length / n;
        var seenAt = new int[v];   // (V) last row + 1 that used each id
        for (int r = 0; r < n; r++)
            for (int j = 0; j < k; j++)
            {
                int id = host[r * k + j];
                if ((uint)id >= (uint)v)
                    throw new ArgumentOutOfRangeException(nameof(ids), $"{op}: top-k id {id} at row {r}, slot {j} is out of range for vocab {v}");
                if (seenAt[id] == r + 1)
                    throw new ArgumentException($"{op}: top-k id {id} appears twice in row {r} (ids must be distinct)");
                seenAt[id] = r + 1;
            }
    }

    private static void Require(string op, bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"{op}: {message}");
    }
}
