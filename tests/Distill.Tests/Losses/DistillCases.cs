// Shared data and runners for the distillation-loss tests: random student/teacher rows at different
// scales, targets with ignored rows, top-k teachers, and the fused kernel and the double twin run on them.
using Distill.Backends.Cpu;
using Distill.Losses;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.Losses;

internal static class DistillCases
{
    public static readonly Divergence[] All = Enum.GetValues<Divergence>();

    /// <summary>Vocabulary sizes for kernel-vs-twin sweeps: every size 1..256, odd ones, multi-block ones (block 1024) and 8192.</summary>
    public static IEnumerable<int> Vocabs()
    {
        for (int n = 1; n <= 256; n++) yield return n;
        foreach (var n in new[] { 257, 511, 1023, 1025, 1031, 2049, 4097, 8192 }) yield return n;
    }

    public static DistillLossOptions Options(Divergence d, float temperature, SparseTail tail = SparseTail.Renormalize) => new()
    {
        Divergence = d,
        Temperature = temperature,
        Beta = 0.3f,
        Alpha = 0.2f,
        TaidT = 0.6f,
        SoftWeight = 0.7f,
        HardWeight = 0.3f,
        Tail = tail,
    };

    /// <summary>Student ~ N(0, 2) shifted, teacher ~ N(0, 3): different scales and offsets, as real models give.</summary>
    public static (float[] Student, float[] Teacher) Logits(int rows, int v, int seed)
    {
        var s = Rand.Normal(rows * v, seed, 2f);
        var t = Rand.Normal(rows * v, seed + 1000, 3f);
        for (int i = 0; i < s.Length; i++) { s[i] += 1.5f; t[i] -= 4f; }
        return (s, t);
    }

    /// <summary>Targets in [0, V) with about every fourth row ignored (row 1 always is when rows > 1).</summary>
    public static int[] Targets(int rows, int v, int seed, int ignore = -100)
    {
        var t = Rand.Ints(rows, seed, v);
        var rng = new Random(seed + 7);
        for (int r = 0; r < rows; r++)
            if (rng.Next(4) == 0 || r == 1) t[r] = ignore;
        return t;
    }

    /// <summary>The teacher's top-k ids (by value, largest first), their logits, and the full log-sum-exp of logits / T.</summary>
    public static (int[] Ids, float[] Top, float[] Lse) TopK(float[] teacher, int rows, int v, int k, float temperature)
    {
        var ids = new int[rows * k];
        var top = new float[rows * k];
        var lse = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = teacher.AsSpan(r * v, v).ToArray();
            var order = Enumerable.Range(0, v).OrderByDescending(i => row[i]).ThenBy(i => i).Take(k).ToArray();
            for (int j = 0; j < k; j++)
            {
                ids[r * k + j] = order[j];
                top[r * k + j] = row[order[j]];
            }
            double max = double.NegativeInfinity, sum = 0;
            foreach (var x in row) max = Math.Max(max, (double)x / temperature);
            foreach (var x in row) sum += Math.Exp((double)x / temperature - max);
            lse[r] = (float)(max + Math.Log(sum));
        }
        return (ids, top, lse);
    }

    public sealed record Outputs(float[] Soft, float[] Hard, float[]? Grad);

    /// <summary>The fused CPU kernel on host arrays.</summary>
    public static Outputs Kernel(float[] student, float[] teacher, int[]? targets, int rows, int v, DistillLossOptions o,
        bool grad = true, float softScale = 0.7f, float hardScale = 0.3f)
    {
        using var s = Tensor.FromArray(student, rows, v);
        using var t = Tensor.FromArray(teacher, rows, v);
        using var tg = targets is null ? null : Tensor.FromArray(targets, rows);
        using var soft = Tensor.Zeros(new Shape(rows));
        using var hard = Tensor.Zeros(new Shape(rows));
        using var ds = grad ? Tensor.Zeros(new Shape(rows, v)) : null;
        CpuBackend.Instance.DistillLoss(s, t, tg, o, soft, hard, ds, softScale, hardScale);
        return new Outputs(soft.ToArray(), hard.ToArray(), ds?.ToArray());
    }

    public static Outputs KernelSparse(float[] student, int[] ids, float[] top, float[] lse, int[]? targets, int rows, int v, int k,
        DistillLossOptions o, bool grad = true, float softScale = 0.7f, float hardScale = 0.3f)
    {
        using var s = Tensor.FromArray(student, rows, v);
        using var ti = Tensor.FromArray(ids, rows, k);
        using var tt = Tensor.FromArray(top, rows, k);
        using var tl = Tensor.FromArray(lse, rows);
        using var tg = targets is null ? null : Tensor.FromArray(targets, rows);
        using var soft = Tensor.Zeros(new Shape(rows));
        using var hard = Tensor.Zeros(new Shape(rows));
        using var ds = grad ? Tensor.Zeros(new Shape(rows, v)) : null;
        CpuBackend.Instance.DistillLossSparse(s, ti, tt, tl, tg, o, soft, hard, ds, softScale, hardScale);
        return new Outputs(soft.ToArray(), hard.ToArray(), ds?.ToArray());
    }

    /// <summary>The scalar twin in double on the same data, rounded to float for comparison.</summary>
    public static Outputs Twin(float[] student, float[] teacher, int[]? targets, int rows, int v, DistillLossOptions o,
        double softScale = 0.7, double hardScale = 0.3)
    {
        var soft = new double[rows];
        var hard = new double[rows];
        var ds = new double[rows * v];
        CpuReference.DistillLoss<double>(ToDouble(student), ToDouble(teacher), targets ?? [], v, o, soft, hard, ds, softScale, hardScale);
        return new Outputs(ToFloat(soft), ToFloat(hard), ToFloat(ds));
    }

    public static Outputs TwinSparse(float[] student, int[] ids, float[] top, float[] lse, int[]? targets, int rows, int v,
        DistillLossOptions o, double softScale = 0.7, double hardScale = 0.3)
    {
        var soft = new double[rows];
        var hard = new double[rows];
        var ds = new double[rows * v];
        CpuReference.DistillLossSparse<double>(ToDouble(student), ids, ToDouble(top), ToDouble(lse), targets ?? [], v, o, soft, hard, ds,
            softScale, hardScale);
        return new Outputs(ToFloat(soft), ToFloat(hard), ToFloat(ds));
    }

    /// <summary>Losses within 1e-6 + 1e-5 relative, gradients within 1e-5 + 1e-4 relative.</summary>
    public static void AssertClose(Outputs expected, Outputs actual, string what)
    {
        Close.All(expected.Soft, actual.Soft, 1e-6, 1e-5, what + " soft loss");
        Close.All(expected.Hard, actual.Hard, 1e-6, 1e-5, what + " hard loss");
        if (expected.Grad is not null && actual.Grad is not null)
            Close.All(expected.Grad, actual.Grad, 1e-5, 1e-4, what + " dStudent");
    }

    public static double[] ToDouble(float[] a) => Array.ConvertAll(a, x => (double)x);
    public static float[] ToFloat(double[] a) => Array.ConvertAll(a, x => (float)x);
}
