// Splits row loops across cores in a few large chunks (not one task per row), and runs inline when
// the work is too small to pay for a thread hand-off.
namespace Distill.Backends.Cpu;

public static class CpuParallel
{
    /// <summary>Threads the CPU backend uses (all logical cores).</summary>
    public static int Threads { get; } = Environment.ProcessorCount;

    /// <summary>
    /// Calls body(start, end) over [0, count) in contiguous ranges. workPerItem is a rough cost of one
    /// item (e.g. elements in a row); below ~32K total work everything runs on the calling thread.
    /// </summary>
    public static void For(long count, long workPerItem, Action<int, int> body)
    {
        if (count <= 0) return;
        int n = checked((int)count);
        long total = count * Math.Max(1, workPerItem);
        int chunks = (int)Math.Min(Threads * 4L, Math.Min(n, Math.Max(1, total / 32768)));
        if (chunks <= 1 || Threads == 1)
        {
            body(0, n);
            return;
        }
        Parallel.For(0, chunks, c =>
        {
            int start = (int)((long)n * c / chunks);
            int end = (int)((long)n * (c + 1) / chunks);
            if (end > start) body(start, end);
        });
    }
}
