// The writer's contract beyond round trips: atomic replacement (no temp file left, the old file intact
// after any failure, readers of the old file unaffected) and clear errors for bad names and sizes.
using Distill.IO;
using Distill.Tensors;

namespace Distill.Tests.IO;

public class SafetensorsWriterTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WriteOld(string name = "model.safetensors")
    {
        string path = _dir.File(name);
        using var t = Tensor.FromArray(new[] { 1f, 2f, 3f }, 3);
        SafetensorsWriter.Write(path, [("old", t)]);
        return path;
    }

    [Fact]
    public void WriteLeavesOnlyTheTargetFile()
    {
        string path = WriteOld();
        using var t = Tensor.FromArray(new[] { 4f }, 1);
        SafetensorsWriter.Write(path, [("new", t)]);
        Assert.Equal(new[] { "model.safetensors" }, _dir.Entries());
        using var st = SafetensorsFile.Open(path);
        Assert.Equal(new[] { "new" }, st.Names);
    }

    [Fact]
    public void RelativePathsWork()
    {
        string previous = Environment.CurrentDirectory;
        // Only this test reads the current directory, and it writes through a path relative to it.
        string relative = Path.GetRelativePath(previous, _dir.File("rel.safetensors"));
        using var t = Tensor.FromArray(new[] { 4f }, 1);
        SafetensorsWriter.Write(relative, [("t", t)]);
        using var st = SafetensorsFile.Open(relative);
        Assert.Equal(new[] { "t" }, st.Names);
    }

    [Fact]
    public void FailureWhileWritingDataKeepsTheOldFileAndRemovesTheTemp()
    {
        string path = WriteOld();
        var before = File.ReadAllBytes(path);
        var entries = new List<SafetensorsWriter.Entry>
        {
            new("a", "U8", new Shape(4), 4, s => s.Write([1, 2, 3, 4])),
            new("b", "U8", new Shape(4), 4, s => { s.Write([5, 6]); throw new IOException("disk full (simulated)"); }),
        };
        var e = Assert.Throws<IOException>(() => SafetensorsWriter.WriteEntries(path, entries, null));
        Assert.Contains("simulated", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, _dir.Entries());
    }

    [Fact]
    public void ShortDataIsCaughtBeforeTheRename()
    {
        string path = WriteOld();
        var before = File.ReadAllBytes(path);
        var entries = new List<SafetensorsWriter.Entry> { new("a", "U8", new Shape(4), 4, s => s.Write([1, 2])) };
        var e = Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.WriteEntries(path, entries, null));
        Assert.Contains("'a'", e.Message);
        Assert.Contains("wrote 2 bytes, expected 4", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, _dir.Entries());
    }

    [Fact]
    public void DuplicateNamesAreRefusedAndTheOldFileKept()
    {
        string path = WriteOld();
        var before = File.ReadAllBytes(path);
        using var a = Tensor.FromArray(new[] { 1f }, 1);
        using var b = Tensor.FromArray(new[] { 2f }, 1);
        var e = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("w", a), ("v", b), ("w", b)]));
        Assert.Contains("duplicate tensor name 'w'", e.Message);
        Assert.Contains("model.safetensors", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, _dir.Entries());
    }

    [Fact]
    public void EmptyAndReservedNamesAreRefused()
    {
        string path = _dir.File("x.safetensors");
        using var a = Tensor.FromArray(new[] { 1f }, 1);
        Assert.Contains("non-empty", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("", a)])).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("__metadata__", a)])).Message);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void RawDataOfTheWrongLengthIsRefused()
    {
        string path = _dir.File("x.safetensors");
        var e = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(path, [("w", DType.F32, new Shape(2, 3), (ReadOnlyMemory<byte>)new byte[20])]));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("(2, 3) F32 needs 24 bytes, got 20", e.Message);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void DisposedTensorIsRefused()
    {
        string path = _dir.File("x.safetensors");
        var t = Tensor.FromArray(new[] { 1f }, 1);
        t.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => SafetensorsWriter.Write(path, [("gone", t)]));
        Assert.Contains("'gone'", e.Message);
        Assert.Empty(_dir.Entries());
    }

    [Fact]
    public void ReplacingAFileWhileItIsOpenLeavesTheReaderOnTheOldData()
    {
        // On Linux and macOS the rename swaps the directory entry; the open mapping keeps the old inode.
        if (OperatingSystem.IsWindows()) return;
        string path = WriteOld();
        using var old = SafetensorsFile.Open(path);
        using var t = Tensor.FromArray(new[] { 9f, 9f }, 2);
        SafetensorsWriter.Write(path, [("new", t)]);
        using var loaded = old.LoadF32("old");
        Assert.Equal(new[] { 1f, 2f, 3f }, loaded.ToArray());
        using var fresh = SafetensorsFile.Open(path);
        Assert.Equal(new[] { "new" }, fresh.Names);
    }

    [Fact]
    public void MissingDirectoryFailsWithoutLeftovers()
    {
        using var t = Tensor.FromArray(new[] { 1f }, 1);
        Assert.Throws<DirectoryNotFoundException>(() => SafetensorsWriter.Write(_dir.File("no/such/dir/x.safetensors"), [("t", t)]));
        Assert.Empty(_dir.Entries());
    }
}
