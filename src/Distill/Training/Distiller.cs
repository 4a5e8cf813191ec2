// One knowledge-distillation training step (teacher -> student): the teacher's forward with no tape
// (or a cached teacher signal), the student's forward on the tape without logits, the chunked fused
// head + loss on the student's final hidden states, optional hidden-state terms, backward, global-norm
// clipping and AdamW (student and projection parameters). Every activation belongs to the step's tape
// and returns to the pool when the step ends, so steps after the first allocate no large buffers.
using System.Diagnostics;
using Distill.Autograd;
using Distill.Backends;
using Distill.Losses;
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;

namespace Distill.Training;

public sealed class Distiller : IDisposable
{
    private readonly FeatureDistillLoss[] _features;
    private readonly int[] _teacherLayersNeeded;

    /// <param name="teacher">The live teacher, or null when every step passes a cached teacher signal.</param>
    public Distiller(ICausalLm student, ICausalLm? teacher, DistillerOptions options)
    {
        Options = options.Validate();
        Student = student;
        Teacher = teacher;
        if (teacher is not null && teacher.VocabSize != student.VocabSize)
            throw new ArgumentException($"Distiller: teacher vocabulary {teacher.VocabSize} != student vocabulary {student.VocabSize}; logit distillation needs one vocabulary");
        if (options.Features.Count > 0 && teacher is null)
            throw new ArgumentException("Distiller: hidden-state terms need the teacher model (its width and layer count)");
        _features = new FeatureDistillLoss[options.Features.Count];
        try
        {
            for (int i = 0; i < _features.Length; i++)
                _features[i] = new FeatureDistillLoss(options.Features[i], student.HiddenSize, teacher!.HiddenSize,
                    student.LayerCount + 1, teacher.LayerCount + 1, options.ProjectionSeed + 1000 * i);
            _teacherLayersNeeded = options.Features.SelectMany(f => f.LayerMap).Select(p => p.Teacher).Distinct().Order().ToArray();
            Optimizer = new AdamW(student.Parameters.Tensors.Concat(_features.SelectMany(f => f.Parameters)), options.Optimizer);
            // Gradients exist before the first step, so that step already rents what every later step rents.
            foreach (var p in Optimizer.Parameters) Ops.GradOf(p);
        }
        catch
        {
            foreach (var f in _features) f?.Dispose();
            throw;
        }
    }

    public DistillerOptions Options { get; }
    public ICausalLm Student { get; }
    public ICausalLm? Teacher { get; }
    public AdamW Optimizer { get; }
    /// <summary>The hidden-state terms with their projections, in the order of DistillerOptions.Features.</summary>
    public IReadOnlyList<FeatureDistillLoss> FeatureLosses => _features;

    /// <summary>
    /// One step against the live teacher: zero grads, forward, backward, clip, AdamW. ids (B, T) I32;
    /// targets (B, T) I32 next-token labels (ignore index from the loss options) or null (soft part only).
    /// The step's gradients stay readable in .Grad until the next step.
    /// </summary>
    public DistillStepMetrics Step(Tensor ids, Tensor? targets) => Update(ComputeGradients(ids, targets));

    /// <summary>One step against a cached teacher signal (full logits or top-k); teacherHidden for feature terms.</summary>
    public DistillStepMetrics Step(Tensor ids, Tensor? targets, TeacherSignal teacher, IReadOnlyList<Tensor>? teacherHidden = null) =>
        Update(ComputeGradients(ids, targets, teacher, teacherHidden));

    /// <summary>Zeroes the gradients, then forward and backward against the live teacher; no update.</summary>
    public DistillStepMetrics ComputeGradients(Tensor ids, Tensor? targets)
    {
        if (Teacher is null) throw new InvalidOperationException("Distiller: no live teacher; pass a cached TeacherSignal");
        return Run(ids, targets, null, null);
    }

