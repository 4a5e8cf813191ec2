// One golden reference file (tests/reference/golden/<case>.safetensors, written by make_reference.py)
// opened for a test through Support.Golden: tensors by name, owned by the case and disposed with it
// (gradients included), and typed access to the __metadata__ hyperparameters.
using System.Globalization;
using Distill.IO;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.GoldenTests;

public sealed class GoldenCase : IDisposable
{
    private readonly SafetensorsFile _file;
    private readonly List<Tensor> _loaded = new();

    private GoldenCase(SafetensorsFile file) => _file = file;

    /// <summary>Opens golden/&lt;fileName&gt; next to the test assembly.</summary>
    public static GoldenCase Open(string fileName) => new(Golden.Open(fileName));

    public string Name => Path.GetFileName(_file.Path);
    public IReadOnlyDictionary<string, string> Metadata => _file.Metadata;

    public string Meta(string key) => Metadata.TryGetValue(key, out var v) ? v
        : throw new KeyNotFoundException($"{Name}: no metadata '{key}' (has {string.Join(", ", Metadata.Keys)})");
    public float MetaFloat(string key) => float.Parse(Meta(key), CultureInfo.InvariantCulture);
    public int MetaInt(string key) => int.Parse(Meta(key), CultureInfo.InvariantCulture);
    public bool MetaBool(string key) => bool.Parse(Meta(key));

    /// <summary>An F32 tensor as stored (the golden F32 tensors are never widened).</summary>
    public Tensor LoadF32(string name) => Load(name, DType.F32);
    public Tensor LoadI32(string name) => Load(name, DType.I32);
    /// <summary>A tensor in its stored dtype (F32, I32, BF16, F16).</summary>
    public Tensor Load(string name) => Keep(_file.Load(name));

    private Tensor Load(string name, DType want)
    {
        var t = Load(name);
        if (t.DType != want) throw new InvalidOperationException($"{Name}: '{name}' is {t.DType}, expected {want}");
        return t;
    }

    private Tensor Keep(Tensor t)
    {
        _loaded.Add(t);
        return t;
    }

    public void Dispose()
    {
        foreach (var t in _loaded)
        {
            t.Grad?.Dispose();
            t.Grad = null;
            t.Dispose();
        }
        _loaded.Clear();
        _file.Dispose();
    }
}
