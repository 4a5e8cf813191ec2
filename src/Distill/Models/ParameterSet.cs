// A model's trainable tensors under their Hugging Face names, in a fixed order, with the shape each
// must have. Loading checks every name and shape before a value is copied; one owner disposes them.
using Distill.Tensors;

namespace Distill.Models;

public sealed class ParameterSet : IDisposable
{
    private readonly List<(string Name, Tensor Tensor)> _list = new();
    private readonly Dictionary<string, Tensor> _byName = new();

    /// <summary>Adds a zero-filled parameter of the given shape.</summary>
    public Tensor Add(string name, Shape shape)
    {
        if (_byName.ContainsKey(name)) throw new ArgumentException($"ParameterSet: '{name}' added twice");
        var t = Tensor.Zeros(shape);
        t.Name = name;
        t.RequiresGrad = true;
        _list.Add((name, t));
        _byName[name] = t;
        return t;
    }

    public Tensor this[string name] => _byName.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"ParameterSet: no parameter '{name}'");

    public bool Contains(string name) => _byName.ContainsKey(name);
    public IReadOnlyList<(string Name, Tensor Tensor)> Named => _list;
    public IEnumerable<Tensor> Tensors => _list.Select(p => p.Tensor);
    public int Count => _list.Count;
    public long Numel => _list.Sum(p => p.Tensor.Numel);

    public void Dispose()
    {
        foreach (var (_, t) in _list)
        {
            t.Grad?.Dispose();
            t.Grad = null;
            t.Dispose();
        }
    }
}
