// The blocked GEMM loop run by each participating thread: for each (MC rows, KC depth, NC columns)
// block, pack A and B into contiguous panels, then sweep the register micro-kernel over the tiles.
namespace Distill.Backends.Cpu;

public static unsafe partial class CpuGemm
{
    // Largest micro-tile (Vector512 kernel): MR rows of A broadcast against NR columns of B in vectors.
    // The Vector256 kernel uses 6 x 16; a job carries its own (GemmJob.Mr, Nr).
    internal const int MR = 12;
    internal const int NR = 32;

    // Cache blocks. KC: depth of one pass (an A micro-panel MR x KC sits in L1, a B micro-panel
    // KC x NR streams from L2); NC: columns of the packed B block (KC x NC = 512 KiB, L2);
    // MC: rows of the packed A block, a multiple of both MRs, large so that B is packed once for
    // most M (MC x KC = 2.1 MiB, L3).
    internal const int KC = 256;
    internal const int NC = 512;
    internal const int MC = 2112;

    /// <summary>Floats the packed A block of this job needs (one buffer).</summary>
    internal static long PackedAFloats(in GemmJob job) =>
        (long)Math.Min(MC, RoundUp(job.M, job.Mr)) * Math.Min(KC, job.K);

    /// <summary>Floats the packed B block of this job needs (one buffer).</summary>
    internal static long PackedBFloats(in GemmJob job) =>
        (long)Math.Min(KC, job.K) * Math.Min(NC, RoundUp(job.N, job.Nr));

    private static int RoundUp(int x, int m) => (x + m - 1) / m * m;

    /// <summary>
    /// Thread tid's share of the GEMM among nt threads (team null when nt == 1). B blocks are packed
    /// jointly (each thread a share of the panels) into double buffers, then one barrier per block;
    /// rows of A are split between threads (or, when M has too few panels, columns of each B block).
    /// Buffers must already be sized for the job (CpuGemmBuffers.Ensure).
    /// </summary>
    internal static void Run(in GemmJob job, CpuGemmBuffers buf, int tid, int nt, CpuGemmTeam? team)
    {
        int mr = job.Mr, nr = job.Nr;
        bool v512 = job.Vector512;
        int m = job.M, n = job.N, k = job.K, ldc = job.Ldc;
        int parityMask = nt == 1 ? 0 : 1;
        int block = 0, step = 0, sense = 0;
        float* scratch = buf.Scratch(tid);                                 // (MR, NR) edge tile
        for (int ic = 0; ic < m; ic += MC)
        {
            int mc = Math.Min(MC, m - ic);
            int mPanels = (mc + mr - 1) / mr;
            bool splitRows = nt == 1 || (mPanels >= nt && (mPanels % nt == 0 || mPanels >= 8 * nt));
            int ownP0 = splitRows ? (int)((long)mPanels * tid / nt) : 0;
            int ownP1 = splitRows ? (int)((long)mPanels * (tid + 1) / nt) : mPanels;
            // Panels of A this thread packs: its own rows, or (column split) an even share of all.
            int packP0 = (int)((long)mPanels * tid / nt), packP1 = (int)((long)mPanels * (tid + 1) / nt);
            for (int pc = 0; pc < k; pc += KC, block++)
            {
                int kc = Math.Min(KC, k - pc);
                float betaBlock = pc == 0 ? job.Beta : 1f;                 // later depth blocks accumulate
                float* aBuf = buf.A(block & parityMask);                    // (mPanels, kc, MR)
                for (int q = packP0; q < packP1; q++)
                    PackA(in job, ic + q * mr, Math.Min(mr, mc - q * mr), pc, kc, aBuf + (nint)q * mr * kc);
                for (int jc = 0; jc < n; jc += NC, step++)
                {
                    int nc = Math.Min(NC, n - jc);
                    int nPanels = (nc + nr - 1) / nr;
                    float* bBuf = buf.B(step & parityMask);                 // (nPanels, kc, NR)
                    int bp0 = (int)((long)nPanels * tid / nt), bp1 = (int)((long)nPanels * (tid + 1) / nt);
                    for (int q = bp0; q < bp1; q++)
                        PackB(in job, pc, kc, jc + q * nr, Math.Min(nr, nc - q * nr), bBuf + (nint)q * nr * kc);
                    team?.Barrier(ref sense);                               // every panel of A and B is packed
                    int jp0 = splitRows ? 0 : bp0, jp1 = splitRows ? nPanels : bp1;
                    for (int ip = ownP0; ip < ownP1; ip++)
                    {
                        int i0 = ic + ip * mr;
                        int rows = Math.Min(mr, m - i0);
                        float* ap = aBuf + (nint)ip * mr * kc;
                        float* cRow = job.C + (nint)i0 * ldc;
                        for (int jp = jp0; jp < jp1; jp++)
                        {
                            int j0 = jc + jp * nr;
                            MicroTile(v512, kc, ap, bBuf + (nint)jp * nr * kc, cRow + j0, ldc, rows, Math.Min(nr, n - j0),
                                job.Alpha, betaBlock, scratch);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One (rows x cols) tile of C from packed panels. Full tiles go straight to the kernel; edge tiles
    /// are computed whole into scratch (the panels are zero-padded) and only their valid part is merged.
    /// </summary>
    private static void MicroTile(bool v512, int kc, float* ap, float* bp, float* c, int ldc, int rows, int cols,
        float alpha, float beta, float* scratch)
    {
        int mr = v512 ? 12 : 6, nr = v512 ? 32 : 16;
        if (rows == mr && cols == nr)
        {
            Kernel(v512, kc, ap, bp, c, ldc, alpha, beta);
            return;
        }
        Kernel(v512, kc, ap, bp, scratch, nr, 1f, 0f);
        for (int r = 0; r < rows; r++)
        {
            float* cr = c + (nint)r * ldc;
            float* sr = scratch + r * nr;
            if (beta == 0f)
                for (int j = 0; j < cols; j++) cr[j] = alpha * sr[j];
            else
                for (int j = 0; j < cols; j++) cr[j] = alpha * sr[j] + beta * cr[j];
        }
    }

    private static void Kernel(bool v512, int kc, float* ap, float* bp, float* c, int ldc, float alpha, float beta)
    {
        if (v512) Kernel12x32(kc, ap, bp, c, ldc, alpha, beta);
        else Kernel6x16(kc, ap, bp, c, ldc, alpha, beta);
    }
}
