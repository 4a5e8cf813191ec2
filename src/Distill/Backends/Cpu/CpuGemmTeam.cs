// The threads that run one large GEMM together: the caller plus (cores - 1) persistent workers, with
// a spinning barrier between packing and compute. Dedicated threads (not Parallel.For) because the
// barrier needs every participant running at once, and a thread-pool hand-off cannot promise that.
namespace Distill.Backends.Cpu;

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
    private int _barrierLeft;      // participants yet to reach the current barrier
    private int _barrierSense;     // flips each time a barrier opens
    private Exception? _error;

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
            _job = job;
            _error = null;
            _barrierLeft = _size;
            _barrierSense = 0;
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

    /// <summary>Waits until every participant has reached this barrier (sense: the caller's own flag, starting at 0).</summary>
    public void Barrier(ref int sense)
    {
        sense ^= 1;
        if (Interlocked.Decrement(ref _barrierLeft) == 0)
        {
            _barrierLeft = _size;
            Volatile.Write(ref _barrierSense, sense);
            return;
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref _barrierSense) != sense)
        {
            if (Volatile.Read(ref _error) is not null) throw new OperationCanceledException("CpuGemm: another GEMM thread failed");
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Participate(int tid)
    {
        try
        {
            CpuGemm.Run(in _job, _buffers, tid, _size, this);
        }
        catch (Exception e)
        {
            // The first failure is the one reported; the others are threads leaving the barrier.
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
