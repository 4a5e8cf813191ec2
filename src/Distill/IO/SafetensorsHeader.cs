// Parses and validates a safetensors JSON header before anything in it is trusted: entry types, dtypes,
// shapes (no negatives, no overflow), byte counts, and that the data ranges tile the data buffer.
// Every failure is an InvalidDataException (SafetensorsErrors) naming the file, the tensor and what is wrong.
using System.Text.Json;
using Distill.Tensors;

namespace Distill.IO;

internal sealed class SafetensorsHeader
{
    /// <summary>The reference implementation's cap on the header length (MAX_HEADER_SIZE, 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(Dictionary<string, string> metadata, List<SafetensorsTensorInfo> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    /// <summary>The "__metadata__" entries in header order (empty when absent).</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>The tensors in data order (by begin offset; header order among equal offsets).</summary>
    public List<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>Parses <paramref name="json"/> (the header bytes) for a data buffer of <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(string path, byte[] json, long dataLength)
    {
        // JsonDocument checks UTF-8 only lazily, when a string is read; check it all up front, as the reference does.
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw SafetensorsErrors.Invalid(path, null, $"header is not valid JSON: it is not valid UTF-8 (at byte {FirstInvalidUtf8(json)})");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw SafetensorsErrors.Invalid(path, null, $"header is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw SafetensorsErrors.Invalid(path, null, $"header JSON is {Kind(root)}, expected an object of tensor entries");

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensorInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (sawMetadata) throw SafetensorsErrors.Invalid(path, null, $"\"{MetadataKey}\" appears twice in the header");
                    sawMetadata = true;
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }
                if (!seen.Add(property.Name))
                    throw SafetensorsErrors.Invalid(path, property.Name, "appears twice in the header");
                tensors.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }

