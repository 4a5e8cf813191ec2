// The dtype names safetensors defines, with their widths in bits, and which of them Distill can load.
// Files may hold dtypes Distill has no DType for (I64 position ids, F64, FP8): those still validate and
// can be read as bytes; only Load refuses them. A name outside this table makes the file invalid.
using Distill.Tensors;

namespace Distill.IO;

internal static class SafetensorsDTypes
{
    // Widths from the reference implementation's Dtype::bitsize (huggingface/safetensors, tensor.rs).
    private static readonly Dictionary<string, int> Bits = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 8, ["U8"] = 8, ["I8"] = 8,
        ["F8_E5M2"] = 8, ["F8_E4M3"] = 8, ["F8_E8M0"] = 8,
        ["F4"] = 4, ["F6_E2M3"] = 6, ["F6_E3M2"] = 6,
        ["I16"] = 16, ["U16"] = 16, ["F16"] = 16, ["BF16"] = 16,
        ["I32"] = 32, ["U32"] = 32, ["F32"] = 32,
        ["I64"] = 64, ["U64"] = 64, ["F64"] = 64, ["C64"] = 64,
    };

    public static IEnumerable<string> Known => Bits.Keys;

    /// <summary>Bits per element of a safetensors dtype name, or false for a name the format lacks.</summary>
    public static bool TryGetBits(string name, out int bits) => Bits.TryGetValue(name, out bits);

    /// <summary>The Distill dtype for a safetensors name, or null when Distill has none.</summary>
    public static DType? ToDType(string name) => name switch
    {
        "F32" => DType.F32,
        "BF16" => DType.BF16,
        "F16" => DType.F16,
        "I32" => DType.I32,
        "U8" => DType.U8,
        _ => null,
    };
}
