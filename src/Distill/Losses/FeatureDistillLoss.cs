// One hidden-state loss term over a layer map, with the projections it trains: for each pair
// (student layer i -> teacher layer j), P_i h_S[i] against h_T[j] (P_i only when the widths differ);
// the term is the mean of the per-pair losses.
using Distill.Autograd;
using Distill.Tensors;

namespace Distill.Losses;

public sealed class FeatureDistillLoss : IDisposable
{
    private readonly HiddenProjection?[] _projections;

    /// <param name="studentLayers">Student hidden states available (layers + 1, the embedding output included).</param>
    /// <param name="teacherLayers">Teacher hidden states available (layers + 1).</param>
    public FeatureDistillLoss(FeatureLossTerm term, int studentWidth, int teacherWidth, int studentLayers, int teacherLayers, int seed = 0)
    {
        Term = term.Validate();
        _projections = new HiddenProjection?[term.LayerMap.Count];
        for (int i = 0; i < _projections.Length; i++)
        {
            var p = term.LayerMap[i];
            if (p.Student < 0 || p.Student >= studentLayers || p.Teacher < 0 || p.Teacher >= teacherLayers)
                throw new ArgumentOutOfRangeException(nameof(term),
                    $"FeatureDistillLoss: layer pair {p} is outside the hidden states (student 0..{studentLayers - 1}, teacher 0..{teacherLayers - 1})");
            if (studentWidth != teacherWidth)
                _projections[i] = new HiddenProjection(studentWidth, teacherWidth, seed + i, $"feature.{term.Kind}.{p.Student}_{p.Teacher}.projection");
        }
    }

    public FeatureLossTerm Term { get; }
    /// <summary>One projection per layer pair (null where the widths are equal).</summary>
    public IReadOnlyList<HiddenProjection?> Projections => _projections;
    public IEnumerable<Tensor> Parameters => _projections.Where(p => p is not null).SelectMany(p => p!.Parameters);

    /// <summary>The unweighted term (a one-element tensor) from the two models' hidden states.</summary>
    public Tensor Compute(IReadOnlyList<Tensor> studentHidden, IReadOnlyList<Tensor> teacherHidden)
    {
        Tensor? total = null;
        for (int i = 0; i < _projections.Length; i++)
        {
            var pair = Term.LayerMap[i];
            var hs = studentHidden[pair.Student];
            var projected = _projections[i]?.Forward(hs) ?? hs;
            var loss = HiddenStateLoss.Of(Term.Kind, projected, teacherHidden[pair.Teacher]);
            total = total is null ? loss : Ops.Add(total, loss);
        }
        return _projections.Length == 1 ? total! : Ops.Scale(total!, 1f / _projections.Length);
    }

    public void Dispose()
    {
        foreach (var p in _projections) p?.Dispose();
    }
}
