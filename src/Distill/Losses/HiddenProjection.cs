// The learned projection P of hidden-state distillation: a linear map from the student's width to the
// teacher's (weight (Ct, Cs) as torch.nn.Linear, and a bias), trained with the student.
using Distill.Autograd;
using Distill.Tensors;

namespace Distill.Losses;

public sealed class HiddenProjection : IDisposable
{
    /// <summary>torch.nn.Linear's default initialisation: weight and bias ~ U(-1/sqrt(Cs), 1/sqrt(Cs)), from a seeded generator.</summary>
    public HiddenProjection(int studentWidth, int teacherWidth, int seed, string name = "projection")
    {
        if (studentWidth <= 0 || teacherWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(studentWidth), $"HiddenProjection: widths {studentWidth} -> {teacherWidth} must be positive");
        Weight = Tensor.Empty(new Shape(teacherWidth, studentWidth));   // (Ct, Cs)
        Bias = Tensor.Empty(new Shape(teacherWidth));                   // (Ct)
        Weight.Name = name + ".weight";
        Bias.Name = name + ".bias";
        var rng = new Random(seed);
        float bound = 1f / MathF.Sqrt(studentWidth);
        foreach (var t in new[] { Weight, Bias })
        {
            var s = t.AsSpan();
            for (int i = 0; i < s.Length; i++) s[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
            t.RequiresGrad = true;
        }
    }

    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public int StudentWidth => Weight.Shape[1];
    public int TeacherWidth => Weight.Shape[0];
    public IEnumerable<Tensor> Parameters => [Weight, Bias];

    /// <summary>x (..., Cs) -> (..., Ct).</summary>
    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);

    public void Dispose()
    {
        foreach (var t in Parameters)
        {
            t.Grad?.Dispose();
            t.Grad = null;
            t.Dispose();
        }
    }
}
