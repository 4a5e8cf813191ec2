// Throughput of the CPU attention family at training shapes: causal GQA attention forward and
// forward+backward (B=8, T=256, D=64, 4 or 8 heads, beside the scalar twin's forward), RoPE forward
// and backward, and (second class) embedding gather and scatter-add at N=2048, V=8192, C=256.
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Distill.Backends.Cpu;
using Distill.Nn;
using Distill.Tensors;

namespace Distill.Benchmarks;

[MemoryDiagnoser]
public class AttentionBenchmarks
{
    private const int B = 8, T = 256, D = 64;

    /// <summary>Query heads = kv heads.</summary>
    [Params(4, 8)]
    public int Heads { get; set; }

    private Tensor _q = null!, _k = null!, _v = null!, _o = null!, _lse = null!, _do = null!;
    private Tensor _dq = null!, _dk = null!, _dv = null!, _cos = null!, _sin = null!, _y = null!;
    private float[] _qa = null!, _ka = null!, _va = null!, _oa = null!, _lsea = null!;
    private readonly CpuBackend _be = CpuBackend.Instance;
    private float _scale;

    [GlobalSetup]
    public void Setup()
    {
        var shape = new Shape(B, T, Heads, D);
        _q = Filled(shape, 1);
        _k = Filled(shape, 2);
        _v = Filled(shape, 3);
        _do = Filled(shape, 4);
        _o = Tensor.Empty(shape);
        _y = Tensor.Empty(shape);
        _lse = Tensor.Empty(new Shape(B, Heads, T));
        _dq = Tensor.Zeros(shape);
        _dk = Tensor.Zeros(shape);
        _dv = Tensor.Zeros(shape);
        var (cos, sin) = RopeTables.Compute(D, T, 10000.0);
        _cos = Tensor.FromArray(cos, T, D / 2);
        _sin = Tensor.FromArray(sin, T, D / 2);
        _scale = 1f / MathF.Sqrt(D);
        _qa = _q.ToArray();
        _ka = _k.ToArray();
        _va = _v.ToArray();
        _oa = new float[_qa.Length];
        _lsea = new float[B * Heads * T];
        _be.Attention(_q, _k, _v, _scale, _o, _lse);
    }

    private static Tensor Filled(Shape shape, int seed)
    {
        var rng = new Random(seed);
        var a = new float[shape.Numel];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return Tensor.FromArray(a, shape.ToArray());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _q, _k, _v, _o, _lse, _do, _dq, _dk, _dv, _cos, _sin, _y }) t.Dispose();
    }

    [Benchmark]
    public void AttentionForward() => _be.Attention(_q, _k, _v, _scale, _o, _lse);

    [Benchmark]
    public void AttentionForwardBackward()
    {
        _be.Attention(_q, _k, _v, _scale, _o, _lse);
        _be.AttentionBackward(_q, _k, _v, _o, _lse, _do, _scale, _dq, _dk, _dv);
    }

    /// <summary>The scalar twin (materialised scores, one thread), for scale.</summary>
    [Benchmark]
    public void AttentionForwardTwin() => CpuReference.Attention<float>(_qa, _ka, _va, _scale, _oa, _lsea, B, T, Heads, Heads, D);

    [Benchmark]
    public void RopeForward() => _be.Rope(_q, _cos, _sin, _y);

    [Benchmark]
    public void RopeBackward() => _be.RopeBackward(_do, _cos, _sin, _dq);

    public static double Flops(BenchmarkCase c)
    {
        int h = (int)c.Parameters["Heads"];
        double pairs = (double)T * (T + 1) / 2;               // causal (query, key) pairs per head
        return c.Descriptor.WorkloadMethod.Name switch
        {
            nameof(AttentionForward) or nameof(AttentionForwardTwin) => 4.0 * D * pairs * B * h,   // Q K^T and P V
            nameof(AttentionForwardBackward) => 14.0 * D * pairs * B * h,                         // + 5 products backward
            nameof(RopeForward) => 3.0 * B * T * h * D,
            nameof(RopeBackward) => 4.0 * B * T * h * D,
            _ => 0,
        };
    }

    public static double Bytes(BenchmarkCase c)
    {
        int h = (int)c.Parameters["Heads"];
        double x = 4.0 * B * T * h * D, lse = 4.0 * B * h * T, tables = 4.0 * T * D;
        return c.Descriptor.WorkloadMethod.Name switch
        {
            nameof(AttentionForward) or nameof(AttentionForwardTwin) => 4 * x + lse,              // q, k, v in; out, lse out
            nameof(AttentionForwardBackward) => 4 * x + lse + 6 * x + lse + 6 * x,               // + q k v o dO lse in, dq dk dv read+write
            nameof(RopeForward) => 2 * x + tables,
            nameof(RopeBackward) => 3 * x + tables,
            _ => 0,
        };
    }
}

[MemoryDiagnoser]
public class EmbeddingBenchmarks
{
    private const int N = 2048, V = 8192, C = 256;
    private Tensor _ids = null!, _table = null!, _out = null!, _dOut = null!, _dTable = null!;
    private readonly CpuBackend _be = CpuBackend.Instance;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var ids = new int[N];
        for (int i = 0; i < N; i++) ids[i] = rng.Next(V);
        _ids = Tensor.FromArray(ids, N);
        var table = new float[V * C];
        for (int i = 0; i < table.Length; i++) table[i] = (float)rng.NextDouble();
        _table = Tensor.FromArray(table, V, C);
        _out = Tensor.Empty(new Shape(N, C));
        _dOut = Tensor.FromArray(table.AsSpan(0, N * C), N, C);
        _dTable = Tensor.Zeros(new Shape(V, C));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _ids, _table, _out, _dOut, _dTable }) t.Dispose();
    }

    [Benchmark]
    public void EmbeddingForward() => _be.Embedding(_ids, _table, _out);

    [Benchmark]
    public void EmbeddingBackward() => _be.EmbeddingBackward(_ids, _dOut, _dTable);

    public static double Bytes(BenchmarkCase c) => c.Descriptor.WorkloadMethod.Name switch
    {
        nameof(EmbeddingForward) => 4.0 * N + 2 * 4.0 * N * C,        // ids; rows read, output written
        nameof(EmbeddingBackward) => 4.0 * N + 3 * 4.0 * N * C,       // ids; dOut read, table rows read+written
        _ => 0,
    };
}
