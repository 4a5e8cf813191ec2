// CpuGemm throughput (GFLOP/s column) at the shapes and transposes linear layers use: forward
// y = x W^T (NT), backward dx = dy W (NN) and dW = dy^T x (TN). Compare with benchmarks/openblas_sgemm.py.
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Distill.Backends.Cpu;

namespace Distill.Benchmarks;

public unsafe class GemmBenchmarks
{
    /// <summary>M x N x K: C (M, N) = op(A) (M, K) op(B) (K, N). "2048x2048x512" is (2048x512) x (512x2048).</summary>
    [Params("1024x1024x1024", "2048x2048x2048", "2048x2048x512")]
    public string Shape { get; set; } = "";

    private float* _a, _b, _c;
    private int _m, _n, _k;

    [GlobalSetup]
    public void Setup()
    {
        (_m, _n, _k) = Parse(Shape);
        _a = Alloc((long)_m * _k, 1);
        _b = Alloc((long)_k * _n, 2);
        _c = Alloc((long)_m * _n, 3);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
    }

    /// <summary>Forward y = x W^T: A (M, K), B stored (N, K).</summary>
    [Benchmark]
    public void ForwardNT() => CpuGemm.Sgemm(false, true, _m, _n, _k, 1f, _a, _k, _b, _k, 0f, _c, _n);

    /// <summary>Input gradient dx = dy W: A (M, K), B (K, N).</summary>
    [Benchmark]
    public void BackwardDataNN() => CpuGemm.Sgemm(false, false, _m, _n, _k, 1f, _a, _k, _b, _n, 0f, _c, _n);

    /// <summary>Weight gradient dW = dy^T x: A stored (K, M), B (K, N).</summary>
    [Benchmark]
    public void BackwardWeightTN() => CpuGemm.Sgemm(true, false, _m, _n, _k, 1f, _a, _m, _b, _n, 0f, _c, _n);

    public static double Flops(BenchmarkCase c)
    {
        var (m, n, k) = Parse((string)c.Parameters["Shape"]);
        return 2.0 * m * n * k;
    }

    private static (int M, int N, int K) Parse(string shape)
    {
        var d = shape.Split('x').Select(int.Parse).ToArray();
        return (d[0], d[1], d[2]);
    }

    private static float* Alloc(long count, int seed)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        var rng = new Random(seed);
        for (long i = 0; i < count; i++) p[i] = (float)rng.NextDouble() - 0.5f;
        return p;
    }
}
