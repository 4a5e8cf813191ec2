// The threads that run one large GEMM together: the caller plus (cores - 1) persistent workers that
// hand out packing and compute units through per-step counters. Dedicated threads (not Parallel.For)
// because participants wait on each other's packing, and a thread-pool hand-off cannot promise they
// all run; persistent so that a training step's hundreds of GEMMs pay no thread start-up.
namespace Distill.Backends.Cpu;

/// <summary>The per-step counters: units handed out and units finished, for packing and for compute.</summary>
internal enum GemmCounter { PackNext, PackDone, WorkNext, WorkDone }

/// <summary>
/// A fixed team of threads for <see cref="CpuGemm.Sgemm"/>. One GEMM at a time: a caller that finds
/// the team busy runs its GEMM on its own thread instead (<see cref="TryRun"/> returns false).
/// </summary>
internal sealed class CpuGemmTeam
{
    /// <summary>The process-wide team (null on a single core).</summary>
    public static CpuGemmTeam? Shared { get; } = CpuParallel.Threads > 1 ? new CpuGemmTeam(CpuParallel.Threads) : null;

    private readonly int _size;
    private readonly SemaphoreSlim[] _wake;
    private readonly CpuGemmBuffers _buffers;
    private readonly object _gate = new();
    private GemmJob _job;
    private int _pending;          // workers still inside the current job
    private int[] _counters = [];  // (steps, 16): one cache line of GemmCounter values per step
    private Exception? _error;

    private const int CounterStride = 16;

    /// <summary>Threads in the team, the caller included.</summary>
    public int Size => _size;

    private CpuGemmTeam(int size)
    {
        _size = size;
        _buffers = new CpuGemmBuffers(size);
        _wake = new SemaphoreSlim[size - 1];
        for (int t = 1; t < size; t++)
        {
            _wake[t - 1] = new SemaphoreSlim(0);
            int tid = t;
            new Thread(() => WorkerLoop(tid)) { IsBackground = true, Name = $"Distill GEMM worker {tid}" }.Start();
        }
    }

    /// <summary>Runs the job on the whole team; false (nothing done) when another GEMM holds the team.</summary>
    public bool TryRun(in GemmJob job)
    {
        if (!Monitor.TryEnter(_gate)) return false;
        try
        {
            _buffers.Ensure(CpuGemm.PackedAFloats(in job), CpuGemm.PackedBFloats(in job), 2);
            int need = CpuGemm.Steps(in job) * CounterStride;
            if (_counters.Length < need) _counters = new int[Math.Max(need, 2 * _counters.Length)];
            else Array.Clear(_counters, 0, need);
            _job = job;
            _error = null;
            Volatile.Write(ref _pending, _size - 1);
            foreach (var w in _wake) w.Release();
            Participate(0);
            var spin = new SpinWait();
            while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            if (_error is { } e) throw new InvalidOperationException("CpuGemm: a GEMM thread failed", e);
            return true;
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>Hands out the next unit of a step (0, 1, 2, ... across all threads).</summary>
    public int Grab(GemmCounter counter, int step) =>
        Interlocked.Increment(ref _counters[step * CounterStride + (int)counter]) - 1;

    /// <summary>Marks one unit of a step finished; publishes what the unit wrote.</summary>
    public void Finished(GemmCounter counter, int step) =>
        Interlocked.Increment(ref _counters[step * CounterStride + (int)counter]);

    /// <summary>Waits until all packing units of the step are finished.</summary>
    public void WaitPacked(int step, int units) => WaitFor(step * CounterStride + (int)GemmCounter.PackDone, units);

    /// <summary>Waits until all compute units of the step are finished (no-op for steps before the first).</summary>
    public void WaitComputed(int step, int units)
    {
        if (step >= 0) WaitFor(step * CounterStride + (int)GemmCounter.WorkDone, units);
    }

    private void WaitFor(int at, int count)
    {
        if (Volatile.Read(ref _counters[at]) >= count) return;
        var spin = new SpinWait();
        while (Volatile.Read(ref _counters[at]) < count)
        {
            if (Volatile.Read(ref _error) is not null) throw new OperationCanceledException("CpuGemm: another GEMM thread failed");
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Participate(int tid)
    {
        try
        {
            CpuGemm.Run(in _job, _buffers, tid, this);
        }
        catch (Exception e)
        {
            // The first failure is the one reported; the others are threads that stopped waiting for it.
            Interlocked.CompareExchange(ref _error, e, null);
        }
    }

    private void WorkerLoop(int tid)
    {
        while (true)
        {
            _wake[tid - 1].Wait();
            Participate(tid);
            Interlocked.Decrement(ref _pending);
        }
    }
}
