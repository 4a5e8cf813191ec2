// A thin reverse-mode tape. While a tape records, each differentiable op whose inputs need gradients
// pushes one entry (its output and a backward rule that calls backend ops). Backward walks the entries
// once in reverse. The tape also owns the tensors created under it (activations, their gradients) and
// returns them to the pool when disposed, so a training step reuses the same buffers every step.
using Distill.Tensors;

namespace Distill.Autograd;

public sealed class Tape : IDisposable
{
    [ThreadStatic] private static Tape? _current;
    [ThreadStatic] private static int _noGradDepth;

    private readonly Tape? _parent;
    private readonly List<(Tensor Output, Action Backward)> _entries = new();
    private readonly List<Tensor> _owned = new();
    private bool _disposed;

    private Tape(Tape? parent) => _parent = parent;

    /// <summary>The tape recording on this thread, or null (none, or inside a no-grad scope).</summary>
    public static Tape? Current => _noGradDepth > 0 ? null : _current;

    /// <summary>
    /// The tape that owns new tensors on this thread: the innermost tape even inside a no-grad scope,
    /// so a teacher's activations return to the pool with the step's tape.
    /// </summary>
    internal static Tape? Owner => _current;

    /// <summary>Starts recording on this thread until the returned tape is disposed.</summary>
    public static Tape Record()
    {
        var tape = new Tape(_current);
        _current = tape;
        return tape;
    }

    /// <summary>Suspends recording (e.g. for a frozen teacher's forward) until disposed.</summary>
    public static NoGradScope NoGrad()
    {
        _noGradDepth++;
        return new NoGradScope();
    }

    public readonly struct NoGradScope : IDisposable
    {
        public void Dispose() => _noGradDepth--;
    }

    public int Count => _entries.Count;

    /// <summary>
    /// When true, Backward frees the gradient of each tensor this tape owns as soon as that tensor's own
    /// rule has run (nothing reads it after that), so a step holds only the gradients still in flight
    /// instead of one per activation. Leaves' gradients (parameters) are kept. Off by default, so that
    /// intermediate gradients stay readable after Backward.
    /// </summary>
    public bool ReleaseGradientsEarly { get; set; }

    /// <summary>Records a backward rule for an op whose output needs a gradient.</summary>
    internal void Push(Tensor output, Action backward) => _entries.Add((output, backward));

    /// <summary>Hands a tensor created under this tape to the tape (disposed with it).</summary>
    internal void Own(Tensor t)
    {
        t.OwnerTape = this;
        _owned.Add(t);
    }

    /// <summary>Gives tensors made under this tape to the caller: the tape will not dispose them.</summary>
    internal void Disown(Tensor t)
    {
        if (t.OwnerTape != this) return;
        t.OwnerTape = null;
        _owned.Remove(t);
    }

    /// <summary>Backpropagates from a scalar: seeds d(loss) = 1 and runs every rule in reverse.</summary>
    public void Backward(Tensor loss)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (loss.Numel != 1)
            throw new InvalidOperationException($"Backward: {loss.Describe()} is not a scalar; backward starts from a one-element loss");
        if (!loss.RequiresGrad)
            throw new InvalidOperationException($"Backward: {loss.Describe()} does not depend on any tensor that requires grad");
        var g = Ops.GradOf(loss);
        Backends.Backend.For(g).Fill(g, 1f);
        for (int i = _entries.Count - 1; i >= 0; i--)
        {
            var (output, backward) = _entries[i];
            if (output.Grad is null) continue;
            backward();
            if (ReleaseGradientsEarly && output.OwnerTape == this)
            {
                output.Grad.Dispose();
                output.Grad = null;
            }
        }
    }

    internal static void BackwardFrom(Tensor loss)
    {
        var tape = _current ?? throw new InvalidOperationException(
            $"Backward: no tape is recording; wrap the forward pass in `using var tape = Tape.Record();`");
        tape.Backward(loss);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _owned)
        {
            t.Grad?.Dispose();
            t.Grad = null;
            t.Dispose();
        }
        _owned.Clear();
        _entries.Clear();
        if (_current == this) _current = _parent;
    }
}
