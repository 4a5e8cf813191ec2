// Row-wise cosine similarity on the CPU: rows split across cores; per row three SIMD dot products
// (|a|^2, |b|^2, a.b) while the row sits in L1, and in backward one fused pass per gradient.
// Scalar twin: CpuReference.CosineSimilarity.
using System.Runtime.Intrinsics;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void CosineSimilarity(Tensor a, Tensor b, float eps, Tensor y)
    {
        const string op = "CosineSimilarity";
        nint pa = F32(op, a, "a"), pb = F32(op, b, "b"), py = F32(op, y, "y");
        long rows = y.Numel;                              // a, b (N, C); y (N)
        int c = rows == 0 ? 0 : checked((int)(a.Numel / rows));
        CpuParallel.For(rows, 3L * c, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++)
            {
                var (_, _, _, _, cos) = RowCosine(Span(pa, r * c, c), Span(pb, r * c, c), eps);
                ((float*)py)[r] = cos;
            }
        });
    }

    public void CosineSimilarityBackward(Tensor a, Tensor b, float eps, Tensor dy, Tensor? da, Tensor? db)
    {
        const string op = "CosineSimilarityBackward";
        nint pa = F32(op, a, "a"), pb = F32(op, b, "b"), pdy = F32(op, dy, "dy");
        nint pda = da is null ? 0 : F32(op, da, "da"), pdb = db is null ? 0 : F32(op, db, "db");
        long rows = dy.Numel;                             // a, b, da, db (N, C); dy (N)
        int c = rows == 0 ? 0 : checked((int)(a.Numel / rows));
        CpuParallel.For(rows, 5L * c, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++)
            {
                var ar = Span(pa, r * c, c);
                var br = Span(pb, r * c, c);
                var (na, nb, ca, cb, cos) = RowCosine(ar, br, eps);
                float g = ((float*)pdy)[r];
                float cross = g / (ca * cb);
                if (pda != 0)
                {
                    var d = Span(pda, r * c, c);
                    SimdMap.Ternary(new TwoAxpyOp(cross, na > eps ? -g * cos / (ca * ca) : 0f), br, ar, d, d);   // d += cross b - self a
                }
                if (pdb != 0)
                {
                    var d = Span(pdb, r * c, c);
                    SimdMap.Ternary(new TwoAxpyOp(cross, nb > eps ? -g * cos / (cb * cb) : 0f), ar, br, d, d);
                }
            }
        });
    }

    /// <summary>Norms, clamped norms and the cosine of one pair of rows.</summary>
    private static (float Na, float Nb, float Ca, float Cb, float Cos) RowCosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float eps)
    {
        float na = MathF.Sqrt(SimdMap.Sum(default(SquareOp), a));
        float nb = MathF.Sqrt(SimdMap.Sum(default(SquareOp), b));
        float ab = SimdMap.Sum(default(MulOp), a, b);
        float ca = MathF.Max(na, eps), cb = MathF.Max(nb, eps);
        return (na, nb, ca, cb, ab / (ca * cb));
    }
}

/// <summary>acc + alpha x + beta y. Inputs (x, y, acc).</summary>
internal readonly struct TwoAxpyOp(float alpha, float beta) : ITernaryOp
{
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> acc)
        => Vector512.FusedMultiplyAdd(x, Vector512.Create(alpha), Vector512.FusedMultiplyAdd(y, Vector512.Create(beta), acc));
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> acc)
        => Vector256.FusedMultiplyAdd(x, Vector256.Create(alpha), Vector256.FusedMultiplyAdd(y, Vector256.Create(beta), acc));
    public float Invoke(float x, float y, float acc) => MathF.FusedMultiplyAdd(x, alpha, MathF.FusedMultiplyAdd(y, beta, acc));
}
