// LayerNorm and RmsNorm on the CPU: rows split across cores, each row a few SimdMap passes while it sits
// in L1 (sums, then the normalised write). Backward accumulates dweight/dbias per row block
// (ReduceRowBlocks) so the column sums are deterministic. RmsNorm is the mean = 0, no-bias case.
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void LayerNorm(Tensor x, Tensor weight, Tensor? bias, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        const string op = "LayerNorm";
        nint px = F32(op, x, "x"), pw = F32(op, weight, "weight"), pb = bias is null ? 0 : F32(op, bias, "bias");
        nint py = F32(op, y, "y"), pm = F32(op, mean, "mean"), pr = F32(op, rstd, "rstd");
        int c = checked((int)weight.Numel);
        long rows = mean.Numel;  // x, y (N, C); mean, rstd (N)
        CpuParallel.For(rows, c, (r0, r1) =>
        {
            var w = Span(pw, 0, c);
            for (long r = r0; r < r1; r++)
            {
                var xr = Span(px, r * c, c);
                var yr = Span(py, r * c, c);
                float m = SimdMap.Sum(default(IdentityOp), xr) / c;
                float v = SimdMap.Sum(new SquaredDiffOp(m), xr) / c;   // two-pass variance: no cancellation
                float s = 1f / MathF.Sqrt(v + eps);
                if (pb == 0) SimdMap.Binary(new NormalizeScaleOp(m, s), xr, w, yr);
                else SimdMap.Ternary(new NormalizeAffineOp(m, s), xr, w, Span(pb, 0, c), yr);
                ((float*)pm)[r] = m;
                ((float*)pr)[r] = s;
            }
        });
    }

    public void LayerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor dweight, Tensor? dbias)
    {
        const string op = "LayerNormBackward";
        nint px = F32(op, x, "x"), pw = F32(op, weight, "weight"), pm = F32(op, mean, "mean"), pr = F32(op, rstd, "rstd");
        nint pdy = F32(op, dy, "dy"), pdx = F32(op, dx, "dx"), pdw = F32(op, dweight, "dweight");
        nint pdb = dbias is null ? 0 : F32(op, dbias, "dbias");
        NormBackward(px, pw, pm, pr, pdy, pdx, pdw, pdb, checked((int)mean.Numel), checked((int)weight.Numel));
    }

    public void RmsNorm(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd)
    {
        const string op = "RmsNorm";
        nint px = F32(op, x, "x"), pw = F32(op, weight, "weight"), py = F32(op, y, "y"), pr = F32(op, rstd, "rstd");
        int c = checked((int)weight.Numel);
        long rows = rstd.Numel;  // x, y (N, C); rstd (N)
        CpuParallel.For(rows, c, (r0, r1) =>
        {
            var w = Span(pw, 0, c);
            for (long r = r0; r < r1; r++)
            {
                var xr = Span(px, r * c, c);
                float s = 1f / MathF.Sqrt(SimdMap.Sum(default(SquareOp), xr) / c + eps);
                SimdMap.Binary(new NormalizeScaleOp(0f, s), xr, w, Span(py, r * c, c));
                ((float*)pr)[r] = s;
            }
        });
    }

    public void RmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweight)
    {
        const string op = "RmsNormBackward";
        nint px = F32(op, x, "x"), pw = F32(op, weight, "weight"), pr = F32(op, rstd, "rstd");
        nint pdy = F32(op, dy, "dy"), pdx = F32(op, dx, "dx"), pdw = F32(op, dweight, "dweight");
        NormBackward(px, pw, 0, pr, pdy, pdx, pdw, 0, checked((int)rstd.Numel), checked((int)weight.Numel));
    }

    /// <summary>
    /// Backward of y = xhat * w (+ b), xhat = (x - mean) * rstd (mean = 0 when pm is 0, i.e. RmsNorm; then
    /// the mean(dnorm) term drops out too). Per row, with dnorm = w * dy:
    /// dx += rstd * (dnorm - mean(dnorm) - xhat * mean(dnorm * xhat)); dweight += dy * xhat; dbias += dy.
    /// </summary>
    private static void NormBackward(nint px, nint pw, nint pm, nint pr, nint pdy, nint pdx, nint pdw, nint pdb, int rows, int c)
    {
        nint[] dsts = pdb == 0 ? [pdw] : [pdw, pdb];
        ReduceRowBlocks(rows, c, dsts, (r0, r1, acc) =>
        {
            var w = Span(pw, 0, c);
            var dw = Span(acc[0], 0, c);
            var db = pdb == 0 ? default : Span(acc[1], 0, c);
            for (long r = r0; r < r1; r++)
            {
                var xr = Span(px, r * c, c);
                var dyr = Span(pdy, r * c, c);
                var dxr = Span(pdx, r * c, c);
                float m = pm == 0 ? 0f : ((float*)pm)[r];
                float s = ((float*)pr)[r];
                float meanDnorm = pm == 0 ? 0f : SimdMap.Sum(default(MulOp), w, dyr) / c;
                float meanDnormXhat = SimdMap.Sum(new NormalizedDotOp(m, s), xr, w, dyr) / c;
                SimdMap.Quaternary(new NormalizeBackwardOp(m, s, meanDnorm, meanDnormXhat), xr, w, dyr, dxr, dxr);
                SimdMap.Ternary(new NormWeightGradOp(m, s), xr, dyr, dw, dw);
                if (pdb != 0) SimdMap.Binary(default(AddOp), dyr, db, db);
            }
        });
    }
}
