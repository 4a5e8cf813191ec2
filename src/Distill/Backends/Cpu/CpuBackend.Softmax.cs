// Softmax and fused cross-entropy on the CPU: rows split across cores; each row is a max pass, an
// exp pass that stores exp(x - max) and sums it, and a scaling pass, all while the row sits in L1/L2,
// so memory sees one read and one write of the (N, V) buffer.
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Softmax(Tensor x, Tensor y)
    {
        nint px = F32("Softmax", x, "x"), py = F32("Softmax", y, "y");
        SameNumel("Softmax", x, y);
        int v = x.Shape.Rank == 0 ? 1 : x.Shape[-1];
        if (v == 0) return;
        long rows = x.Numel / v;  // x, y (N, V); y may alias x
        CpuParallel.For(rows, v, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++)
            {
                var xr = Span(px, r * v, v);
                var yr = Span(py, r * v, v);
                float max = SimdMap.Max(xr);
                float sum = SimdMap.UnarySum(new ExpShiftOp(max), xr, yr);
                SimdMap.Unary(new ScaleOp(1f / sum), yr, yr);
            }
        });
    }

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx)
    {
        nint py = F32("SoftmaxBackward", y, "y"), pdy = F32("SoftmaxBackward", dy, "dy"), pdx = F32("SoftmaxBackward", dx, "dx");
        SameNumel("SoftmaxBackward", y, dy, dx);
        int v = y.Shape.Rank == 0 ? 1 : y.Shape[-1];
        if (v == 0) return;
        long rows = y.Numel / v;  // y, dy, dx (N, V)
        CpuParallel.For(rows, v, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++)
            {
                var yr = Span(py, r * v, v);
                var dyr = Span(pdy, r * v, v);
                var dxr = Span(pdx, r * v, v);
                float dot = SimdMap.Sum(default(MulOp), dyr, yr);
                SimdMap.Ternary(new SoftmaxBackwardOp(dot), yr, dyr, dxr, dxr);
            }
        });
    }

    public void CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses, Tensor? dlogits, float gradScale)
    {
        const string op = "CrossEntropy";
        nint pz = F32(op, logits, "logits"), pl = F32(op, losses, "losses");
        nint pd = dlogits is null ? 0 : F32(op, dlogits, "dlogits");
        if (targets.DType != DType.I32) throw new ArgumentException($"{op}: targets {targets.Describe()} must be I32");
        if (dlogits is not null) SameNumel(op, logits, dlogits);
        long rows = losses.Numel;  // logits, dlogits (N, V); targets, losses (N)
        if (targets.Numel != rows)
            throw new ArgumentException($"{op}: targets {targets.Shape} and losses {losses.Shape} must both have one entry per row");
        if (rows == 0) return;
        int v = checked((int)(logits.Numel / rows));
        nint pt = targets.Pointer;
        CpuParallel.For(rows, v, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++)
            {
                int target = ((int*)pt)[r];
                var zr = Span(pz, r * v, v);
                var dr = pd == 0 ? default : Span(pd, r * v, v);
                if (target == ignoreIndex)
                {
                    ((float*)pl)[r] = 0f;
                    dr.Clear();
                    continue;
                }
                float zt = zr[target];  // read before dlogits (which may alias logits) overwrites it
                float max = SimdMap.Max(zr);
                float sum = pd == 0
                    ? SimdMap.Sum(new ExpShiftOp(max), zr)
                    : SimdMap.UnarySum(new ExpShiftOp(max), zr, dr);
                ((float*)pl)[r] = (float)(Math.Log(sum) + max - zt);   // lse - z[target]
                if (pd != 0)
                {
                    SimdMap.Unary(new ScaleOp(gradScale / sum), dr, dr);
                    dr[target] -= gradScale;
                }
            }
        });
    }
}
