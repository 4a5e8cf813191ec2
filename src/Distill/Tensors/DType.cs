// Element types a tensor can hold. Compute is F32; BF16/F16 are storage formats (weights, casts);
// I32 holds token ids and targets; U8 holds packed quantization codes.
namespace Distill.Tensors;

public enum DType
{
    F32,
    BF16,
    F16,
    I32,
    U8,
}

public static class DTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this DType dtype) => dtype switch
    {
        DType.F32 => 4,
        DType.BF16 => 2,
        DType.F16 => 2,
        DType.I32 => 4,
        DType.U8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The name safetensors uses for this dtype ("F32", "BF16", "F16", "I32", "U8").</summary>
    public static string SafetensorsName(this DType dtype) => dtype switch
    {
        DType.F32 => "F32",
        DType.BF16 => "BF16",
        DType.F16 => "F16",
        DType.I32 => "I32",
        DType.U8 => "U8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}
