// Plain scalar twin of the row-wise cosine similarity and its gradient, generic over the float type
// so the tests can check the CPU kernel in float and its gradient by finite differences in double.
using System.Numerics;

namespace Distill.Backends.Cpu;

public static partial class CpuReference
{
    /// <summary>y[r] = sum_i a[r,i] / max(|a_r|, eps) * b[r,i] / max(|b_r|, eps); a, b (N, C) with C = a.Length / y.Length.</summary>
    public static void CosineSimilarity<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, T eps, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = y.Length, c = n == 0 ? 0 : a.Length / n;
        for (int r = 0; r < n; r++)
        {
            T aa = T.Zero, bb = T.Zero, ab = T.Zero;
            for (int i = 0; i < c; i++)
            {
                T x = a[r * c + i], z = b[r * c + i];
                aa += x * x;
                bb += z * z;
                ab += x * z;
            }
            y[r] = ab / (T.Max(T.Sqrt(aa), eps) * T.Max(T.Sqrt(bb), eps));
        }
    }

    /// <summary>da += dy (b / (A B) - [|a| &gt; eps] cos a / A^2), db likewise; empty da or db: not wanted.</summary>
    public static void CosineSimilarityBackward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, T eps, ReadOnlySpan<T> dy, Span<T> da, Span<T> db)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = dy.Length, c = n == 0 ? 0 : a.Length / n;
        for (int r = 0; r < n; r++)
        {
            T aa = T.Zero, bb = T.Zero, ab = T.Zero;
            for (int i = 0; i < c; i++)
            {
                T x = a[r * c + i], z = b[r * c + i];
                aa += x * x;
                bb += z * z;
                ab += x * z;
            }
            T na = T.Sqrt(aa), nb = T.Sqrt(bb);
            T ca = T.Max(na, eps), cb = T.Max(nb, eps);
            T cos = ab / (ca * cb);
            T selfA = na > eps ? cos / (ca * ca) : T.Zero;
            T selfB = nb > eps ? cos / (cb * cb) : T.Zero;
            for (int i = 0; i < c; i++)
            {
                T x = a[r * c + i], z = b[r * c + i];
                if (!da.IsEmpty) da[r * c + i] += dy[r] * (z / (ca * cb) - selfA * x);
                if (!db.IsEmpty) db[r * c + i] += dy[r] * (x / (ca * cb) - selfB * z);
            }
        }
    }
}
