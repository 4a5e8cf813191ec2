// Runs an op on golden inputs under a Tape and compares with PyTorch: the output y, then, after
// backpropagating the stored upstream gradient dy (as from loss = sum(y * dy)), each input's gradient
// d<name>. The seed is a tape entry of its own, so each op's test needs only that op's kernels.
using Distill.Autograd;
using Distill.Tensors;
using Distill.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Distill.Tests.GoldenTests;

/// <summary>Tolerances |ours - torch| &lt;= atol + rtol |torch| for the output and for the gradients; 0, 0 means bit-equal.</summary>
public readonly record struct Tol(double OutAtol, double OutRtol, double GradAtol, double GradRtol)
{
    /// <summary>
    /// Outputs and gradients at 1e-5 + 1e-4 |ref| (gradients 10x tighter than the usual 1e-4 + 1e-3). Torch's
    /// float32 results are within 7% (outputs) and 21% (gradients, matmul_shared db) of these tolerances of a
    /// float64 recomputation on the same inputs, so a correct float32 kernel has ample room.
    /// </summary>
    public static readonly Tol Default = new(1e-5, 1e-4, 1e-5, 1e-4);
}

public static class GoldenCheck
{
    /// <summary>
    /// Loads the F32 inputs named in gradInputs with RequiresGrad, builds y = op(file, inputs) on a tape
    /// (op may load further, non-differentiable tensors from the file), checks y against "y", seeds "dy"
    /// and checks every input's gradient against "d" + name.
    /// </summary>
    public static void Run(string file, string[] gradInputs, Func<GoldenCase, Tensor[], Tensor> op, Tol tol, ITestOutputHelper? log = null)
    {
        using var g = GoldenCase.Open(file);
        var xs = gradInputs.Select(n =>
        {
            var t = g.LoadF32(n);
            t.RequiresGrad = true;
            return t;
        }).ToArray();
        var yExpected = g.LoadF32("y");
        var dy = g.LoadF32("dy");
        using (var tape = Tape.Record())
        {
            var y = op(g, xs);
            Compare(yExpected, y, tol.OutAtol, tol.OutRtol, $"{file}: y", log);
            tape.Backward(SeedLoss(tape, y, dy));
        }
        foreach (var x in xs)
        {
            var expected = g.LoadF32("d" + x.Name);
            if (x.Grad is null) throw new XunitException($"{file}: {x.Describe()} got no gradient");
            Compare(expected, x.Grad, tol.GradAtol, tol.GradRtol, $"{file}: d{x.Name}", log);
        }
    }

    /// <summary>
    /// A scalar whose backward adds dy to y's gradient: the gradient of sum(y * dy) without the Mul and
    /// Sum kernels (its value is not computed and stays 0).
    /// </summary>
    public static Tensor SeedLoss(Tape tape, Tensor y, Tensor dy)
    {
        if (y.Shape != dy.Shape) throw new XunitException($"output {y.Describe()} does not match dy {dy.Describe()}");
        if (!y.RequiresGrad) throw new XunitException($"output {y.Describe()} does not require grad: the op recorded nothing");
        var loss = Tensor.Zeros(new Shape(1));
        tape.Own(loss);
        loss.RequiresGrad = true;
        tape.Push(loss, () =>
        {
            float g = loss.Grad!.Item();
            var d = Ops.GradOf(y).AsSpan();
            var s = dy.AsSpan();
            for (int i = 0; i < d.Length; i++) d[i] += g * s[i];
        });
        return loss;
    }

    /// <summary>Shape check, then Close.All (or bit-equality, NaN-aware, when atol = rtol = 0).</summary>
    public static void Compare(Tensor expected, Tensor actual, double atol, double rtol, string what, ITestOutputHelper? log = null)
    {
        if (expected.Shape != actual.Shape)
            throw new XunitException($"{what}: shape {actual.Shape}, expected {expected.Shape}");
        ReadOnlySpan<float> e = expected.AsSpan(), a = actual.AsSpan();
        log?.WriteLine($"{what}: max |diff| {MaxAbsDiff(e, a):G3}, worst {Worst(e, a, atol, rtol):G3} x tolerance (atol {atol:G2}, rtol {rtol:G2})");
        if (atol == 0 && rtol == 0) Exact(e, a, what);
        else Close.All(e, a, atol, rtol, what);
    }

    public static void Exact(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) ? !float.IsNaN(a) : e != a)
                throw new XunitException($"{what}[{i}]: {a:R}, expected exactly {e:R} (|diff| {Math.Abs(a - e):G3})");
        }
    }

    private static double MaxAbsDiff(ReadOnlySpan<float> e, ReadOnlySpan<float> a)
    {
        double m = 0;
        for (int i = 0; i < Math.Min(e.Length, a.Length); i++)
            if (!float.IsNaN(e[i])) m = Math.Max(m, Math.Abs((double)a[i] - e[i]));
        return m;
    }

    private static double Worst(ReadOnlySpan<float> e, ReadOnlySpan<float> a, double atol, double rtol)
    {
        if (atol == 0 && rtol == 0) return MaxAbsDiff(e, a) == 0 ? 0 : double.PositiveInfinity;
        double w = 0;
        for (int i = 0; i < Math.Min(e.Length, a.Length); i++)
            if (!float.IsNaN(e[i])) w = Math.Max(w, Math.Abs((double)a[i] - e[i]) / (atol + rtol * Math.Abs((double)e[i])));
        return w;
    }
}
