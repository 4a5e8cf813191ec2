// Where the time of one distillation step went, phase by phase (for profiling against the PyTorch split).
namespace Distill.Training;

/// <summary>Milliseconds per phase; "loss" is the fused student head + loss + head gradients (and the teacher's head).</summary>
public readonly record struct DistillStepTimings(double TeacherForwardMs, double StudentForwardMs, double LossMs,
    double FeatureMs, double BackwardMs, double OptimizerMs)
{
    public double TotalMs => TeacherForwardMs + StudentForwardMs + LossMs + FeatureMs + BackwardMs + OptimizerMs;
    public override string ToString() =>
        $"teacher fwd {TeacherForwardMs:F1} / student fwd {StudentForwardMs:F1} / loss {LossMs:F1} / features {FeatureMs:F1} / backward {BackwardMs:F1} / AdamW {OptimizerMs:F1} ms";
}
