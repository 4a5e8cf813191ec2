// Per-thread scratch memory for the attention kernels (packed K/V panels, one block of scores). Kept
// per thread and only ever grown, so a training step touches the same warm pages every call instead
// of allocating (and page-faulting) fresh buffers.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Distill.Backends.Cpu;

internal static unsafe class CpuAttentionScratch
{
    // A pinned array (never moves; collected with its thread) and its first 64-byte aligned float.
    [ThreadStatic] private static float[]? _array;
    [ThreadStatic] private static nint _aligned;
    [ThreadStatic] private static long _capacity;

    /// <summary>
    /// At least <paramref name="floats"/> floats of 64-byte aligned scratch for the calling thread; the
    /// contents are undefined. Valid until the same thread asks again.
    /// </summary>
    public static float* Rent(long floats)
    {
        if (floats > _capacity || _array is null)
        {
            long grown = Math.Max(floats, _capacity + _capacity / 2);
            grown = (grown + 15) & ~15L;
            if (grown + 16 > Array.MaxLength)
                throw new OutOfMemoryException($"Attention: scratch of {floats} floats is too large for one thread");
            _array = GC.AllocateUninitializedArray<float>(checked((int)(grown + 16)), pinned: true);
            nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
            _aligned = (p + 63) & ~(nint)63;
            _capacity = grown;
        }
        return (float*)_aligned;
    }
}
