// The golden-file helper itself: a missing file fails with instructions, a present one opens.
using Distill.IO;
using Distill.Tensors;
using Distill.Tests.Support;

namespace Distill.Tests.IO;

public class GoldenTests
{
    [Fact]
    public void MissingGoldenFileSaysHowToMakeIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Golden.Open("no_such_golden_file.safetensors"));
        Assert.Contains("no_such_golden_file.safetensors", e.Message);
        Assert.Contains("make_reference.py", e.Message);
    }

    [Fact]
    public void GoldenFileOpensFromTheOutputDirectory()
    {
        string name = $"helper-test-{Guid.NewGuid():N}.safetensors";
        string path = Golden.PathOf(name);
        string dir = Path.GetDirectoryName(path)!;
        bool created = !Directory.Exists(dir);
        Directory.CreateDirectory(dir);
        try
        {
            using (var t = Tensor.FromArray(new[] { 1f, 2f }, 2))
                SafetensorsWriter.Write(path, [("x", t)]);
            Assert.True(Golden.Exists(name));
            using var st = Golden.Open(name);
            using var x = st.LoadF32("x");
            Assert.Equal(new[] { 1f, 2f }, x.ToArray());
        }
        finally
        {
            File.Delete(path);
            if (created && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
    }
}
