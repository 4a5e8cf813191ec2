// Host buffer pool. A training step asks for the same sizes every step, so buffers are kept by exact
// (64-byte rounded) size and handed back out: after the first step no fresh large block is allocated,
// which matters on machines where first-touch page faults are expensive.
using System.Runtime.InteropServices;

namespace Distill.Tensors;

public sealed unsafe class BufferPool
{
    /// <summary>Blocks at least this large count as "large" in <see cref="LargeAllocations"/>.</summary>
    public const long LargeBytes = 1 << 20;
    private const int Alignment = 64;

    private readonly Dictionary<long, Stack<nint>> _free = new();
    private readonly object _lock = new();
    private long _largeAllocations;
    private long _bytesHeld;
    private long _bytesInUse;
    private long _peakBytesInUse;

    /// <summary>The process-wide pool that CPU tensors use.</summary>
    public static BufferPool Shared { get; } = new();

    /// <summary>Fresh allocations of at least <see cref="LargeBytes"/> since start (not pool hits).</summary>
    public long LargeAllocations => Interlocked.Read(ref _largeAllocations);
    /// <summary>Bytes allocated from the OS and held by the pool (in use or free).</summary>
    public long BytesHeld => Interlocked.Read(ref _bytesHeld);
    public long BytesInUse => Interlocked.Read(ref _bytesInUse);
    public long PeakBytesInUse => Interlocked.Read(ref _peakBytesInUse);

    public PooledHostStorage Rent(long bytes)
    {
        if (bytes < 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "BufferPool: negative size");
        long size = RoundUp(Math.Max(bytes, 1));
        nint p = 0;
        lock (_lock)
        {
            if (_free.TryGetValue(size, out var stack) && stack.Count > 0) p = stack.Pop();
        }
        if (p == 0)
        {
            p = (nint)NativeMemory.AlignedAlloc((nuint)size, Alignment);
            if (p == 0) throw new OutOfMemoryException($"BufferPool: could not allocate {size} bytes");
            Interlocked.Add(ref _bytesHeld, size);
            if (size >= LargeBytes) Interlocked.Increment(ref _largeAllocations);
        }
        long inUse = Interlocked.Add(ref _bytesInUse, size);
        long peak;
        while (inUse > (peak = Interlocked.Read(ref _peakBytesInUse)) &&
               Interlocked.CompareExchange(ref _peakBytesInUse, inUse, peak) != peak) { }
        return new PooledHostStorage(this, p, bytes);
    }

    internal void Return(nint pointer, long bytes)
    {
        long size = RoundUp(Math.Max(bytes, 1));
        Interlocked.Add(ref _bytesInUse, -size);
        lock (_lock)
        {
            if (!_free.TryGetValue(size, out var stack)) _free[size] = stack = new Stack<nint>();
            stack.Push(pointer);
        }
    }

    /// <summary>Frees every block not in use back to the OS.</summary>
    public void Trim()
    {
        lock (_lock)
        {
            foreach (var (size, stack) in _free)
            {
                while (stack.Count > 0)
                {
                    NativeMemory.AlignedFree((void*)stack.Pop());
                    Interlocked.Add(ref _bytesHeld, -size);
                }
            }
            _free.Clear();
        }
    }

    private static long RoundUp(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;
}
