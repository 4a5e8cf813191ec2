// The memory behind a tensor: a pointer, a byte length, and one owner that frees it exactly once.
// Views (reshape) share a storage through a reference count; the last release frees or pools it.
namespace Distill.Tensors;

public abstract class TensorStorage
{
    private int _refs = 1;

    protected TensorStorage(nint pointer, long bytes, Device device)
    {
        Pointer = pointer;
        Bytes = bytes;
        Device = device;
    }

    /// <summary>Start of the memory (host pointer for CPU, device pointer for CUDA).</summary>
    public nint Pointer { get; }
    public long Bytes { get; }
    public Device Device { get; }
    public bool IsReleased => Volatile.Read(ref _refs) <= 0;

    internal void AddRef()
    {
        if (Interlocked.Increment(ref _refs) <= 1)
            throw new ObjectDisposedException(nameof(TensorStorage), "storage was already released");
    }

    /// <summary>Drops one reference; the last one frees. Extra calls after that are ignored.</summary>
    internal void Release()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left == 0) Free();
        else if (left < 0) Interlocked.Exchange(ref _refs, 0);
    }

    protected abstract void Free();
}

/// <summary>Host memory from the <see cref="BufferPool"/>; returns to it when released.</summary>
public sealed class PooledHostStorage : TensorStorage
{
    private readonly BufferPool _pool;
    internal PooledHostStorage(BufferPool pool, nint pointer, long bytes) : base(pointer, bytes, Device.Cpu) => _pool = pool;
    protected override void Free() => _pool.Return(Pointer, Bytes);
}

/// <summary>Host memory owned elsewhere (a memory-mapped file); keeps its owner alive, never frees it.</summary>
public sealed class BorrowedHostStorage : TensorStorage
{
    private readonly object? _owner;
    public BorrowedHostStorage(nint pointer, long bytes, object? owner) : base(pointer, bytes, Device.Cpu) => _owner = owner;
    protected override void Free() => GC.KeepAlive(_owner);
}

/// <summary>
/// A window of another storage (e.g. a block of rows of a matrix): holds one reference on the parent
/// for as long as it lives and frees nothing itself.
/// </summary>
internal sealed class SliceStorage : TensorStorage
{
    private readonly TensorStorage _parent;

    internal SliceStorage(TensorStorage parent, long byteOffset, long bytes) : base(parent.Pointer + (nint)byteOffset, bytes, parent.Device)
    {
        parent.AddRef();
        _parent = parent;
    }

    protected override void Free() => _parent.Release();
}
