// One golden reference file (tests/reference/golden/<case>.safetensors, written by make_reference.py)
// opened for a test: tensors by name as CPU tensors, and the __metadata__ hyperparameters.
// Stand-in: parses the file itself until the project's safetensors reader (Support/Golden.cs) lands.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Distill.Tensors;

namespace Distill.Tests.GoldenTests;

public sealed class GoldenCase : IDisposable
{
    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, (string DType, int[] Shape, long Begin, long End)> _entries = new();
    private readonly List<Tensor> _loaded = new();

    private GoldenCase(string path)
    {
        Path = path;
        _bytes = File.ReadAllBytes(path);
        long headerLen = BitConverter.ToInt64(_bytes, 0);
        _dataStart = 8 + headerLen;
        using var doc = JsonDocument.Parse(_bytes.AsMemory(8, checked((int)headerLen)));
        var meta = new Dictionary<string, string>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                foreach (var m in p.Value.EnumerateObject()) meta[m.Name] = m.Value.GetString()!;
                continue;
            }
            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var off = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            _entries[p.Name] = (p.Value.GetProperty("dtype").GetString()!, shape, off[0], off[1]);
        }
        Metadata = meta;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens golden/&lt;fileName&gt; next to the test assembly (copied there by the test project).</summary>
    public static GoldenCase Open(string fileName)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "golden", fileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Golden file {path} is missing; regenerate with tests/reference/make_reference.py", path);
        return new GoldenCase(path);
    }

    public float MetaFloat(string key) => float.Parse(Meta(key), CultureInfo.InvariantCulture);
    public int MetaInt(string key) => int.Parse(Meta(key), CultureInfo.InvariantCulture);
    public bool MetaBool(string key) => bool.Parse(Meta(key));

    public string Meta(string key) => Metadata.TryGetValue(key, out var v) ? v
        : throw new KeyNotFoundException($"{System.IO.Path.GetFileName(Path)}: no metadata '{key}' (has {string.Join(", ", Metadata.Keys)})");

    /// <summary>An F32 tensor, owned by this case (disposed with it, gradient included).</summary>
    public Tensor LoadF32(string name) => Load(name, "F32");
    public Tensor LoadI32(string name) => Load(name, "I32");
    /// <summary>A tensor in its stored dtype (F32, I32, BF16, F16).</summary>
    public Tensor Load(string name) => Load(name, null);

    public int[] ShapeOf(string name) => Entry(name).Shape;

    private (string DType, int[] Shape, long Begin, long End) Entry(string name) =>
        _entries.TryGetValue(name, out var e) ? e
            : throw new KeyNotFoundException($"{System.IO.Path.GetFileName(Path)}: no tensor '{name}' (has {string.Join(", ", _entries.Keys)})");

    private Tensor Load(string name, string? want)
    {
        var (dtype, shape, begin, end) = Entry(name);
        if (want is not null && dtype != want)
            throw new InvalidOperationException($"{System.IO.Path.GetFileName(Path)}: '{name}' is {dtype}, expected {want}");
        var raw = _bytes.AsSpan(checked((int)(_dataStart + begin)), checked((int)(end - begin)));
        Tensor t = dtype switch
        {
            "F32" => Tensor.FromArray(MemoryMarshal.Cast<byte, float>(raw), shape),
            "I32" => Tensor.FromArray(MemoryMarshal.Cast<byte, int>(raw), shape),
            "BF16" => Tensor.FromArray(MemoryMarshal.Cast<byte, BFloat16>(raw), shape),
            "F16" => Tensor.FromArray(MemoryMarshal.Cast<byte, Half>(raw), shape),
            _ => throw new NotSupportedException($"{name}: dtype {dtype}"),
        };
        t.Name = name;
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
    }
}
