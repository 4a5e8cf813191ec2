// The vector bodies of the fused distillation row kernel (CpuDistillRows.cs drives them block by block):
// each pass is one struct whose Run is generic over the vector width (SimdLanes.cs), so one source gives
// the Vector512 body, the Vector256 fallback and the scalar tail. Notation per element: a = z_S / T,
// b = z_T / T, ea / eb the exps stored by pass A relative to the block's running max, fa / fb the
// block's factor exp(max_block - lse), so p = ea fa = softmax(a) and q = eb fb = softmax(b).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Distill.Backends.Cpu;

/// <summary>A row pass over [i, end): runs whole vectors of TV and returns where it stopped.</summary>
internal interface IRowPass
{
    nuint Run<L, TV>(nuint i, nuint end) where L : struct, ILanes<TV> where TV : struct;
}

/// <summary>How the hard cross-entropy (T = 1) softmax is obtained from the temperature-T student pass.</summary>
internal enum CeMode
{
    /// <summary>No targets (or a masked row): no hard part.</summary>
    None,
    /// <summary>T = 1: the T = 1 softmax is p itself.</summary>
    Same,
    /// <summary>T = 2: exp(z - m) = ea^2, so softmax_1 = p^2 exp(2 lse_T - lse_1), no extra exp.</summary>
    Square,
    /// <summary>Any other T: one more exp per element.</summary>
    Exp,
}

/// <summary>What pass A exponentiates besides the student: the teacher, TAID's interpolated logits, or nothing (sparse).</summary>
internal enum TeacherMode { None, Dense, Taid }

internal static class RowSweep
{
    /// <summary>Runs the pass over [start, end): widest vectors first, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TPass>(ref TPass pass, nuint start, nuint end) where TPass : struct, IRowPass
    {
        nuint i = start;
        if (Vector512.IsHardwareAccelerated) i = pass.Run<Lanes512, Vector512<float>>(i, end);
        else if (Vector256.IsHardwareAccelerated) i = pass.Run<Lanes256, Vector256<float>>(i, end);
        pass.Run<Lanes1, float>(i, end);
    }

    /// <summary>The T = 1 student softmax from p (and z for CeMode.Exp): c is exp(2 lse_T - lse_1) or lse_1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV HardSoftmax<L, TV>(CeMode ce, TV p, ref float z, nuint i, TV c) where L : struct, ILanes<TV> where TV : struct =>
        ce switch
        {
            CeMode.Same => p,
            CeMode.Square => L.Mul(L.Mul(p, p), c),
            _ => L.Exp(L.Sub(L.Load(ref z, i), c)),
        };
}

/// <summary>Pass A, part 1: the block maxima of the raw student logits and of the teacher (or TAID mix) logits.</summary>
internal unsafe struct BlockMaxPass : IRowPass
{
    public float* Z, Zt;
    public TeacherMode Teacher;
    public float TaidT;
    public float MaxZ, MaxT;    // in: -inf; out: the block's maxima

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Run<L, TV>(nuint i, nuint end) where L : struct, ILanes<TV> where TV : struct
    {
        if (i + L.Count > end) return i;
        ref float z = ref *Z;
        ref float zt = ref *Zt;
        TV mz = L.Splat(float.NegativeInfinity), mt = mz;
        TV t = L.Splat(TaidT), u = L.Splat(1f - TaidT);
        for (; i + L.Count <= end; i += L.Count)
        {
            var zr = L.Load(ref z, i);
            mz = L.Max(mz, zr);
            if (Teacher == TeacherMode.Dense) mt = L.Max(mt, L.Load(ref zt, i));
            else if (Teacher == TeacherMode.Taid) mt = L.Max(mt, L.Fma(t, L.Load(ref zt, i), L.Mul(u, zr)));
        }
        MaxZ = MathF.Max(MaxZ, L.MaxAcross(mz));
        MaxT = MathF.Max(MaxT, L.MaxAcross(mt));
        return i;
    }
}

