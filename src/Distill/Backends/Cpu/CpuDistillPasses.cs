// The vector bodies of the fused distillation row kernel (CpuDistillRows.cs drives them block by block):
// each pass is one struct whose Run is generic over the vector width (SimdLanes.cs), so one source gives
// the Vector512 body, the Vector256 fallback and the scalar tail. Notation per element: a = z_S / T,
// b = z_T / T, ea / eb the exps stored by pass A relative to the block's running max, fa / fb the
// block's factor exp(max_block - lse), so p = ea fa = softmax(a) and q = eb fb = softmax(b).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>Prefetches the 64-byte lines holding a[i] and b[i] (b may be null), once per line; prefetches never fault.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<L, TV>(float* a, float* b, nuint i) where L : struct, ILanes<TV> where TV : struct
    {
        if (!Sse.IsSupported || L.Count == 1 || (i & 15) != 0) return;
        Sse.Prefetch0(a + i);
        if (b != null) Sse.Prefetch0(b + i);
    }
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
/// to scratch, their sums, the T = 1 sum for the hard part, and a finiteness probe of the teacher:
/// zt * 0 is added into SumB (or, for forward KL, eb (zt - z) into Weighted), which is then NaN exactly
/// when some teacher logit is NaN or infinite.
/// </summary>
internal unsafe struct ExpPass : IRowPass
{
    /// <summary>Floats ahead of the exps to prefetch the logits: the next block (the next row's first, at a row's end).</summary>
    public const int PrefetchDistance = 1024;

    public float* Z, Zt, Ea, Eb;
    /// <summary>Prefetch the logits PrefetchDistance floats ahead (pass A is compute-heavy: it leaves DRAM idle otherwise).</summary>
    public bool Prefetch;
    /// <summary>Also track the block's raw maxima (MaxZ, MaxT as in BlockMaxPass) on the way.</summary>
    public bool TrackMax;
    public float MaxZ, MaxT;
    /// <summary>Add zt * 0 into SumB (not needed when the forward-KL weighted sum eb (zt - z) already turns a non-finite zt into NaN).</summary>
    public bool Probe;
    public TeacherMode Teacher;
    public CeMode Ce;
    /// <summary>
    /// Also sum eb ((b - ShiftB) - (a - ShiftA)) (forward KL) or eb (a - ShiftA) (TAID) into Weighted, for a
    /// loss that needs no second read of the logits and keeps the precision of the shifted arguments.
    /// </summary>
    public bool WeightedSum;
    public float InvT, TaidT, ShiftA, ShiftB, ShiftZ;
    public float SumA, SumB, SumZ, Weighted;    // running sums, rescaled by the caller when a shift rises

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Run<L, TV>(nuint i, nuint end) where L : struct, ILanes<TV> where TV : struct
    {
        if (i + L.Count > end) return i;
        ref float z = ref *Z;
        ref float zt = ref *Zt;
        ref float ea = ref *Ea;
        ref float eb = ref *Eb;
        // a - shift = z (1/T) - shift as one fused multiply-add.
        TV invT = L.Splat(InvT), negShiftA = L.Splat(-ShiftA), negShiftB = L.Splat(-ShiftB), shiftZ = L.Splat(ShiftZ);
        TV t = L.Splat(TaidT), u = L.Splat(1f - TaidT), zero = L.Splat(0f);
        TV sa = zero, sb = zero, sz = zero, w = zero;
        TV mz = L.Splat(float.NegativeInfinity), mt = mz;
        for (; i + L.Count <= end; i += L.Count)
        {
            if (Prefetch) RowSweep.Prefetch<L, TV>(Z + PrefetchDistance, Zt + PrefetchDistance, i);
            var zr = L.Load(ref z, i);
            if (TrackMax) mz = L.Max(mz, zr);
            var argA = L.Fma(zr, invT, negShiftA);
            var e = L.Exp(argA);
            L.Store(e, ref ea, i);
            sa = L.Add(sa, e);
            if (Ce == CeMode.Square) sz = L.Fma(e, e, sz);
            else if (Ce == CeMode.Exp) sz = L.Add(sz, L.Exp(L.Sub(zr, shiftZ)));
            if (Teacher != TeacherMode.None)
            {
                var tr = L.Load(ref zt, i);
                if (Probe) sb = L.Fma(tr, zero, sb);   // + 0, or NaN for a NaN or infinite teacher logit
                var raw = Teacher == TeacherMode.Taid ? L.Fma(t, tr, L.Mul(u, zr)) : tr;
                if (TrackMax) mt = L.Max(mt, raw);
                var argB = L.Fma(raw, invT, negShiftB);
                var f = L.Exp(argB);
                L.Store(f, ref eb, i);
                sb = L.Add(sb, f);
                if (WeightedSum) w = L.Fma(f, Teacher == TeacherMode.Taid ? argA : L.Sub(argB, argA), w);
            }
        }
        SumA += L.Sum(sa);
        SumB += L.Sum(sb);
        SumZ += L.Sum(sz);
        Weighted += L.Sum(w);
        if (TrackMax)
        {
            MaxZ = MathF.Max(MaxZ, L.MaxAcross(mz));
            MaxT = MathF.Max(MaxT, L.MaxAcross(mt));
        }
        return i;
    }
}

