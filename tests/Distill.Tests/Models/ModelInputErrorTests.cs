// Bad model input gets a clear error naming the problem: sizes that disagree with the weights,
// missing or extra tensors, an unknown model_type, token ids out of range, sequences too long.
using System.Text.Json.Nodes;
using Distill.IO;
using Distill.Models;
using Distill.Tensors;
using Distill.Tests.IO;

namespace Distill.Tests.Models;

public class ModelInputErrorTests
{
    /// <summary>A copy of a golden model directory with its config and tensors edited.</summary>
    private static TempDir EditedCopy(string model, Action<JsonObject>? config = null,
        Func<List<(string Name, Tensor Tensor)>, List<(string Name, Tensor Tensor)>>? tensors = null)
    {
        var dir = new TempDir();
        string src = ModelGolden.Dir(model);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!.AsObject();
        config?.Invoke(json);
        File.WriteAllText(dir.File("config.json"), json.ToJsonString());
        using var f = SafetensorsFile.Open(Path.Combine(src, "model.safetensors"));
        var list = f.Names.Select(n => (n, f.Load(n))).ToList();
        if (tensors is not null) list = tensors(list);
        SafetensorsWriter.Write(dir.File("model.safetensors"), list);
        foreach (var (_, t) in list) t.Dispose();
        return dir;
    }

    [Fact]
    public void ConfigThatDisagreesWithTheWeightsNamesTheTensorAndBothShapes()
    {
        using var dir = EditedCopy("gpt2", c => c["n_embd"] = 48);
        var e = Assert.Throws<InvalidDataException>(() => CausalLm.Load(dir.Path));
        Assert.Contains("'transformer.wte.weight' has shape (101, 36)", e.Message);
        Assert.Contains("implies (101, 48)", e.Message);
    }

    [Fact]
    public void GqaHeadCountThatDisagreesWithTheWeightsIsCaught()
    {
        using var dir = EditedCopy("llama", c => c["num_key_value_heads"] = 4);
        var e = Assert.Throws<InvalidDataException>(() => CausalLm.Load(dir.Path));
        Assert.Contains("k_proj.weight' has shape (24, 48)", e.Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        using var dir = EditedCopy("gpt2", tensors: l => l.Where(p => p.Name != "transformer.ln_f.bias").ToList());
        var e = Assert.Throws<InvalidDataException>(() => CausalLm.Load(dir.Path));
        Assert.Contains("missing", e.Message);
        Assert.Contains("transformer.ln_f.bias", e.Message);
    }

    [Fact]
    public void ExtraTensorIsNamed()
    {
        using var dir = EditedCopy("llama", tensors: l => [.. l, ("model.layers.0.self_attn.q_norm.weight", Tensor.Zeros(new Shape(12)))]);
        var e = Assert.Throws<InvalidDataException>(() => CausalLm.Load(dir.Path));
        Assert.Contains("unexpected", e.Message);
        Assert.Contains("model.layers.0.self_attn.q_norm.weight", e.Message);
    }

    [Fact]
    public void UnknownModelTypeListsWhatIsSupported()
    {
        using var dir = EditedCopy("gpt2", c => c["model_type"] = "bert");
        var e = Assert.Throws<NotSupportedException>(() => CausalLm.Load(dir.Path));
        Assert.Contains("unknown model_type 'bert'", e.Message);
        Assert.Contains("gpt2, llama", e.Message);
    }

    [Fact]
    public void MissingConfigAndMissingWeightsAreNamed()
    {
        using var empty = new TempDir();
        Assert.Contains("config.json", Assert.Throws<FileNotFoundException>(() => CausalLm.Load(empty.Path)).Message);
        File.Copy(Path.Combine(ModelGolden.Dir("gpt2"), "config.json"), empty.File("config.json"));
        Assert.Contains("model.safetensors", Assert.Throws<FileNotFoundException>(() => CausalLm.Load(empty.Path)).Message);
    }

    [Fact]
    public void TokenIdOutOfRangeNamesTheIdPositionAndTable()
    {
        using var model = Gpt2.Load(ModelGolden.Dir("gpt2"));
        using var ids = Tensor.FromArray(new[] { 1, 2, 101, 3 }, 1, 4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(ids));
        Assert.Contains("token id 101 at position 2", e.Message);
        Assert.Contains("transformer.wte.weight", e.Message);
    }

    [Fact]
    public void SequenceLongerThanThePositionTableIsRefused()
    {
        using var model = Gpt2.Load(ModelGolden.Dir("gpt2"));
        using var ids = Tensor.Zeros(new Shape(1, 38), DType.I32);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(ids));
        Assert.Contains("sequence length 38 exceeds n_positions 37", e.Message);
    }
}
