// Reads a safetensors file through a read-only memory mapping: the header is validated in full on Open
// (see SafetensorsHeader), then tensors are served as byte spans over the mapping or copied into new
// CPU tensors (Load), optionally widened from BF16/F16 to F32 (LoadF32). Reads may run concurrently;
// Dispose must not race them, and spans from Bytes are valid only until Dispose.
using Distill.Tensors;

namespace Distill.IO;

public sealed unsafe class SafetensorsFile : IDisposable
{
    private const int HeaderLengthBytes = 8;

    private readonly MappedFile _mapped;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;
    private readonly long _dataStart; // file offset of the data buffer: 8 + header length

    private SafetensorsFile(string path, MappedFile mapped, SafetensorsHeader header, long dataStart)
    {
        Path = path;
        _mapped = mapped;
        _dataStart = dataStart;
        Metadata = header.Metadata.AsReadOnly();
        Names = header.Tensors.Select(t => t.Name).ToArray();
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The path as given to <see cref="Open"/>; used in every message.</summary>
    public string Path { get; }

    /// <summary>The "__metadata__" entries exactly as stored (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor names in the order their data lies in the file.</summary>
    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>Size of the whole file in bytes.</summary>
    public long FileLength => _mapped.Length;

    /// <summary>Maps <paramref name="path"/> and validates its header; throws InvalidDataException on any malformation.</summary>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var mapped = MappedFile.Open(path);
        try
        {
            long length = mapped.Length;
            if (length < HeaderLengthBytes)
                throw SafetensorsErrors.Invalid(path, null,
                    $"file is {length} bytes, too short to hold the 8-byte header length (empty or truncated file)");
            byte* p = mapped.Pointer;
            ulong headerLength = BitConverter.IsLittleEndian
                ? *(ulong*)p
                : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(*(ulong*)p);
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
                throw SafetensorsErrors.Invalid(path, null,
                    $"header length {headerLength} bytes exceeds the {SafetensorsHeader.MaxHeaderBytes}-byte limit (corrupt, or not a safetensors file)");
            if ((long)headerLength > length - HeaderLengthBytes)
                throw SafetensorsErrors.Invalid(path, null,
                    $"header length {headerLength} bytes runs past the end of the {length}-byte file (truncated file)");

            var json = new ReadOnlySpan<byte>(p + HeaderLengthBytes, (int)headerLength).ToArray();
            long dataStart = HeaderLengthBytes + (long)headerLength;
            var header = SafetensorsHeader.Parse(path, json, length - dataStart);
            return new SafetensorsFile(path, mapped, header, dataStart);
        }
        catch
        {
            mapped.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Dtype, shape and offsets of one tensor.</summary>
    public SafetensorsTensorInfo Info(string name) =>
        _byName.TryGetValue(name, out var info) ? info : throw Missing(name);

    /// <summary>The tensor's raw little-endian bytes over the mapping; valid until Dispose. At most 2 GiB; use Load beyond that.</summary>
    public ReadOnlySpan<byte> Bytes(string name)
    {
        var info = Info(name);
        if (info.ByteLength > int.MaxValue)
            throw new InvalidOperationException($"safetensors '{Path}': tensor {SafetensorsNames.Quote(name)} is {info.ByteLength} bytes, too large for a span; use Load");
        return new ReadOnlySpan<byte>(DataPointer(info), (int)info.ByteLength);
    }

    /// <summary>Copies the tensor into a new CPU tensor of the file's dtype (named after it).</summary>
    public Tensor Load(string name)
    {
        var info = Info(name);
        if (info.DType is not DType dtype)
            throw new NotSupportedException(
                $"safetensors '{Path}': tensor {SafetensorsNames.Quote(name)} {info.Shape} is {info.DTypeName}, which Distill has no dtype for (F32, BF16, F16, I32, U8); read it with Bytes");
        var t = Tensor.Empty(info.Shape, dtype);
        t.Name = name;
        Buffer.MemoryCopy(DataPointer(info), (void*)t.Pointer, info.ByteLength, info.ByteLength);
        return t;
    }

    /// <summary>Copies the tensor into a new F32 CPU tensor, widening BF16 and F16 (exactly); F32 is copied as is.</summary>
    public Tensor LoadF32(string name)
    {
        var info = Info(name);
        if (info.DType is not (DType.F32 or DType.BF16 or DType.F16))
            throw new NotSupportedException(
                $"safetensors '{Path}': tensor {SafetensorsNames.Quote(name)} {info.Shape} is {info.DTypeName}; LoadF32 converts only F32, BF16 and F16 (use Load for integer tensors)");
        if (info.DType == DType.F32) return Load(name);

        // Widen with the backend's cast kernel (SIMD, exact for BF16/F16 -> F32): one conversion in the engine.
        using var raw = Load(name);
        var t = Tensor.Empty(info.Shape, DType.F32);
        t.Name = name;
        Backends.Backend.For(raw).Cast(raw, t);
        return t;
    }

    public void Dispose() => _mapped.Dispose();

    public override string ToString() => $"safetensors '{Path}' ({Count} tensors, {FileLength} bytes)";

    private byte* DataPointer(SafetensorsTensorInfo info) => _mapped.Pointer + _dataStart + info.Begin;

    private KeyNotFoundException Missing(string name)
    {
        string have = Names.Count == 0
            ? "the file holds no tensors"
            : $"the file holds {Names.Count} tensors; closest: {string.Join(", ", SafetensorsNames.Closest(name, Names, 5).Select(SafetensorsNames.Quote))}";
        return new KeyNotFoundException($"safetensors '{Path}': no tensor {SafetensorsNames.Quote(name)} ({have})");
    }
}
