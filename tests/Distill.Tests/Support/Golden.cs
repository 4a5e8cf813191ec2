// Opens the golden reference files (written by tests/reference/make_reference.py with PyTorch and copied
// to the test output under golden/) as SafetensorsFiles, with a clear message when they are missing.
using Distill.IO;

namespace Distill.Tests.Support;

public static class Golden
{
    public const string Regenerate = "run /usr/bin/python3 tests/reference/make_reference.py (from the repository root), then rebuild the tests";

    /// <summary>Where a golden file lands in the test output directory.</summary>
    public static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "golden", fileName);

    public static bool Exists(string fileName) => File.Exists(PathOf(fileName));

    /// <summary>Opens golden/<paramref name="fileName"/>; throws FileNotFoundException saying how to make it.</summary>
    public static SafetensorsFile Open(string fileName)
    {
        string path = PathOf(fileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"golden file '{fileName}' is missing (looked for {path}): {Regenerate}", path);
        return SafetensorsFile.Open(path);
    }
}