/// <summary>
/// Pass B for forward KL and TAID, whose gradient needs no row sum (their loss came out of pass A):
/// dz = KS (p - q) + KH softmax_1(z) with p = fa ea and q = fb eb folded into one fused multiply-add.
/// Reads only the stored exps (and z for CeMode.Exp).
/// </summary>
internal unsafe struct TargetGradPass : IRowPass
{
    public float* Z, Ea, Eb, Dz;
    public bool Stream;
    public CeMode Ce;
    public float Fa, Fb, KS, KH, HardC;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Run<L, TV>(nuint i, nuint end) where L : struct, ILanes<TV> where TV : struct
    {
        if (i + L.Count > end) return i;
        ref float z = ref *Z;
        ref float ea = ref *Ea;
        ref float eb = ref *Eb;
        ref float dz = ref *Dz;
        TV fa = L.Splat(Fa), ks = L.Splat(KS), negKsFb = L.Splat(-KS * Fb), kh = L.Splat(KH), ksKh = L.Splat(KS + KH);
        TV khC = L.Splat(KH * HardC), hardC = L.Splat(HardC);
        for (; i + L.Count <= end; i += L.Count)
        {
            var p = L.Mul(L.Load(ref ea, i), fa);
            var sp = Ce switch
            {
                CeMode.None => L.Mul(ks, p),                                                  // KS p
                CeMode.Same => L.Mul(ksKh, p),                                                // KS p + KH p
                CeMode.Square => L.Mul(p, L.Fma(khC, p, ks)),                                 // KS p + KH C p^2
                _ => L.Fma(kh, L.Exp(L.Sub(L.Load(ref z, i), hardC)), L.Mul(ks, p)),          // KS p + KH exp(z - lse_1)
            };
            var d = L.Fma(negKsFb, L.Load(ref eb, i), sp);
            if (Stream) L.StoreStreaming(d, ref dz, i);   // after every read of z[i]: dz may alias z
            else L.Store(d, ref dz, i);
        }
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
    /// <summary>The block's shifts (OffA/OffB) and shift - lse: log p = (z / T - shift) + (shift - lse), small terms only.</summary>
    public float InvT, Fa, Fb, ShiftA, ShiftB, CA, CB;
    public float Loss, Dot;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Run<L, TV>(nuint i, nuint end) where L : struct, ILanes<TV> where TV : struct
    {
        if (i + L.Count > end) return i;
        ref float z = ref *Z;
        ref float zt = ref *Zt;
        ref float ea = ref *Ea;
        ref float eb = ref *Eb;
        TV invT = L.Splat(InvT), fa = L.Splat(Fa), fb = L.Splat(Fb), negShiftA = L.Splat(-ShiftA), negShiftB = L.Splat(-ShiftB);
        TV ca = L.Splat(CA), cb = L.Splat(CB);
        TV loss = L.Splat(0f), dot = loss;
        for (; i + L.Count <= end; i += L.Count)
        {
            var s = L.Add(L.Fma(L.Load(ref z, i), invT, negShiftA), ca);   // log p_S
            var t = L.Add(L.Fma(L.Load(ref zt, i), invT, negShiftB), cb);
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
    public bool Stream;
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
        TV fa = L.Splat(Fa), ks = L.Splat(KS), negKsDot = L.Splat(-KS * Dot), ksUniform = L.Splat(KS * (Uniform - Dot));
        TV kh = L.Splat(KH), khC = L.Splat(KH * HardC), hardC = L.Splat(HardC);
        for (; i + L.Count <= end; i += L.Count)
        {
            var p = L.Mul(L.Load(ref pp, i), fa);
            var kg = perElement ? L.Fma(ks, L.Load(ref gg, i), negKsDot) : ksUniform;      // KS (g - Dot)
            var d = Ce switch
            {
                CeMode.None => L.Mul(p, kg),
                CeMode.Same => L.Mul(p, L.Add(kg, kh)),                                    // + KH p
                CeMode.Square => L.Mul(p, L.Fma(khC, p, kg)),                              // + KH C p^2
                _ => L.Fma(kh, L.Exp(L.Sub(L.Load(ref z, i), hardC)), L.Mul(p, kg)),       // + KH exp(z - lse_1)
            };
            if (Stream) L.StoreStreaming(d, ref dz, i);   // after every read of z[i]: dz may alias z
            else L.Store(d, ref dz, i);
        }
        return i;
    }
}
