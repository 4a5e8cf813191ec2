// AdamW with decoupled weight decay and bias correction (torch.optim.AdamW), global-norm gradient
// clipping folded into the update (one pass per tensor), and no decay for rank-1 parameters (biases,
// norm weights) as is common practice. Holds its moment buffers; Dispose frees them.
using Distill.Backends;
using Distill.Tensors;

namespace Distill.Optim;

public sealed class AdamW : IDisposable
{
    private readonly Tensor[] _params;
    private readonly Tensor[] _m;
    private readonly Tensor[] _v;
    private readonly bool[] _decay;

    /// <param name="parameters">Tensors to train (RequiresGrad is set on them).</param>
    /// <param name="decays">Which get weight decay; default: rank >= 2 (matrices, embeddings), not biases or norms.</param>
    public AdamW(IEnumerable<Tensor> parameters, AdamWOptions? options = null, Func<Tensor, bool>? decays = null)
    {
        Options = options ?? new AdamWOptions();
        _params = parameters.ToArray();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in _params)
        {
            if (p.DType != DType.F32) throw new ArgumentException($"AdamW: parameter {p.Describe()} must be F32");
            if (!seen.Add(p)) throw new ArgumentException($"AdamW: parameter {p.Describe()} is listed twice (tied weights are one tensor)");
            p.RequiresGrad = true;
        }
        decays ??= p => p.Shape.Rank >= 2;
        _decay = _params.Select(decays).ToArray();
        _m = _params.Select(p => Tensor.Zeros(p.Shape, DType.F32, p.Device)).ToArray();
        _v = _params.Select(p => Tensor.Zeros(p.Shape, DType.F32, p.Device)).ToArray();
    }

    public AdamWOptions Options { get; set; }
    /// <summary>The learning rate of the next step (a schedule sets it before each step).</summary>
    public float LearningRate { get => Options.LearningRate; set => Options = Options with { LearningRate = value }; }
    /// <summary>Steps taken so far.</summary>
    public int StepCount { get; private set; }
    public IReadOnlyList<Tensor> Parameters => _params;
    public IReadOnlyList<Tensor> FirstMoments => _m;
    public IReadOnlyList<Tensor> SecondMoments => _v;

    /// <summary>Global L2 norm of all parameter gradients (as clip_grad_norm_ computes it).</summary>
    public double GradNorm()
    {
        double sum = 0;
        foreach (var p in _params)
            if (p.Grad is not null) sum += Backend.For(p.Grad).SumSquares(p.Grad);
        return Math.Sqrt(sum);
    }

    /// <summary>Clips (if configured) and updates every parameter that has a gradient; returns the pre-clip norm.</summary>
    public double Step()
    {
        double norm = GradNorm();
        if (!double.IsFinite(norm))
            throw new InvalidOperationException($"AdamW: gradient norm is {norm} at step {StepCount + 1}; refusing to update");
        float scale = 1f;
        if (Options.MaxGradNorm is { } max && norm > max) scale = (float)(max / (norm + 1e-6));
        StepCount++;
        var o = Options;
        for (int i = 0; i < _params.Length; i++)
        {
            var p = _params[i];
            if (p.Grad is null) continue;
            Backend.For(p).AdamW(p, p.Grad, _m[i], _v[i], o.LearningRate, o.Beta1, o.Beta2, o.Eps,
                _decay[i] ? o.WeightDecay : 0f, StepCount, scale);
        }
        return norm;
    }

    /// <summary>Zeroes every parameter gradient (keeps the buffers).</summary>
    public void ZeroGrad() => Autograd.Ops.ZeroGrad(_params);

    public void Dispose()
    {
        foreach (var t in _m) t.Dispose();
        foreach (var t in _v) t.Dispose();
    }
}