/// <summary>
/// Pass A, part 2: ea = exp(a - ShiftA) and eb = exp(b - ShiftB) (b the teacher or TAID mix at T) stored
/// to scratch, their sums, the T = 1 sum for the hard part, and a finiteness probe of the teacher
/// (sum of zt - zt: NaN exactly when some teacher logit is NaN or infinite).
/// </summary>
internal unsafe struct ExpPass : IRowPass
{
    public float* Z, Zt, Ea, Eb;
    public TeacherMode Teacher;
    public CeMode Ce;
    public float InvT, TaidT, ShiftA, ShiftB, ShiftZ;
    public float SumA, SumB, SumZ, Probe;    // out: block sums (reset by the caller)

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Run<L, TV>(nuint i, nuint end) where L : struct, ILanes<TV> where TV : struct
    {
        if (i + L.Count > end) return i;
        ref float z = ref *Z;
        ref float zt = ref *Zt;
        ref float ea = ref *Ea;
        ref float eb = ref *Eb;
        TV invT = L.Splat(InvT), shiftA = L.Splat(ShiftA), shiftB = L.Splat(ShiftB), shiftZ = L.Splat(ShiftZ);
        TV t = L.Splat(TaidT), u = L.Splat(1f - TaidT);
        TV sa = L.Splat(0f), sb = sa, sz = sa, probe = sa;
        for (; i + L.Count <= end; i += L.Count)
        {
            var zr = L.Load(ref z, i);
            var e = L.Exp(L.Sub(L.Mul(zr, invT), shiftA));
            L.Store(e, ref ea, i);
            sa = L.Add(sa, e);
            if (Ce == CeMode.Square) sz = L.Fma(e, e, sz);
            else if (Ce == CeMode.Exp) sz = L.Add(sz, L.Exp(L.Sub(zr, shiftZ)));
            if (Teacher != TeacherMode.None)
            {
                var tr = L.Load(ref zt, i);
                probe = L.Add(probe, L.Sub(tr, tr));
                var raw = Teacher == TeacherMode.Taid ? L.Fma(t, tr, L.Mul(u, zr)) : tr;
                var f = L.Exp(L.Sub(L.Mul(raw, invT), shiftB));
                L.Store(f, ref eb, i);
                sb = L.Add(sb, f);
            }
        }
        SumA += L.Sum(sa);
        SumB += L.Sum(sb);
        SumZ += L.Sum(sz);
        Probe += L.Sum(probe);
        return i;
    }
}

/// <summary>
/// Pass B for forward KL and TAID, whose gradient needs no row sum: loss term q (X - a + C) with X = b
/// (forward KL, C = lse_S - lse_T, so the term is q (t - s)) or X = 0 (TAID, C = lse_S, term -q s), and
/// dz = KS (p - q) + KH softmax_1(z) written when Dz is set.
/// </summary>
internal unsafe struct TargetGradPass : IRowPass
{
    public float* Z, Zt, Ea, Eb, Dz;
    public bool Taid;
    public CeMode Ce;
    public float InvT, Fa, Fb, C, KS, KH, HardC;
    public float Loss;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Run<L, TV>(nuint i, nuint end) where L : struct, ILanes<TV> where TV : struct
    {
        if (i + L.Count > end) return i;
        ref float z = ref *Z;
        ref float zt = ref *Zt;
        ref float ea = ref *Ea;
        ref float eb = ref *Eb;
        ref float dz = ref *Dz;
        bool write = Dz != null;
        TV invT = L.Splat(InvT), fa = L.Splat(Fa), fb = L.Splat(Fb), c = L.Splat(C);
        TV ks = L.Splat(KS), kh = L.Splat(KH), hardC = L.Splat(HardC);
        TV loss = L.Splat(0f);
        for (; i + L.Count <= end; i += L.Count)
        {
            var a = L.Mul(L.Load(ref z, i), invT);
            var p = L.Mul(L.Load(ref ea, i), fa);
            var q = L.Mul(L.Load(ref eb, i), fb);
            var x = Taid ? c : L.Add(L.Mul(L.Load(ref zt, i), invT), c);
            loss = L.Fma(q, L.Sub(x, a), loss);
            if (!write) continue;
            var d = L.Mul(ks, L.Sub(p, q));
            if (Ce != CeMode.None) d = L.Fma(kh, RowSweep.HardSoftmax<L, TV>(Ce, p, ref z, i, hardC), d);
            L.Store(d, ref dz, i);   // after every read of z[i]: dz may alias z
        }
        Loss += L.Sum(loss);
        return i;
    }
}

