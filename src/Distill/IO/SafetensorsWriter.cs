// Writes tensors to a safetensors file, atomically: everything goes to "<path>.tmp-<random>" in the same
// directory, is flushed to disk, then renamed over <path>; on failure the temp file is deleted and any
// existing <path> is untouched. Tensors are written in the order given; the header is padded to 8 bytes.
using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Distill.Backends;
using Distill.Tensors;

namespace Distill.IO;

public static unsafe class SafetensorsWriter
{
    private const int WriteChunkBytes = 1 << 30;

    /// <summary>One tensor to write: its header fields and a callback that writes exactly ByteLength bytes.</summary>
    internal readonly record struct Entry(string Name, string DTypeName, Shape Shape, long ByteLength, Action<Stream> WriteData);

    /// <summary>Writes the tensors (CPU, or any device that can Download) in order, with optional metadata.</summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<Entry>();
        foreach (var (name, tensor) in tensors)
        {
            if (tensor is null) throw new ArgumentNullException(nameof(tensors), $"SafetensorsWriter '{path}': tensor {Describe(name)} is null");
            if (tensor.IsDisposed) throw new ObjectDisposedException($"SafetensorsWriter '{path}': tensor {Describe(name)} {tensor.Describe()} was disposed");
            entries.Add(new Entry(name, tensor.DType.SafetensorsName(), tensor.Shape, tensor.Bytes, s => WriteTensor(s, tensor, path, name)));
        }
        WriteEntries(path, entries, metadata);
    }

    /// <summary>Writes raw little-endian tensor bytes in order; each Data must hold exactly numel * sizeof(dtype) bytes.</summary>
    public static void Write(string path, IEnumerable<(string Name, DType DType, Shape Shape, ReadOnlyMemory<byte> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<Entry>();
        foreach (var (name, dtype, shape, data) in tensors)
        {
            long need = shape.Numel * dtype.SizeOf();
            if (data.Length != need)
                throw new ArgumentException($"SafetensorsWriter '{path}': tensor {Describe(name)} {shape} {dtype} needs {need} bytes, got {data.Length}");
            entries.Add(new Entry(name, dtype.SafetensorsName(), shape, need, s => s.Write(data.Span)));
        }
        WriteEntries(path, entries, metadata);
    }

    /// <summary>The common path: validates names, builds the header, writes the temp file and renames it.</summary>
    internal static void WriteEntries(string path, IReadOnlyList<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (string.IsNullOrEmpty(e.Name))
                throw new ArgumentException($"SafetensorsWriter '{path}': tensor names must be non-empty ({e.Shape} {e.DTypeName})");
            if (e.Name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"SafetensorsWriter '{path}': '{SafetensorsHeader.MetadataKey}' is reserved for metadata and cannot name a tensor");
            if (!seen.Add(e.Name))
                throw new ArgumentException($"SafetensorsWriter '{path}': duplicate tensor name {Describe(e.Name)}");
        }

        byte[] header = BuildHeader(path, entries, metadata);
        long dataBytes = entries.Sum(e => e.ByteLength);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var e in entries)
            {
                long before = stream.Position;
                e.WriteData(stream);
                if (stream.Position - before != e.ByteLength)
                    throw new InvalidOperationException(
                        $"SafetensorsWriter '{path}': tensor {Describe(e.Name)} wrote {stream.Position - before} bytes, expected {e.ByteLength}");
            }
            if (stream.Position != 8 + header.Length + dataBytes)
                throw new InvalidOperationException($"SafetensorsWriter '{path}': wrote {stream.Position} bytes, expected {8 + header.Length + dataBytes}");
        });
    }

    private static byte[] BuildHeader(string path, IReadOnlyList<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        // Relaxed escaping writes non-ASCII names as UTF-8, as the reference writer does; the header is never HTML.
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    if (value is null) throw new ArgumentException($"SafetensorsWriter '{path}': metadata key '{key}' has a null value");
                    w.WriteString(key, value);
                }
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var e in entries)
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", e.DTypeName);
                w.WriteStartArray("shape");
                foreach (int d in e.Shape.Dims) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += e.ByteLength;
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }

        int padded = (json.WrittenCount + 7) / 8 * 8; // spaces to a multiple of 8, so the data starts 8-aligned
        if (padded > SafetensorsHeader.MaxHeaderBytes)
            throw new ArgumentException($"SafetensorsWriter '{path}': header would be {padded} bytes, over the {SafetensorsHeader.MaxHeaderBytes}-byte limit readers enforce");
        var header = new byte[padded];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteTensor(Stream stream, Tensor tensor, string path, string name)
    {
        long bytes = tensor.Bytes;
        if (tensor.Device.Kind == DeviceKind.Cpu)
        {
            byte* p = (byte*)tensor.Pointer;
            for (long done = 0; done < bytes; done += WriteChunkBytes)
                stream.Write(new ReadOnlySpan<byte>(p + done, (int)Math.Min(WriteChunkBytes, bytes - done)));
            GC.KeepAlive(tensor);
            return;
        }
        if (bytes > Array.MaxLength)
            throw new NotSupportedException($"SafetensorsWriter '{path}': tensor {Describe(name)} {tensor.Describe()} on {tensor.Device} is over {Array.MaxLength} bytes; copy it to the CPU first");
        var host = GC.AllocateUninitializedArray<byte>((int)bytes);
        Backend.For(tensor.Device).Download(tensor, host);
        stream.Write(host);
    }

    private static string Describe(string? name) => name is null ? "(null name)" : SafetensorsNames.Quote(name);
}
