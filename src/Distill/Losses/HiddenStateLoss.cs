// Hidden-state distillation losses as autograd ops built from Ops: MSE and cosine distance between the
// (projected) student states and the teacher's, which receive no gradient.
using Distill.Autograd;
using Distill.Tensors;

namespace Distill.Losses;

public static class HiddenStateLoss
{
    /// <summary>mean over all elements of (student - teacher)^2; both (..., C), same shape.</summary>
    public static Tensor Mse(Tensor student, Tensor teacher)
    {
        Check("HiddenStateLoss.Mse", student, teacher);
        var diff = Ops.Add(student, Ops.Scale(teacher, -1f));
        return Ops.Mean(Ops.Mul(diff, diff));
    }

    /// <summary>mean over rows (tokens) of 1 - cos(student_r, teacher_r); both (..., C), same shape.</summary>
    public static Tensor Cosine(Tensor student, Tensor teacher)
    {
        Check("HiddenStateLoss.Cosine", student, teacher);
        return Ops.AddScalar(Ops.Scale(Ops.Mean(Ops.CosineSimilarity(student, teacher)), -1f), 1f);
    }

    /// <summary>The loss of the given kind.</summary>
    public static Tensor Of(FeatureLossKind kind, Tensor student, Tensor teacher) => kind switch
    {
        FeatureLossKind.Mse => Mse(student, teacher),
        FeatureLossKind.Cosine => Cosine(student, teacher),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "HiddenStateLoss: unknown kind"),
    };

    private static void Check(string op, Tensor student, Tensor teacher)
    {
        if (student.Shape != teacher.Shape)
            throw new ArgumentException($"{op}: student {student.Shape} and teacher {teacher.Shape} hidden states differ in shape (project the student first)");
    }
}
