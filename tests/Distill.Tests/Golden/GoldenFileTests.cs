// The golden files themselves: every case the tests use is present, readable, and says what made it.
namespace Distill.Tests.GoldenTests;

public class GoldenFileTests
{
    private static string[] FileNames() => Directory
        .GetFiles(Path.Combine(AppContext.BaseDirectory, "golden"), "*.safetensors")
        .Select(p => Path.GetFileName(p)).Order().ToArray();

    public static TheoryData<string> Files() => new(FileNames());

    [Fact]
    public void EveryCaseIsPresent()
    {
        string[] expected =
        [
            "matmul_nn", "matmul_nt", "matmul_tn", "matmul_tt", "matmul_batched", "matmul_shared", "linear",
            "add", "mul", "add_bias", "gelu", "silu", "swiglu", "layernorm", "rmsnorm", "softmax",
            "cross_entropy", "cross_entropy_large", "rope_theta10000", "rope_theta500000", "rope_tables_theta10000", "rope_tables_theta500000",
            "attention_gqa", "attention_mha", "embedding", "cast",
        ];
        var missing = expected.Select(n => n + ".safetensors").Except(FileNames()).ToArray();
        Assert.True(missing.Length == 0, $"missing golden files: {string.Join(", ", missing)}; run tests/reference/make_reference.py");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void FileOpensAndNamesItsGenerator(string file)
    {
        using var g = GoldenCase.Open(file);
        Assert.Equal("make_reference.py", g.Meta("generator"));
        Assert.StartsWith("1.13", g.Meta("torch"));
    }
}