            // Stable sort by (begin, end), so zero-size tensors keep header order among themselves.
            var ordered = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
            CheckTiling(path, ordered, dataLength);
            return new SafetensorsHeader(metadata, ordered);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return; // the reference reads this as "no metadata"
        if (value.ValueKind != JsonValueKind.Object)
            throw SafetensorsErrors.Invalid(path, null, $"\"{MetadataKey}\" is {Kind(value)}, expected an object of string -> string");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw SafetensorsErrors.Invalid(path, null,
                    $"\"{MetadataKey}\" key {SafetensorsNames.Quote(p.Name)} is {Kind(p.Value)}, expected a string");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!))
                throw SafetensorsErrors.Invalid(path, null, $"\"{MetadataKey}\" key {SafetensorsNames.Quote(p.Name)} appears twice");
        }
    }

    private static SafetensorsTensorInfo ReadEntry(string path, string name, JsonElement entry, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
            throw SafetensorsErrors.Invalid(path, name, $"entry is {Kind(entry)}, expected an object with \"dtype\", \"shape\" and \"data_offsets\"");

        // dtype
        if (!entry.TryGetProperty("dtype", out var dtypeElement))
            throw SafetensorsErrors.Invalid(path, name, "entry has no \"dtype\"");
        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw SafetensorsErrors.Invalid(path, name, $"\"dtype\" is {Kind(dtypeElement)}, expected a string such as \"F32\"");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryGetBits(dtypeName, out int bits))
            throw SafetensorsErrors.Invalid(path, name,
                $"unknown dtype {SafetensorsNames.Quote(dtypeName)} (safetensors dtypes: {string.Join(", ", SafetensorsDTypes.Known)})");

        // shape
        if (!entry.TryGetProperty("shape", out var shapeElement))
            throw SafetensorsErrors.Invalid(path, name, "entry has no \"shape\"");
        if (shapeElement.ValueKind != JsonValueKind.Array)
            throw SafetensorsErrors.Invalid(path, name, $"\"shape\" is {Kind(shapeElement)}, expected an array of non-negative integers");
        var dims = new int[shapeElement.GetArrayLength()];
        Int128 numel = 1;
        bool overflow = false;
        int axis = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim))
                throw SafetensorsErrors.Invalid(path, name, $"\"shape\"[{axis}] is {Raw(d)}, expected a non-negative integer");
            if (dim < 0)
                throw SafetensorsErrors.Invalid(path, name, $"\"shape\"[{axis}] is negative ({dim})");
            if (dim > int.MaxValue)
                throw SafetensorsErrors.Invalid(path, name, $"\"shape\"[{axis}] is {dim}, larger than {int.MaxValue}, the largest dimension Distill supports");
            dims[axis++] = (int)dim;
            numel *= dim;
            if (numel > long.MaxValue) { overflow = true; numel = 1; } // keep multiplying without overflowing Int128
        }
        var shape = new Shape(dims);
        if (overflow)
            throw SafetensorsErrors.Invalid(path, name, $"shape {shape} has too many elements (the count overflows 64 bits)");

        // data_offsets
        if (!entry.TryGetProperty("data_offsets", out var offsets))
            throw SafetensorsErrors.Invalid(path, name, "entry has no \"data_offsets\"");
        if (offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw SafetensorsErrors.Invalid(path, name, $"\"data_offsets\" is {Raw(offsets)}, expected [begin, end]");
        long begin = Offset(path, name, offsets[0], "begin");
        long end = Offset(path, name, offsets[1], "end");
        if (begin > end)
            throw SafetensorsErrors.Invalid(path, name, $"data_offsets [{begin}, {end}]: begin is after end");

        Int128 totalBits = numel * bits;
        if (totalBits % 8 != 0)
            throw SafetensorsErrors.Invalid(path, name, $"shape {shape} {dtypeName} is {totalBits} bits, not a whole number of bytes");
        Int128 needBytes = totalBits / 8;
        if (needBytes != end - begin)
            throw SafetensorsErrors.Invalid(path, name,
                $"data_offsets [{begin}, {end}] hold {end - begin} bytes but shape {shape} {dtypeName} needs {needBytes}");
        if (end > dataLength)
            throw SafetensorsErrors.Invalid(path, name,
                $"data_offsets [{begin}, {end}] run past the end of the file (the data buffer after the header is {dataLength} bytes)");

        return new SafetensorsTensorInfo
        {
            Name = name,
            DTypeName = dtypeName,
            DType = SafetensorsDTypes.ToDType(dtypeName),
            Shape = shape,
            Begin = begin,
            End = end,
        };
    }

    // The reference implementation (huggingface/safetensors, Metadata::validate and read_metadata) sorts
    // entries by offset and requires each to start exactly where the previous ended, from 0, and the last
    // to end exactly at the end of the file: no overlaps, no gaps, no trailing bytes. We follow it, so a
    // file we accept is one every other safetensors reader accepts too.
    private static void CheckTiling(string path, List<SafetensorsTensorInfo> ordered, long dataLength)
    {
        long expected = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var t in ordered)
        {
            if (t.Begin < expected)
                throw SafetensorsErrors.Invalid(path, t.Name,
                    $"data_offsets [{t.Begin}, {t.End}] overlap tensor {SafetensorsNames.Quote(previous!.Name)} at [{previous.Begin}, {previous.End}]");
            if (t.Begin > expected)
                throw SafetensorsErrors.Invalid(path, t.Name, previous is null
                    ? $"data_offsets [{t.Begin}, {t.End}]: the first tensor must start at 0 (safetensors allows no gaps in the data buffer)"
                    : $"data_offsets [{t.Begin}, {t.End}] leave a gap of {t.Begin - expected} bytes after tensor {SafetensorsNames.Quote(previous.Name)} at [{previous.Begin}, {previous.End}] (safetensors allows no gaps in the data buffer)");
            expected = t.End;
            previous = t;
        }
        if (expected != dataLength)
            throw SafetensorsErrors.Invalid(path, null,
                $"the tensors cover {expected} bytes of the {dataLength}-byte data buffer: {dataLength - expected} trailing bytes belong to no tensor (truncated header or corrupt file)");
    }

    private static long Offset(string path, string name, JsonElement e, string which)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
            throw SafetensorsErrors.Invalid(path, name, $"data_offsets {which} is {Raw(e)}, expected a non-negative integer");
        return v;
    }

    private static int FirstInvalidUtf8(byte[] bytes)
    {
        int i = 0;
        while (i < bytes.Length && System.Text.Rune.DecodeFromUtf8(bytes.AsSpan(i), out _, out int used) == System.Buffers.OperationStatus.Done)
            i += used;
        return i;
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };

    private static string Raw(JsonElement e)
    {
        string raw = e.GetRawText();
        return raw.Length <= 60 ? raw : raw[..60] + "...";
    }
}
