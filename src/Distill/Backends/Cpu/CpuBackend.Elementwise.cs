// Elementwise ops on the CPU: each is one SimdMap call per chunk of 16K elements, chunks split across
// cores. Also the work-splitting helpers the row families (norms, softmax) share.
using System.Runtime.InteropServices;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Elements per chunk of an elementwise op: 64 KB a stream, a few streams stay in L2.</summary>
    private const int ChunkElems = 16384;

    public void Add(Tensor a, Tensor b, Tensor dst)
    {
        nint pa = F32("Add", a, "a"), pb = F32("Add", b, "b"), py = F32("Add", dst, "dst");
        SameNumel("Add", a, b, dst);
        ForChunks(a.Numel, (s, n) => SimdMap.Binary(default(AddOp), Span(pa, s, n), Span(pb, s, n), Span(py, s, n)));
    }

    public void Mul(Tensor a, Tensor b, Tensor dst)
    {
        nint pa = F32("Mul", a, "a"), pb = F32("Mul", b, "b"), py = F32("Mul", dst, "dst");
        SameNumel("Mul", a, b, dst);
        ForChunks(a.Numel, (s, n) => SimdMap.Binary(default(MulOp), Span(pa, s, n), Span(pb, s, n), Span(py, s, n)));
    }

    public void Axpy(float alpha, Tensor x, Tensor y)
    {
        nint px = F32("Axpy", x, "x"), py = F32("Axpy", y, "y");
        SameNumel("Axpy", x, y);
        var op = new AxpyOp(alpha);
        ForChunks(x.Numel, (s, n) => SimdMap.Binary(op, Span(px, s, n), Span(py, s, n), Span(py, s, n)));
    }

    public void Scale(Tensor x, float alpha, Tensor dst)
    {
        nint px = F32("Scale", x, "x"), py = F32("Scale", dst, "dst");
        SameNumel("Scale", x, dst);
        var op = new ScaleOp(alpha);
        ForChunks(x.Numel, (s, n) => SimdMap.Unary(op, Span(px, s, n), Span(py, s, n)));
    }

    public double Sum(Tensor x)
    {
        nint px = F32("Sum", x, "x");
        // One partial per chunk, added in chunk order: the result does not depend on the thread count.
        long chunks = (x.Numel + ChunkElems - 1) / ChunkElems;
        var partial = new double[chunks];
        ForChunks(x.Numel, (s, n) => partial[s / ChunkElems] = SimdMap.SumDouble(Span(px, s, n)));
        double sum = 0;
        foreach (var p in partial) sum += p;
        return sum;
    }

    public void AddBias(Tensor x, Tensor bias, Tensor dst)
    {
        nint px = F32("AddBias", x, "x"), pb = F32("AddBias", bias, "bias"), py = F32("AddBias", dst, "dst");
        SameNumel("AddBias", x, dst);
        int c = checked((int)bias.Numel);
        if (c == 0) return;
        long rows = x.Numel / c;  // (N, C) = x (N, C) + bias (C)
        CpuParallel.For(rows, c, (r0, r1) =>
        {
            var b = Span(pb, 0, c);
            for (long r = r0; r < r1; r++)
                SimdMap.Binary(default(AddOp), Span(px, r * c, c), b, Span(py, r * c, c));
        });
    }

    public void AddBiasBackward(Tensor dy, Tensor dbias)
    {
        nint pdy = F32("AddBiasBackward", dy, "dy"), pdb = F32("AddBiasBackward", dbias, "dbias");
        int c = checked((int)dbias.Numel);
        if (c == 0) return;
        int rows = checked((int)(dy.Numel / c));  // dy (N, C), dbias (C)
        ReduceRowBlocks(rows, c, [pdb], (r0, r1, acc) =>
        {
            var db = Span(acc[0], 0, c);
            for (long r = r0; r < r1; r++) SimdMap.Binary(default(AddOp), Span(pdy, r * c, c), db, db);
        });
    }

    public void Gelu(Tensor x, Tensor y)
    {
        nint px = F32("Gelu", x, "x"), py = F32("Gelu", y, "y");
        SameNumel("Gelu", x, y);
        ForChunks(x.Numel, (s, n) => SimdMap.Unary(default(GeluOp), Span(px, s, n), Span(py, s, n)));
    }

    public void GeluBackward(Tensor x, Tensor dy, Tensor dx)
    {
        nint px = F32("GeluBackward", x, "x"), pdy = F32("GeluBackward", dy, "dy"), pdx = F32("GeluBackward", dx, "dx");
        SameNumel("GeluBackward", x, dy, dx);
        ForChunks(x.Numel, (s, n) =>
            SimdMap.Ternary(default(GeluBackwardOp), Span(px, s, n), Span(pdy, s, n), Span(pdx, s, n), Span(pdx, s, n)));
    }

    public void Silu(Tensor x, Tensor y)
    {
        nint px = F32("Silu", x, "x"), py = F32("Silu", y, "y");
        SameNumel("Silu", x, y);
        ForChunks(x.Numel, (s, n) => SimdMap.Unary(default(SiluOp), Span(px, s, n), Span(py, s, n)));
    }

    public void SiluBackward(Tensor x, Tensor dy, Tensor dx)
    {
        nint px = F32("SiluBackward", x, "x"), pdy = F32("SiluBackward", dy, "dy"), pdx = F32("SiluBackward", dx, "dx");
        SameNumel("SiluBackward", x, dy, dx);
        ForChunks(x.Numel, (s, n) =>
            SimdMap.Ternary(default(SiluBackwardOp), Span(px, s, n), Span(pdy, s, n), Span(pdx, s, n), Span(pdx, s, n)));
    }

    public void SwiGlu(Tensor gate, Tensor up, Tensor y)
    {
        nint pg = F32("SwiGlu", gate, "gate"), pu = F32("SwiGlu", up, "up"), py = F32("SwiGlu", y, "y");
        SameNumel("SwiGlu", gate, up, y);
        ForChunks(gate.Numel, (s, n) => SimdMap.Binary(default(SwiGluOp), Span(pg, s, n), Span(pu, s, n), Span(py, s, n)));
    }

    public void SwiGluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup)
    {
        const string op = "SwiGluBackward";
        nint pg = F32(op, gate, "gate"), pu = F32(op, up, "up"), pdy = F32(op, dy, "dy");
        nint pdg = F32(op, dgate, "dgate"), pdu = F32(op, dup, "dup");
        SameNumel(op, gate, up, dy, dgate, dup);
        // Two passes per chunk; the second finds gate and dy still in cache, so memory traffic is that of
        // one fused pass. dgate and dup may be the same scratch buffer (Ops passes one for the side that
        // needs no gradient), which is why they are separate passes and not one two-output op.
        ForChunks(gate.Numel, (s, n) =>
        {
            var g = Span(pg, s, n);
            var d = Span(pdy, s, n);
            SimdMap.Quaternary(default(SwiGluGateBackwardOp), g, Span(pu, s, n), d, Span(pdg, s, n), Span(pdg, s, n));
            SimdMap.Ternary(default(SwiGluUpBackwardOp), g, d, Span(pdu, s, n), Span(pdu, s, n));
        });
    }

    // ---- checks ---------------------------------------------------------------------------------

    /// <summary>The tensor's data pointer, after checking it is F32.</summary>
    private static nint F32(string op, Tensor t, string role)
    {
        if (t.DType != DType.F32) throw new ArgumentException($"{op}: {role} {t.Describe()} must be F32, is {t.DType}");
        return t.Pointer;
    }

    private static void SameNumel(string op, params ReadOnlySpan<Tensor> ts)
    {
        for (int i = 1; i < ts.Length; i++)
        {
            if (ts[i].Numel != ts[0].Numel)
                throw new ArgumentException($"{op}: element counts differ: {ts[0].Shape} vs {ts[i].Shape}");
        }
    }

    // ---- splitting work -------------------------------------------------------------------------

    private static Span<float> Span(nint p, long start, int length) => new((float*)p + start, length);

    /// <summary>body(start, length) over [0, n) in chunks of ChunkElems elements, chunks split across cores.</summary>
    private static void ForChunks(long n, Action<long, int> body)
    {
        long chunks = (n + ChunkElems - 1) / ChunkElems;
        CpuParallel.For(chunks, ChunkElems, (c0, c1) =>
        {
            for (long c = c0; c < c1; c++)
            {
                long start = c * ChunkElems;
                body(start, (int)Math.Min(ChunkElems, n - start));
            }
        });
    }

    /// <summary>
    /// Column reductions over rows (dbias, dweight += a sum over rows): rows are split into a fixed number
    /// of blocks that follows from the shape alone; each block accumulates into zeroed private
    /// accumulators (one of `width` floats per destination), then the blocks are added into the
    /// destinations in block order, so the result is the same on any core count. A single block
    /// accumulates straight into the destinations. body(rowStart, rowEnd, accumulators).
    /// </summary>
    private static void ReduceRowBlocks(int rows, int width, nint[] dsts, Action<int, int, nint[]> body)
    {
        int blocks = (int)Math.Clamp((long)rows * width / 65536, 1, Math.Min(8, Math.Max(rows, 1)));
        if (blocks == 1)
        {
            body(0, rows, dsts);
            return;
        }
        long floats = (long)blocks * dsts.Length * width;
        float* scratch = (float*)NativeMemory.AllocZeroed((nuint)floats, sizeof(float));
        try
        {
            CpuParallel.For(blocks, (long)rows / blocks * width, (b0, b1) =>
            {
                for (int b = b0; b < b1; b++)
                {
                    var acc = new nint[dsts.Length];
                    for (int k = 0; k < acc.Length; k++) acc[k] = (nint)(scratch + ((long)b * dsts.Length + k) * width);
                    body((int)((long)rows * b / blocks), (int)((long)rows * (b + 1) / blocks), acc);
                }
            });
            for (int k = 0; k < dsts.Length; k++)
            {
                var dst = Span(dsts[k], 0, width);
                for (int b = 0; b < blocks; b++)
                    SimdMap.Binary(default(AddOp), new ReadOnlySpan<float>(scratch + ((long)b * dsts.Length + k) * width, width), dst, dst);
            }
        }
        finally
        {
            NativeMemory.Free(scratch);
        }
    }
}
