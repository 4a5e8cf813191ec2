// Saving: what we write has exactly Hugging Face's names, shapes and dtypes, and reloads to the same
// model. The saved_by_distill directory is read back by the PyTorch reference script (see
// tests/reference/README.md), which records the logits it computes from our file.
using Distill.IO;
using Distill.Models;
using Distill.Optim;
using Distill.Tensors;
using Distill.Tests.IO;
using Distill.Tests.Support;
using Distill.Training;

namespace Distill.Tests.Models;

public class ModelSaveTests
{
    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void SavedFileHasTheReferenceNamesShapesAndValues(string name)
    {
        using var dir = new TempDir();
        using var model = CausalLm.Load(ModelGolden.Dir(name));
        model.Save(dir.Path);
        using var ours = SafetensorsFile.Open(dir.File("model.safetensors"));
        using var theirs = SafetensorsFile.Open(Path.Combine(ModelGolden.Dir(name), "model.safetensors"));
        Assert.Equal(theirs.Names.Order(StringComparer.Ordinal), ours.Names.Order(StringComparer.Ordinal));
        foreach (var n in theirs.Names)
        {
            Assert.Equal(theirs.Info(n).Shape, ours.Info(n).Shape);
            Assert.Equal("F32", ours.Info(n).DTypeName);
            Assert.True(theirs.Bytes(n).SequenceEqual(ours.Bytes(n)), $"{n} differs");
        }
        Assert.Equal("pt", ours.Metadata["format"]);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));
        using var again = CausalLm.Load(dir.Path);
        Assert.Equal(model.ModelType, again.ModelType);
    }

    /// <summary>Regenerates tests/reference/golden/saved_by_distill/gpt2 when DISTILL_WRITE_REFERENCE=1.</summary>
    [Fact]
    public void ModelSavedByDistillGivesPyTorchsLogits()
    {
        string saved = Golden.PathOf(Path.Combine("saved_by_distill", "gpt2"));
        string? source = Environment.GetEnvironmentVariable("DISTILL_WRITE_REFERENCE") == "1"
            ? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../reference/golden/saved_by_distill/gpt2")) : null;
        if (source is not null)
        {
            // Three training steps away from the reference weights, so the file is ours, not a copy.
            using var model = Gpt2.Load(ModelGolden.Dir("gpt2"));
            using var reference = Golden.Open("gpt2_reference.safetensors");
            using var ids = reference.Load("ids");
            using var targets = reference.Load("targets");
            using (var step = new LmTrainingStep(model, new AdamWOptions { LearningRate = 1e-2f }))
                for (int i = 0; i < 3; i++) step.Run(ids, targets);
            model.Save(source);
            return;
        }
        using var ours = Gpt2.Load(saved);
        using var golden = Golden.Open("saved_by_distill_gpt2.safetensors");
        ModelGolden.LogitsMatch(ours, golden);
    }
}
