// The distillation example in README.md, kept compiling and working: if this changes, change the README too.
using Distill.Losses;
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;
using Distill.Tests.Support;
using Distill.Training;

namespace Distill.Tests.Distillation;

public class ReadmeDistillExampleTests
{
    [Fact]
    public void ReadmeDistillExampleRuns()
    {
        string teacherDir = Golden.PathOf(Path.Combine("models", "distill_teacher"));
        string studentDir = Golden.PathOf(Path.Combine("models", "distill_student"));
        int[] tokens = Rand.Ints(2 * 9, 3, 101);
        var metrics = new List<DistillStepMetrics>();
        // --- README example start ---
        using var teacher = CausalLm.Load(teacherDir);          // frozen: runs with no tape
        using var student = CausalLm.Load(studentDir);          // same tokenizer / vocab
        var options = new DistillerOptions
        {
            Loss = new DistillLossOptions { Divergence = Divergence.ForwardKl, Temperature = 2f, SoftWeight = 0.5f, HardWeight = 0.5f },
            Optimizer = new AdamWOptions { LearningRate = 1e-3f, MaxGradNorm = 1f },
        };
        using var distiller = new Distiller(student, teacher, options);
        using var ids = Tensor.FromArray(tokens[..16], 2, 8);    // (B, T) inputs
        using var targets = Tensor.FromArray(tokens[2..], 2, 8); // next-token labels (-100 to mask)
        for (int step = 0; step < 3; step++)
        {
            var m = distiller.Step(ids, targets);                // teacher fwd, student fwd/bwd, chunked fused loss, AdamW
            Console.WriteLine($"step {step}: loss {m.Loss:F4} (soft {m.Soft:F4}, hard {m.Hard:F4})");
            metrics.Add(m);
        }
        student.Save(Path.Combine(Path.GetTempPath(), "distill-readme-student"));
        // --- README example end ---
        Assert.All(metrics, m => Assert.True(float.IsFinite(m.Loss) && m.Soft >= 0 && m.Hard > 0));
        Assert.True(metrics[^1].Loss < metrics[0].Loss, $"loss went from {metrics[0].Loss} to {metrics[^1].Loss}");
        Directory.Delete(Path.Combine(Path.GetTempPath(), "distill-readme-student"), recursive: true);
    }
}