/// <summary>One divergence whose gradient is p (g - sum p g) / T: its per-element loss term and g = dD/dp (up to a constant).</summary>
internal interface IGradDivergence
{
    /// <summary>Smallest normal float: mixtures are clamped to it before their log.</summary>
    const float MinNormal = 1.17549435e-38f;

    void Element<L, TV>(TV p, TV q, TV s, TV t, out TV loss, out TV g) where L : struct, ILanes<TV> where TV : struct;
}

/// <summary>KL(p_S || p_T): term p (s - t), g = s - t.</summary>
internal readonly struct ReverseKlElement : IGradDivergence
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Element<L, TV>(TV p, TV q, TV s, TV t, out TV loss, out TV g) where L : struct, ILanes<TV> where TV : struct
    {
        g = L.Sub(s, t);
        loss = L.Mul(p, g);
    }
}

/// <summary>JSD(beta), m = beta q + (1-beta) p: term beta q (t - log m) + (1-beta) p (s - log m), g = (1-beta)(s - log m).</summary>
internal readonly struct JsdElement(float beta) : IGradDivergence
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Element<L, TV>(TV p, TV q, TV s, TV t, out TV loss, out TV g) where L : struct, ILanes<TV> where TV : struct
    {
        TV vb = L.Splat(beta), vc = L.Splat(1f - beta);
        var m = L.Fma(vb, q, L.Mul(vc, p));
        var lm = L.Log(L.Max(m, L.Splat(IGradDivergence.MinNormal)));   // m = 0 only where p = q = 0: those terms vanish
        g = L.Mul(vc, L.Sub(s, lm));
        loss = L.Fma(L.Mul(vb, q), L.Sub(t, lm), L.Mul(p, g));
    }
}

/// <summary>Skew KL(alpha), r = alpha q + (1-alpha) p: term q (t - log r), g = -(1-alpha) q / r.</summary>
internal readonly struct SkewKlElement(float alpha) : IGradDivergence
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Element<L, TV>(TV p, TV q, TV s, TV t, out TV loss, out TV g) where L : struct, ILanes<TV> where TV : struct
    {
        TV vc = L.Splat(1f - alpha);
        var r = L.Max(L.Fma(L.Splat(alpha), q, L.Mul(vc, p)), L.Splat(IGradDivergence.MinNormal));   // r = 0 only where q = 0 (alpha > 0)
        loss = L.Mul(q, L.Sub(t, L.Log(r)));
        g = L.Div(L.Mul(L.Mul(vc, q), L.Splat(-1f)), r);
    }
}

/// <summary>Skew reverse KL(alpha), r = (1-alpha) q + alpha p: term p (s - log r), g = s - log r - alpha p / r (+1 dropped: it cancels).</summary>
internal readonly struct SkewReverseKlElement(float alpha) : IGradDivergence
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Element<L, TV>(TV p, TV q, TV s, TV t, out TV loss, out TV g) where L : struct, ILanes<TV> where TV : struct
    {
        TV va = L.Splat(alpha);
        var r = L.Max(L.Fma(L.Splat(1f - alpha), q, L.Mul(va, p)), L.Splat(IGradDivergence.MinNormal));   // r = 0 only where p = 0 (alpha > 0)
        var sl = L.Sub(s, L.Log(r));
        loss = L.Mul(p, sl);
        g = L.Sub(sl, L.Div(L.Mul(va, p), r));
    }
}

