// Writes a file so that readers see either the old contents or the new, never a torn file:
// write a temp file in the same directory, flush it to disk, then rename over the target.
namespace Distill.IO;

public static class AtomicFile
{
    /// <summary>Calls write on a temp stream next to path, then renames it to path; deletes the temp on failure.</summary>
    public static void Write(string path, Action<FileStream> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        string tmp = $"{full}.tmp-{Guid.NewGuid().ToString("N")[..12]}";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, fs =>
        {
            var bytes = new System.Text.UTF8Encoding(false).GetBytes(text);
            fs.Write(bytes);
        });
}
