// Column slices on the CPU: a row-wise strided copy (and strided add for the backward).
using System.Runtime.Intrinsics;
using Distill.Tensors;

namespace Distill.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void SliceColumns(Tensor x, int start, Tensor y)
    {
        int c = x.Shape[-1], w = y.Shape[-1];
        float* xp = (float*)x.Pointer, yp = (float*)y.Pointer;
        CpuParallel.For(y.Shape.Rows, w, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++)
                new ReadOnlySpan<float>(xp + r * c + start, w).CopyTo(new Span<float>(yp + r * w, w));
        });
    }

    public void SliceColumnsBackward(Tensor dy, int start, Tensor dx)
    {
        int c = dx.Shape[-1], w = dy.Shape[-1];
        float* dyp = (float*)dy.Pointer, dxp = (float*)dx.Pointer;
        CpuParallel.For(dy.Shape.Rows, w, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++)
            {
                float* d = dxp + r * c + start, s = dyp + r * w;
                int i = 0;
                for (; i + 16 <= w; i += 16) (Vector512.Load(d + i) + Vector512.Load(s + i)).Store(d + i);
                for (; i < w; i++) d[i] += s[i];
            }
        });
    }
}
