// A row-major, contiguous n-d array on a device. Owns its storage (IDisposable); Reshape is a view
// that shares it. Carries the autograd state: RequiresGrad and the accumulated Grad.
using System.Runtime.CompilerServices;
using Distill.Autograd;
using Distill.Backends;

namespace Distill.Tensors;

public sealed unsafe class Tensor : IDisposable
{
    private TensorStorage? _storage;

    public Tensor(TensorStorage storage, Shape shape, DType dtype)
    {
        long need = shape.Numel * dtype.SizeOf();
        if (storage.Bytes < need)
            throw new ArgumentException($"Tensor: storage of {storage.Bytes} bytes is too small for {shape} {dtype} ({need} bytes)");
        _storage = storage;
        Shape = shape;
        DType = dtype;
    }

    public Shape Shape { get; }
    public DType DType { get; }
    public Device Device => Storage.Device;
    public long Numel => Shape.Numel;
    public long Bytes => Numel * DType.SizeOf();
    public string? Name { get; set; }

    /// <summary>When true, backward passes accumulate into <see cref="Grad"/>.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>The accumulated gradient (same shape, F32), or null before the first backward.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The tape that owns this tensor (made under it), or null when the caller owns it.</summary>
    internal Tape? OwnerTape { get; set; }

    public TensorStorage Storage => _storage ?? throw new ObjectDisposedException(Describe(), "tensor was disposed");
    public bool IsDisposed => _storage is null;

    /// <summary>Host pointer to the first element (CPU tensors only).</summary>
    public nint Pointer => Storage.Pointer;

    // ---- creation -------------------------------------------------------------------------------

    /// <summary>Uninitialised tensor from the device's pool.</summary>
    public static Tensor Empty(Shape shape, DType dtype = DType.F32, Device? device = null)
    {
        var backend = Backend.For(device ?? Device.Cpu);
        return new Tensor(backend.Allocate(shape.Numel * dtype.SizeOf()), shape, dtype);
    }

    public static Tensor Zeros(Shape shape, DType dtype = DType.F32, Device? device = null)
    {
        var t = Empty(shape, dtype, device);
        Backend.For(t.Device).Zero(t);
        return t;
    }

    /// <summary>Copies host data into a new CPU tensor of the given shape.</summary>
    public static Tensor FromArray<T>(ReadOnlySpan<T> data, params int[] dims) where T : unmanaged
    {
        var shape = new Shape(dims);
        if (shape.Numel != data.Length)
            throw new ArgumentException($"Tensor.FromArray: {data.Length} values do not fill shape {shape}");
        var t = Empty(shape, DTypeOf<T>());
        data.CopyTo(t.AsSpan<T>());
        return t;
    }

    public static Tensor FromArray<T>(T[] data, params int[] dims) where T : unmanaged => FromArray((ReadOnlySpan<T>)data, dims);

    public static DType DTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.F32 :
        typeof(T) == typeof(int) ? DType.I32 :
        typeof(T) == typeof(byte) ? DType.U8 :
        typeof(T) == typeof(Half) ? DType.F16 :
        typeof(T) == typeof(BFloat16) ? DType.BF16 :
        throw new ArgumentException($"Tensor: no dtype for element type {typeof(T).Name}");

    // ---- access ---------------------------------------------------------------------------------

    /// <summary>The elements as a span (CPU only). T must match the dtype's element size.</summary>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        if (Device.Kind != DeviceKind.Cpu)
            throw new InvalidOperationException($"{Describe()}: AsSpan needs a CPU tensor, this one is on {Device}");
        if (Unsafe.SizeOf<T>() != DType.SizeOf())
            throw new InvalidOperationException($"{Describe()}: cannot view {DType} as {typeof(T).Name}");
        return new Span<T>((void*)Storage.Pointer, checked((int)Numel));
    }

    public Span<float> AsSpan() => AsSpan<float>();

    /// <summary>Copies the elements to a new host array.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (Device.Kind == DeviceKind.Cpu) return AsSpan<T>().ToArray();
        var result = new T[Numel];
        Backend.For(Device).Download(this, System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    public float[] ToArray() => ToArray<float>();

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"{Describe()}: Item needs exactly one element");
        return ToArray<float>()[0];
    }

    // ---- views and autograd ---------------------------------------------------------------------

    /// <summary>
    /// A view with another shape over the same storage (no copy). Under a recording tape the view's
    /// gradient flows back to this tensor.
    /// </summary>
    public Tensor Reshape(params int[] dims)
    {
        int infer = Array.IndexOf(dims, -1);
        if (infer >= 0)
        {
            long known = 1;
            for (int i = 0; i < dims.Length; i++) if (i != infer) known *= dims[i];
            dims = (int[])dims.Clone();
            dims[infer] = known == 0 ? 0 : checked((int)(Numel / known));
        }
        var shape = new Shape(dims);
        if (shape.Numel != Numel)
            throw new ArgumentException($"Reshape: {Describe()} has {Numel} elements, cannot view as {shape}");
        return Ops.View(this, shape);
    }

    /// <summary>A view sharing storage, no autograd; used by <see cref="Ops.View"/>.</summary>
    internal Tensor ViewUnrecorded(Shape shape)
    {
        Storage.AddRef();
        return new Tensor(Storage, shape, DType);
    }

    /// <summary>
    /// Rows [start, start + count) of the first axis as a view sharing storage, no autograd: a chunk of
    /// rows of an (N, ...) tensor for kernels that walk a matrix block by block (chunked losses).
    /// </summary>
    internal Tensor RowsUnrecorded(int start, int count)
    {
        if (Shape.Rank < 1) throw new ArgumentException($"RowsUnrecorded: {Describe()} has no rows");
        if (start < 0 || count < 0 || (long)start + count > Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"RowsUnrecorded: rows [{start}, {(long)start + count}) are outside {Describe()}");
        var dims = Shape.ToArray();
        dims[0] = count;
        long rowBytes = Shape[0] == 0 ? 0 : Bytes / Shape[0];
        return new Tensor(new SliceStorage(Storage, start * rowBytes, count * rowBytes), new Shape(dims), DType);
    }

    /// <summary>Backpropagates from this scalar through the current tape.</summary>
    public void Backward() => Tape.BackwardFrom(this);

    public void Dispose()
    {
        var s = Interlocked.Exchange(ref _storage, null);
        s?.Release();
    }

    public string Describe() => $"tensor{(Name is null ? "" : $" '{Name}'")} {Shape} {DType}";
    public override string ToString() => Describe() + (IsDisposed ? " (disposed)" : $" on {Device}");
}
