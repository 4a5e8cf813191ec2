// The C# CPU backend: one partial file per op family (SIMD + Parallel.For), each optimised kernel
// with a scalar twin in CpuReference. Memory comes from BufferPool.Shared.
using System.Runtime.InteropServices;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend : IBackend
{
    public static CpuBackend Instance { get; } = new();

    private CpuBackend() { }

    public Device Device => Device.Cpu;

    public TensorStorage Allocate(long bytes) => BufferPool.Shared.Rent(bytes);

    public void Zero(Tensor dst) => NativeMemory.Clear((void*)dst.Pointer, (nuint)dst.Bytes);

    public void Fill(Tensor dst, float value)
    {
        if (dst.DType != DType.F32) throw new ArgumentException($"Fill: {dst.Describe()} must be F32");
        dst.AsSpan().Fill(value);
    }

    public void Copy(Tensor src, Tensor dst)
    {
        if (src.Bytes != dst.Bytes)
            throw new ArgumentException($"Copy: {src.Describe()} -> {dst.Describe()}: byte counts differ");
        Buffer.MemoryCopy((void*)src.Pointer, (void*)dst.Pointer, dst.Bytes, src.Bytes);
    }

    public void Upload(ReadOnlySpan<byte> src, Tensor dst)
    {
        if (src.Length != dst.Bytes)
            throw new ArgumentException($"Upload: {src.Length} bytes into {dst.Describe()} ({dst.Bytes} bytes)");
        src.CopyTo(new Span<byte>((void*)dst.Pointer, checked((int)dst.Bytes)));
    }

    public void Download(Tensor src, Span<byte> dst)
    {
        if (dst.Length != src.Bytes)
            throw new ArgumentException($"Download: {src.Describe()} ({src.Bytes} bytes) into {dst.Length} bytes");
        new ReadOnlySpan<byte>((void*)src.Pointer, checked((int)src.Bytes)).CopyTo(dst);
    }

    public void Synchronize() { }
}