    /// <summary>Zeroes the gradients, then forward and backward against a cached teacher signal; no update.</summary>
    public DistillStepMetrics ComputeGradients(Tensor ids, Tensor? targets, TeacherSignal teacher, IReadOnlyList<Tensor>? teacherHidden = null)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        if (_features.Length > 0 && teacherHidden is null)
            throw new ArgumentException("Distiller: hidden-state terms are configured; pass the teacher's hidden states with the cached signal");
        return Run(ids, targets, teacher, teacherHidden);
    }

    private DistillStepMetrics Update(DistillStepMetrics m)
    {
        long t0 = Stopwatch.GetTimestamp();
        double norm = Optimizer.Step();
        return m with { GradNorm = norm, Timings = m.Timings with { OptimizerMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds } };
    }

    private DistillStepMetrics Run(Tensor ids, Tensor? targets, TeacherSignal? cached, IReadOnlyList<Tensor>? cachedHidden)
    {
        Optimizer.ZeroGrad();
        var clock = Stopwatch.StartNew();
        double Lap()
        {
            double ms = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            return ms;
        }

        using var tape = Tape.Record();
        tape.ReleaseGradientsEarly = true;
        TeacherSignal signal;
        IReadOnlyList<Tensor>? teacherHidden = cachedHidden;
        if (cached is null)
        {
            (var final, teacherHidden) = TeacherForward(ids);
            signal = new TeacherSignal.FromHidden(final, Teacher!.LmHeadWeight);
        }
        else signal = cached;
        double teacherMs = Lap();

        var student = Student.Forward(ids, withLogits: false);
        double studentMs = Lap();

        var logitLoss = ChunkedDistillLoss.Compute(student.Final, Student.LmHeadWeight, targets, signal, Options.Loss,
            Options.LossChunkRows, Options.LossChunkBudgetBytes);
        double lossMs = Lap();

        var total = logitLoss.Loss;
        var featureValues = new float[_features.Length];
        float featureTotal = 0;
        for (int i = 0; i < _features.Length; i++)
        {
            var term = _features[i].Compute(student.HiddenStates, teacherHidden!);
            featureValues[i] = term.Item();
            featureTotal += _features[i].Term.Weight * featureValues[i];
            total = Ops.Add(total, Ops.Scale(term, _features[i].Term.Weight));
        }
        double featureMs = Lap();

        float loss = total.Item();
        if (total.RequiresGrad) tape.Backward(total);
        double backwardMs = Lap();
        return new DistillStepMetrics(loss, logitLoss.Soft, logitLoss.Hard, featureValues, featureTotal, double.NaN, logitLoss.Tokens,
            logitLoss.ChunkRows, logitLoss.ScratchBytes, new DistillStepTimings(teacherMs, studentMs, lossMs, featureMs, backwardMs, 0));
    }

    /// <summary>
    /// The teacher's final hidden states (B, T, Ct) and, for feature terms, its hidden states, with no tape.
    /// Split into forwards of whole sequences (Options.TeacherTokensPerForward): each part's activations
    /// go back to the pool as soon as its outputs are copied out, so the next part reuses them.
    /// Returned tensors belong to the step's tape. Hidden states not used by a feature term are null.
    /// </summary>
    private (Tensor Final, IReadOnlyList<Tensor> Hidden) TeacherForward(Tensor ids)
    {
        var teacher = Teacher!;
        if (ids.DType != DType.I32 || ids.Shape.Rank != 2)
            throw new ArgumentException($"Distiller: ids must be (B, T) I32, got {ids.Describe()}");
        int b = ids.Shape[0], t = ids.Shape[1];
        int perForward = Options.TeacherTokensPerForward == 0 ? b : Math.Clamp(Options.TeacherTokensPerForward / Math.Max(1, t), 1, Math.Max(1, b));
        var hidden = new Tensor[teacher.LayerCount + 1];
        if (perForward >= b)
        {
            using (Tape.NoGrad())
            {
                var o = teacher.Forward(ids, withLogits: false);
                for (int j = 0; j < hidden.Length; j++) hidden[j] = o.HiddenStates[j];
                return (o.Final, hidden);
            }
        }

        var be = Backend.For(ids);
        var final = Ops.NewTensor(new Shape(b, t, teacher.HiddenSize), DType.F32, ids.Device);        // (B, T, Ct)
        foreach (int j in _teacherLayersNeeded)
            hidden[j] = Ops.NewTensor(new Shape(b, t, teacher.HiddenSize), DType.F32, ids.Device);     // (B, T, Ct)
        for (int s = 0; s < b; s += perForward)
        {
            int count = Math.Min(perForward, b - s);
            using var part = ids.RowsUnrecorded(s, count);                                              // (count, T)
            using var partTape = Tape.Record();                                                         // owns this part's activations
            using var noGrad = Tape.NoGrad();
            var o = teacher.Forward(part, withLogits: false);
            using (var dst = final.RowsUnrecorded(s, count)) be.Copy(o.Final, dst);
            foreach (int j in _teacherLayersNeeded)
            {
                using var dst = hidden[j].RowsUnrecorded(s, count);
                be.Copy(o.HiddenStates[j], dst);
            }
        }
        return (final, hidden);
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        foreach (var f in _features) f.Dispose();
    }
}
