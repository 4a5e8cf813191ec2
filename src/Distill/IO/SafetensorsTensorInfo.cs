// What a safetensors header says about one tensor: dtype, shape and where its bytes lie. Offsets are
// relative to the data buffer that follows the header, as in the file; they are validated on open.
using Distill.Tensors;

namespace Distill.IO;

public sealed record SafetensorsTensorInfo
{
    public required string Name { get; init; }

    /// <summary>The dtype as the header spells it ("F32", "BF16", "I64", ...).</summary>
    public required string DTypeName { get; init; }

    /// <summary>The Distill dtype, or null for safetensors dtypes Distill cannot hold (I64, F64, FP8, ...).</summary>
    public required DType? DType { get; init; }

    public required Shape Shape { get; init; }

    /// <summary>First byte, relative to the start of the data buffer.</summary>
    public required long Begin { get; init; }

    /// <summary>One past the last byte, relative to the start of the data buffer.</summary>
    public required long End { get; init; }

    public long ByteLength => End - Begin;
    public long Numel => Shape.Numel;

    public override string ToString() => $"{Name} {Shape} {DTypeName} [{Begin}, {End})";
}
