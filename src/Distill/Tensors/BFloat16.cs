// bfloat16: the top 16 bits of an IEEE float32. .NET has Half but no bfloat16, so we keep our own:
// conversion from float rounds to nearest even and keeps NaN a NaN.
using System.Runtime.CompilerServices;

namespace Distill.Tensors;

public readonly struct BFloat16 : IEquatable<BFloat16>
{
    public readonly ushort Bits;

    private BFloat16(ushort bits) => Bits = bits;

    public static BFloat16 FromBits(ushort bits) => new(bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static explicit operator BFloat16(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7FFF_FFFF) > 0x7F80_0000) return new BFloat16((ushort)((u >> 16) | 0x40)); // quiet NaN
        u += 0x7FFF + ((u >> 16) & 1);                                                       // round to nearest even
        return new BFloat16((ushort)(u >> 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static explicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value.Bits << 16);

    public bool Equals(BFloat16 other) => Bits == other.Bits;
    public override bool Equals(object? obj) => obj is BFloat16 b && Equals(b);
    public override int GetHashCode() => Bits;
    public override string ToString() => ((float)this).ToString();
}