/// <summary>Total variation: term |q - p| / 2, g = sign(p - q) / 2 (0 at equality).</summary>
internal readonly struct TotalVariationElement : IGradDivergence
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Element<L, TV>(TV p, TV q, TV s, TV t, out TV loss, out TV g) where L : struct, ILanes<TV> where TV : struct
    {
        var half = L.Splat(0.5f);
        var d = L.Sub(p, q);
        loss = L.Mul(half, L.Abs(d));
        g = L.Mul(half, L.Sign(d));
    }
}

/// <summary>Pass B for the g-divergences: loss and S = sum p g, with p stored over ea and g over eb for pass C.</summary>
internal unsafe struct GradStorePass<TD> : IRowPass where TD : struct, IGradDivergence
{
    public float* Z, Zt, Ea, Eb;
    public TD Divergence;
    public float InvT, Fa, Fb, LseA, LseB;
    public float Loss, Dot;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Run<L, TV>(nuint i, nuint end) where L : struct, ILanes<TV> where TV : struct
    {
        if (i + L.Count > end) return i;
        ref float z = ref *Z;
        ref float zt = ref *Zt;
        ref float ea = ref *Ea;
        ref float eb = ref *Eb;
        TV invT = L.Splat(InvT), fa = L.Splat(Fa), fb = L.Splat(Fb), lseA = L.Splat(LseA), lseB = L.Splat(LseB);
        TV loss = L.Splat(0f), dot = loss;
        for (; i + L.Count <= end; i += L.Count)
        {
            var s = L.Sub(L.Mul(L.Load(ref z, i), invT), lseA);
            var t = L.Sub(L.Mul(L.Load(ref zt, i), invT), lseB);
            var p = L.Mul(L.Load(ref ea, i), fa);
            var q = L.Mul(L.Load(ref eb, i), fb);
            Divergence.Element<L, TV>(p, q, s, t, out var term, out var g);
            loss = L.Add(loss, term);
            dot = L.Fma(p, g, dot);
            L.Store(p, ref ea, i);
            L.Store(g, ref eb, i);
        }
        Loss += L.Sum(loss);
        Dot += L.Sum(dot);
        return i;
    }
}

/// <summary>
/// The gradient write: dz = KS p (g - Dot) + KH softmax_1(z). P holds p (Fa = 1) or the student exps
/// (Fa their block factor); G holds g per element, or is null for one g for every element (Uniform).
/// </summary>
internal unsafe struct GradWritePass : IRowPass
{
    public float* Z, P, G, Dz;
    public CeMode Ce;
    public float Fa, Uniform, Dot, KS, KH, HardC;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Run<L, TV>(nuint i, nuint end) where L : struct, ILanes<TV> where TV : struct
    {
        if (i + L.Count > end) return i;
        ref float z = ref *Z;
        ref float pp = ref *P;
        ref float gg = ref *G;
        ref float dz = ref *Dz;
        bool perElement = G != null;
        TV fa = L.Splat(Fa), uniform = L.Splat(Uniform - Dot), dot = L.Splat(Dot);
        TV ks = L.Splat(KS), kh = L.Splat(KH), hardC = L.Splat(HardC);
        for (; i + L.Count <= end; i += L.Count)
        {
            var p = L.Mul(L.Load(ref pp, i), fa);
            var gs = perElement ? L.Sub(L.Load(ref gg, i), dot) : uniform;
            var d = L.Mul(L.Mul(ks, p), gs);
            if (Ce != CeMode.None) d = L.Fma(kh, RowSweep.HardSoftmax<L, TV>(Ce, p, ref z, i, hardC), d);
            L.Store(d, ref dz, i);   // after every read of z[i]: dz may alias z
        }
        return i;
    }
}
