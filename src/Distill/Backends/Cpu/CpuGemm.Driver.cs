// The blocked GEMM loop: for each (MC rows, KC depth, NC columns) block ("step"), pack A and B into
// contiguous panels, then sweep the register micro-kernel over the tiles. With a team, threads grab
// packing and compute units from per-step counters, so a thread the OS preempts delays no one for long.
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

    // Work units: A panels packed per unit, B panels per unit; the team computes whole rows of
    // micro-tiles (row mode) when M has enough panels, else columns (few rows, wide N).
    private const int PackAChunk = 4, PackBChunk = 2, MaxRowChunk = 4;

    /// <summary>Floats the packed A block of this job needs (one buffer).</summary>
    internal static long PackedAFloats(in GemmJob job) =>
        (long)Math.Min(MC, RoundUp(job.M, job.Mr)) * Math.Min(KC, job.K);

    /// <summary>Floats the packed B block of this job needs (one buffer).</summary>
    internal static long PackedBFloats(in GemmJob job) =>
        (long)Math.Min(KC, job.K) * Math.Min(NC, RoundUp(job.N, job.Nr));

    /// <summary>Number of (MC, KC, NC) blocks: the team's per-step counters.</summary>
    internal static int Steps(in GemmJob job) =>
        checked(CeilDiv(job.M, MC) * CeilDiv(job.K, KC) * CeilDiv(job.N, NC));

    private static int RoundUp(int x, int m) => CeilDiv(x, m) * m;
    private static int CeilDiv(int x, int m) => (x + m - 1) / m;

    /// <summary>
    /// One thread's part of the GEMM. team null: this thread does everything. With a team, every
    /// participant runs this loop; units of each step go to whoever grabs them first. Buffers are
    /// double: step s packs B into B[s % 2] (A into A[block % 2]) only after step s - 2 is computed.
    /// </summary>
    internal static void Run(in GemmJob job, CpuGemmBuffers buf, int tid, CpuGemmTeam? team)
    {
        int mr = job.Mr, nr = job.Nr;
        bool v512 = job.Vector512;
        int m = job.M, n = job.N, k = job.K, ldc = job.Ldc;
        int parityMask = team is null ? 0 : 1;
        int block = 0, step = 0;
        int work1 = 0, work2 = 0;                                          // compute units of steps s-1, s-2
        float* scratch = buf.Scratch(tid);                                 // (MR, NR) edge tile
        int jcSteps = CeilDiv(n, NC);                                      // steps per depth block
        for (int ic = 0; ic < m; ic += MC)
        {
            int mc = Math.Min(MC, m - ic);
            int mPanels = CeilDiv(mc, mr);
            bool rowMode = team is null || mPanels >= 4 * team.Size;
            int rowChunk = team is null ? mPanels : Math.Clamp(mPanels / (4 * team.Size), 1, MaxRowChunk);
            for (int pc = 0; pc < k; pc += KC, block++)
            {
                int kc = Math.Min(KC, k - pc);
                float betaBlock = pc == 0 ? job.Beta : 1f;                 // later depth blocks accumulate
                float* aBuf = buf.A(block & parityMask);                    // (mPanels, kc, MR)
                for (int jc = 0; jc < n; jc += NC, step++)
                {
                    int nc = Math.Min(NC, n - jc);
                    int nPanels = CeilDiv(nc, nr);
                    float* bBuf = buf.B(step & parityMask);                 // (nPanels, kc, NR)
                    int packA = jc == 0 ? CeilDiv(mPanels, PackAChunk) : 0; // A is packed once per block
                    int packUnits = packA + CeilDiv(nPanels, PackBChunk);
                    int workUnits = rowMode ? CeilDiv(mPanels, rowChunk) : nPanels;

                    team?.WaitComputed(step - 2, work2);                    // buffers of step s-2 are free
                    for (int u = First(team, GemmCounter.PackNext, step); u < packUnits; u = Next(team, GemmCounter.PackNext, step, u))
                    {
                        if (u < packA)
                        {
                            int q1 = Math.Min(mPanels, (u + 1) * PackAChunk);
                            for (int q = u * PackAChunk; q < q1; q++)
                                PackA(in job, ic + q * mr, Math.Min(mr, mc - q * mr), pc, kc, aBuf + (nint)q * mr * kc);
                        }
                        else
                        {
                            int q1 = Math.Min(nPanels, (u - packA + 1) * PackBChunk);
                            for (int q = (u - packA) * PackBChunk; q < q1; q++)
                                PackB(in job, pc, kc, jc + q * nr, Math.Min(nr, nc - q * nr), bBuf + (nint)q * nr * kc);
                        }
                        team?.Finished(GemmCounter.PackDone, step);
                    }
                    team?.WaitPacked(step, packUnits);
                    // C tiles of this step were last written by the same columns one depth block earlier
                    // (same number of units); they must be complete before this step accumulates into them.
                    if (pc > 0) team?.WaitComputed(step - jcSteps, workUnits);

                    for (int u = First(team, GemmCounter.WorkNext, step); u < workUnits; u = Next(team, GemmCounter.WorkNext, step, u))
                    {
                        int ip0 = rowMode ? u * rowChunk : 0, ip1 = rowMode ? Math.Min(mPanels, ip0 + rowChunk) : mPanels;
                        int jp0 = rowMode ? 0 : u, jp1 = rowMode ? nPanels : u + 1;
                        for (int ip = ip0; ip < ip1; ip++)
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
                        team?.Finished(GemmCounter.WorkDone, step);
                    }
                    work2 = work1;
                    work1 = workUnits;
                }
            }
        }
    }

    /// <summary>The first unit this thread takes in a step: unit 0 when alone, else the team's next.</summary>
    private static int First(CpuGemmTeam? team, GemmCounter counter, int step) =>
        team is null ? 0 : team.Grab(counter, step);

    /// <summary>The unit after u: u + 1 when alone, else whichever the team's counter hands out next.</summary>
    private static int Next(CpuGemmTeam? team, GemmCounter counter, int step, int u) =>
        team is null ? u + 1 : team.Grab(counter, step);

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
