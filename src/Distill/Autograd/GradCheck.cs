// Finite-difference gradient check for any differentiable op built from Ops: compares the tape's
// gradients of L = sum(r * f(inputs)) (r a fixed random weighting) with central differences.
// Float32 forward passes, double accumulation of L; meant for small shapes.
using Distill.Tensors;

namespace Distill.Autograd;

public static class GradCheck
{
    public sealed record Result(string Input, int Index, double Analytic, double Numeric, double Error);

    /// <summary>
    /// Returns the worst element (largest |analytic - numeric| / (atol + rtol * |numeric|)) over every
    /// input that requires grad. f must build its output from the given inputs with Ops.
    /// </summary>
    public static Result Worst(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-2, double atol = 1e-3, double rtol = 1e-2, int seed = 1)
    {
        float[] weights;
        var analytic = new float[inputs.Length][];
        foreach (var x in inputs) x.Grad?.Dispose();
        foreach (var x in inputs) x.Grad = null;
        using (var tape = Tape.Record())
        {
            var y = f(inputs);
            var rng = new Random(seed);
            weights = new float[y.Numel];
            for (int i = 0; i < weights.Length; i++) weights[i] = (float)(rng.NextDouble() * 2 - 1);
            var r = Tensor.FromArray(weights, y.Shape.ToArray());
            tape.Own(r);
            var loss = Ops.Sum(Ops.Mul(y, r));
            tape.Backward(loss);
            for (int i = 0; i < inputs.Length; i++)
                analytic[i] = inputs[i].RequiresGrad ? Ops.GradOf(inputs[i]).ToArray() : [];
        }
        Result worst = new("", -1, 0, 0, 0);
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            if (!x.RequiresGrad) continue;
            var data = x.AsSpan();
            for (int j = 0; j < data.Length; j++)
            {
                float saved = data[j];
                data[j] = (float)(saved + eps);
                double plus = Objective(f, inputs, weights);
                data[j] = (float)(saved - eps);
                double minus = Objective(f, inputs, weights);
                data[j] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double err = Math.Abs(analytic[i][j] - numeric) / (atol + rtol * Math.Abs(numeric));
                if (err > worst.Error) worst = new Result(x.Name ?? $"input {i}", j, analytic[i][j], numeric, err);
            }
        }
        foreach (var x in inputs) { x.Grad?.Dispose(); x.Grad = null; }
        return worst;
    }

    private static double Objective(Func<Tensor[], Tensor> f, Tensor[] inputs, float[] weights)
    {
        using var owner = Tape.Record();   // owns every temporary f makes
        using var _ = Tape.NoGrad();
        var y = f(inputs);
        var v = y.AsSpan();
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += (double)v[i] * weights[i];
        return s;
    }
}
