// Write-then-read round trips for every dtype Distill holds and awkward shapes (scalar, zero-size),
// metadata preserved exactly, byte-level agreement with the reference format, and BF16/F16 widening.
using System.Buffers.Binary;
using System.Text;
using Distill.IO;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.IO;

public class SafetensorsRoundTripTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<DType> AllDTypes() => new() { DType.F32, DType.BF16, DType.F16, DType.I32, DType.U8 };

    private static readonly int[][] Shapes = [[], [0], [3, 0, 2], [1], [7], [2, 3, 4], [1, 1, 1, 1, 5], [5, 1]];

    private static unsafe Tensor RandomTensor(Shape shape, DType dtype, int seed)
    {
        var t = Tensor.Empty(shape, dtype);
        var bytes = new Span<byte>((void*)t.Pointer, checked((int)t.Bytes));
        new Random(seed).NextBytes(bytes);
        return t;
    }

    private static unsafe byte[] BytesOf(Tensor t) => new ReadOnlySpan<byte>((void*)t.Pointer, checked((int)t.Bytes)).ToArray();

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void EveryDTypeAndShapeRoundTrips(DType dtype)
    {
        string path = _dir.File("rt.safetensors");
        var tensors = Shapes.Select((s, i) => ($"t{i}.{dtype}", RandomTensor(new Shape(s), dtype, i))).ToList();
        try
        {
            SafetensorsWriter.Write(path, tensors);
            using var st = SafetensorsFile.Open(path);
            Assert.Equal(tensors.Select(t => t.Item1), st.Names);
            foreach (var (name, t) in tensors)
            {
                var info = st.Info(name);
                Assert.Equal(dtype, info.DType);
                Assert.Equal(dtype.SafetensorsName(), info.DTypeName);
                Assert.Equal(t.Shape, info.Shape);
                Assert.Equal(t.Bytes, info.ByteLength);
                Assert.Equal(BytesOf(t), st.Bytes(name).ToArray());
                using var loaded = st.Load(name);
                Assert.Equal(dtype, loaded.DType);
                Assert.Equal(t.Shape, loaded.Shape);
                Assert.Equal(name, loaded.Name);
                Assert.Equal(BytesOf(t), BytesOf(loaded));
            }
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    [Fact]
    public void ScalarAndZeroSizeTensorsKeepTheirShapes()
    {
        string path = _dir.File("s.safetensors");
        using var scalar = Tensor.FromArray(new[] { 3.5f }); // shape ()
        using var empty = Tensor.Empty(new Shape(4, 0), DType.BF16);
        Assert.Equal(0, scalar.Shape.Rank);
        SafetensorsWriter.Write(path, [("scalar", scalar), ("empty", empty)]);
        using var st = SafetensorsFile.Open(path);
        Assert.Equal(0, st.Info("scalar").Shape.Rank);
        using var loaded = st.Load("scalar");
        Assert.Equal(0, loaded.Shape.Rank);
        Assert.Equal(new[] { 3.5f }, loaded.ToArray());
        Assert.Equal(new Shape(4, 0), st.Info("empty").Shape);
        Assert.Equal(0, st.Bytes("empty").Length);
        using var loadedEmpty = st.LoadF32("empty");
        Assert.Equal(new Shape(4, 0), loadedEmpty.Shape);
    }

    [Fact]
    public void MetadataIsPreservedExactly()
    {
        string path = _dir.File("m.safetensors");
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["empty"] = "",
            ["quotes \" and \\ backslash"] = "line1\nline2\ttab",
            ["unicode ключ"] = "値 ✓ 🙂",
            ["json"] = "{\"nested\": [1, 2]}",
            ["<html>&"] = "'single'",
        };
        using var t = Tensor.FromArray(new[] { 1f, 2f }, 2);
        SafetensorsWriter.Write(path, [("t", t)], metadata);
        using var st = SafetensorsFile.Open(path);
        Assert.Equal(metadata.OrderBy(kv => kv.Key), st.Metadata.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void NoMetadataReadsAsEmpty()
    {
        string path = _dir.File("n.safetensors");
        using var t = Tensor.FromArray(new[] { 1 }, 1);
        SafetensorsWriter.Write(path, [("t", t)]);
        using var st = SafetensorsFile.Open(path);
        Assert.Empty(st.Metadata);
        Assert.DoesNotContain("__metadata__", File.ReadAllText(path));
    }

    [Fact]
    public void HeaderIsPaddedToEightBytesWithSpaces()
    {
        for (int nameLength = 1; nameLength <= 9; nameLength++)
        {
            string path = _dir.File($"p{nameLength}.safetensors");
            using var t = Tensor.FromArray(new byte[] { 1, 2, 3 }, 3);
            SafetensorsWriter.Write(path, [(new string('x', nameLength), t)]);
            var bytes = File.ReadAllBytes(path);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0UL, n % 8);
            string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
            Assert.EndsWith("}", header.TrimEnd(' '));
            Assert.Equal(8 + (long)n + 3, bytes.Length);
        }
    }

    // Byte-exact agreement with the reference writer's own test vectors (huggingface/safetensors tests):
    // one F32 tensor (1, 2, 3) named "attn.0", an empty file, and an empty file with metadata.
    [Fact]
    public void WriterMatchesReferenceBytes()
    {
        var data = new[] { 0f, 1f, 2f, 3f, 4f, 5f };
        string json = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        Assert.Equal(64, json.Length); // already a multiple of 8: no padding
        var expected = SafetensorsBytes.Build(json, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

        string path = _dir.File("ref.safetensors");
        using var t = Tensor.FromArray(data, 1, 2, 3);
        SafetensorsWriter.Write(path, [("attn.0", t)]);
        Assert.Equal(expected, File.ReadAllBytes(path));

        SafetensorsWriter.Write(path, Array.Empty<(string, Tensor)>());
        Assert.Equal(SafetensorsBytes.Build("{}      "), File.ReadAllBytes(path));

        SafetensorsWriter.Write(path, Array.Empty<(string, Tensor)>(), new Dictionary<string, string> { ["framework"] = "pt" });
        Assert.Equal(SafetensorsBytes.Build("{\"__metadata__\":{\"framework\":\"pt\"}}     "), File.ReadAllBytes(path));
        using var st = SafetensorsFile.Open(path);
        Assert.Equal("pt", st.Metadata["framework"]);
    }

    [Fact]
    public void RawBytesOverloadWritesInOrder()
    {
        string path = _dir.File("raw.safetensors");
        var a = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        var b = new byte[] { 9, 10 };
        SafetensorsWriter.Write(path, [("z", DType.I32, new Shape(2), (ReadOnlyMemory<byte>)a), ("a", DType.U8, new Shape(1, 2), b)]);
        using var st = SafetensorsFile.Open(path);
        Assert.Equal(new[] { "z", "a" }, st.Names);
        Assert.Equal(a, st.Bytes("z").ToArray());
        Assert.Equal(new[] { 0x04030201, 0x08070605 }, st.Load("z").ToArray<int>());
        Assert.Equal(b, st.Bytes("a").ToArray());
        Assert.Equal(new Shape(1, 2), st.Info("a").Shape);
    }

    [Fact]
    public void LoadF32WidensBf16AndF16Exactly()
    {
        var values = Rand.Normal(1031, seed: 7, std: 3f).Concat([0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 1e-6f, 65504f]).ToArray();
        var bf = values.Select(v => (BFloat16)v).ToArray();
        var h = values.Select(v => (Half)v).ToArray();
        string path = _dir.File("w.safetensors");
        using (var tb = Tensor.FromArray(bf, bf.Length))
        using (var th = Tensor.FromArray(h, 1, h.Length))
        using (var tf = Tensor.FromArray(values, values.Length))
            SafetensorsWriter.Write(path, [("bf", tb), ("h", th), ("f", tf)]);
        using var st = SafetensorsFile.Open(path);
        using var lb = st.LoadF32("bf");
        using var lh = st.LoadF32("h");
        using var lf = st.LoadF32("f");
        Assert.Equal(DType.F32, lb.DType);
        Assert.Equal(new Shape(1, h.Length), lh.Shape);
        Assert.Equal(bf.Select(x => (float)x), lb.ToArray());
        Assert.Equal(h.Select(x => (float)x), lh.ToArray());
        Assert.Equal(values, lf.ToArray());
    }

    [Fact]
    public void LoadF32RefusesIntegerTensors()
    {
        string path = _dir.File("i.safetensors");
        using var t = Tensor.FromArray(new[] { 1, 2 }, 2);
        SafetensorsWriter.Write(path, [("ids", t)]);
        using var st = SafetensorsFile.Open(path);
        var e = Assert.Throws<NotSupportedException>(() => st.LoadF32("ids"));
        Assert.Contains("'ids'", e.Message);
        Assert.Contains("I32", e.Message);
    }

    [Fact]
    public void DisposeIsIdempotentAndLaterReadsThrow()
    {
        string path = _dir.File("d.safetensors");
        using var t = Tensor.FromArray(new[] { 1f }, 1);
        SafetensorsWriter.Write(path, [("t", t)]);
        var st = SafetensorsFile.Open(path);
        using var loaded = st.Load("t");
        st.Dispose();
        st.Dispose();
        Assert.Throws<ObjectDisposedException>(() => st.Bytes("t").Length);
        Assert.Throws<ObjectDisposedException>(() => st.Load("t"));
        Assert.Equal(new[] { 1f }, loaded.ToArray()); // loaded tensors are copies, independent of the mapping
        Assert.True(st.Contains("t"));                 // header facts stay available
    }

    [Fact]
    public void OpenMissingFileThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(_dir.File("absent.safetensors")));
}
