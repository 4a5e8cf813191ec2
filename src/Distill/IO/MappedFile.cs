// A read-only memory mapping of a whole file: the one owner of the MemoryMappedFile, its view and the
// pointer acquired on the view's SafeHandle. Dispose is idempotent. Deliberately no finalizer: spans and
// copies read through the raw pointer while this object may look unreachable to the GC, so unmapping
// from a finalizer could pull memory from under them; a forgotten Dispose leaks the mapping instead.
using System.IO.MemoryMappedFiles;

namespace Distill.IO;

internal sealed unsafe class MappedFile : IDisposable
{
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private byte* _pointer;
    private int _disposed;

    private MappedFile(MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* pointer, long length)
    {
        _map = map;
        _view = view;
        _pointer = pointer;
        Length = length;
    }

    /// <summary>The file's length in bytes at the time it was mapped.</summary>
    public long Length { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Start of the mapped bytes; valid until Dispose.</summary>
    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return _pointer;
        }
    }

    /// <summary>Maps the file read-only. An empty file cannot be mapped: it gets a null pointer and length 0.</summary>
    public static MappedFile Open(string path)
    {
        // FileShare.Delete lets a writer atomically replace the file (rename over it) while it is mapped.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.RandomAccess);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            long length = stream.Length;
            if (length == 0)
            {
                stream.Dispose();
                return new MappedFile(null, null, null, 0);
            }
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            acquired = true;
            return new MappedFile(map, view, p + view.PointerOffset, length);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (map is not null) map.Dispose(); else stream.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Release();
        _view?.Dispose();
        _map?.Dispose();
        _view = null;
        _map = null;
    }

    private void Release()
    {
        if (_pointer != null && _view is not null)
        {
            _pointer = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }
}
