// Bandwidth of the CPU row and elementwise ops at GPT-2-like training shapes, with a GB/s column
// (bytes read + written by the op / median time) to compare with memory bandwidth; a single-threaded
// copy of 64 MB in the same run is the yardstick. Run:
//   dotnet run -c Release -- --filter '*OpBenchmarks*' --job short
// Buffers under ~32 MB in all (LayerNorm) stay in L3 between invocations, so those can beat DRAM speed.
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Distill.Backends.Cpu;
using Distill.Tensors;

namespace Distill.Benchmarks;

[MemoryDiagnoser]
public class OpBenchmarks
{
    private const int N = 2048;            // rows (tokens in a batch)
    private const int Hidden = 3072;       // GPT-2 small's MLP width, for GELU and Add
    private const int V8K = 8192, V32K = 32768;

    private static readonly CpuBackend Cpu = CpuBackend.Instance;
    private readonly List<Tensor> _owned = new();

    private Tensor _x256 = null!, _y256 = null!, _dy256 = null!, _dx256 = null!, _w256 = null!, _b256 = null!, _dw256 = null!, _db256 = null!;
    private Tensor _x768 = null!, _y768 = null!, _dy768 = null!, _dx768 = null!, _w768 = null!, _b768 = null!, _dw768 = null!, _db768 = null!;
    private Tensor _mean = null!, _rstd = null!;
    private Tensor _z8K = null!, _p8K = null!, _z32K = null!, _d32K = null!, _targets = null!, _losses = null!;
    private Tensor _h = null!, _h2 = null!, _hOut = null!;

    private Tensor Make(int seed, params int[] dims)
    {
        var t = Tensor.Empty(new Shape(dims));
        var rng = new Random(seed);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 4 - 2);
        _owned.Add(t);
        return t;
    }

    [GlobalSetup]
    public void Setup()
    {
        (_x256, _y256, _dy256, _dx256) = (Make(1, N, 256), Make(2, N, 256), Make(3, N, 256), Make(4, N, 256));
        (_w256, _b256, _dw256, _db256) = (Make(5, 256), Make(6, 256), Make(7, 256), Make(8, 256));
        (_x768, _y768, _dy768, _dx768) = (Make(9, N, 768), Make(10, N, 768), Make(11, N, 768), Make(12, N, 768));
        (_w768, _b768, _dw768, _db768) = (Make(13, 768), Make(14, 768), Make(15, 768), Make(16, 768));
        (_mean, _rstd) = (Make(17, N), Make(18, N));
        (_z8K, _p8K) = (Make(19, N, V8K), Make(20, N, V8K));
        (_z32K, _d32K) = (Make(21, N, V32K), Make(22, N, V32K));
        _targets = Tensor.FromArray(Enumerable.Range(0, N).Select(i => i * 7919 % V8K).ToArray(), N);
        _losses = Make(23, N);
        (_h, _h2, _hOut) = (Make(24, N, Hidden), Make(25, N, Hidden), Make(26, N, Hidden));
        Cpu.LayerNorm(_x256, _w256, _b256, 1e-5f, _y256, _mean, _rstd);   // saved stats for the backward
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in _owned) t.Dispose();
        _targets.Dispose();
    }

    [Benchmark] public void LayerNormForwardC256() => Cpu.LayerNorm(_x256, _w256, _b256, 1e-5f, _y256, _mean, _rstd);
    [Benchmark] public void LayerNormForwardC768() => Cpu.LayerNorm(_x768, _w768, _b768, 1e-5f, _y768, _mean, _rstd);
    [Benchmark] public void LayerNormBackwardC256() => Cpu.LayerNormBackward(_x256, _w256, _mean, _rstd, _dy256, _dx256, _dw256, _db256);
    [Benchmark] public void LayerNormBackwardC768() => Cpu.LayerNormBackward(_x768, _w768, _mean, _rstd, _dy768, _dx768, _dw768, _db768);
    [Benchmark] public void SoftmaxForwardV8K() => Cpu.Softmax(_z8K, _p8K);
    [Benchmark] public void CrossEntropyFusedV8K() => Cpu.CrossEntropy(_z8K, _targets, -100, _losses, _p8K, 1f / N);
    [Benchmark] public void CrossEntropyFusedV32K() => Cpu.CrossEntropy(_z32K, _targets, -100, _losses, _d32K, 1f / N);
    [Benchmark] public void Gelu() => Cpu.Gelu(_h, _hOut);
    [Benchmark] public void Add() => Cpu.Add(_h, _h2, _hOut);
    [Benchmark(Baseline = true)] public void CopyOneThread64MB() => Cpu.Copy(_z8K, _p8K);

    /// <summary>Bytes each benchmark reads plus writes (F32), for the GB/s column.</summary>
    public static double Bytes(BenchmarkCase c)
    {
        const double f = sizeof(float);
        return c.Descriptor.WorkloadMethod.Name switch
        {
            // x, y; weight, bias; mean, rstd
            nameof(LayerNormForwardC256) => f * (2.0 * N * 256 + 2 * 256 + 2 * N),
            nameof(LayerNormForwardC768) => f * (2.0 * N * 768 + 2 * 768 + 2 * N),
            // x, dy, dx read and dx written; weight; dweight, dbias read and written; mean, rstd
            nameof(LayerNormBackwardC256) => f * (4.0 * N * 256 + 5 * 256 + 2 * N),
            nameof(LayerNormBackwardC768) => f * (4.0 * N * 768 + 5 * 768 + 2 * N),
            nameof(SoftmaxForwardV8K) => f * 2.0 * N * V8K,
            // logits read, dlogits written; targets, losses
            nameof(CrossEntropyFusedV8K) => f * (2.0 * N * V8K + 2 * N),
            nameof(CrossEntropyFusedV32K) => f * (2.0 * N * V32K + 2 * N),
            nameof(Gelu) => f * 2.0 * N * Hidden,
            nameof(Add) => f * 3.0 * N * Hidden,
            nameof(CopyOneThread64MB) => f * 2.0 * N * V8K,
            _ => 0,
        };
    }
}
