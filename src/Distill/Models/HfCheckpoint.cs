// A Hugging Face model directory: config.json plus model.safetensors, or shards listed by
// model.safetensors.index.json. Loads weights (F32, BF16 or F16 on disk, F32 in memory) into a
// ParameterSet after checking names and shapes; saves in the same layout, atomically.
using System.Text.Json;
using System.Text.Json.Nodes;
using Distill.IO;
using Distill.Tensors;

namespace Distill.Models;

internal sealed class HfCheckpoint : IDisposable
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files = new();
    private readonly Dictionary<string, SafetensorsFile> _where = new();

    private HfCheckpoint(string directory, ConfigJson config)
    {
        Directory = directory;
        Config = config;
    }

    public string Directory { get; }
    public ConfigJson Config { get; }
    public string? ModelType => Config.TryString("model_type");

    public static HfCheckpoint Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"model directory '{directory}' does not exist");
        string configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"'{directory}' has no {ConfigFile}", configPath);
        var ckpt = new HfCheckpoint(directory, ConfigJson.Load(configPath));
        try
        {
            ckpt.OpenWeights();
            return ckpt;
        }
        catch
        {
            ckpt.Dispose();
            throw;
        }
    }

    private void OpenWeights()
    {
        string single = Path.Combine(Directory, WeightsFile), index = Path.Combine(Directory, IndexFile);
        if (File.Exists(single))
        {
            var f = SafetensorsFile.Open(single);
            _files.Add(f);
            foreach (var n in f.Names) _where[n] = f;
            return;
        }
        if (!File.Exists(index))
            throw new FileNotFoundException($"'{Directory}' has neither {WeightsFile} nor {IndexFile}", single);
        JsonObject? map;
        try { map = JsonNode.Parse(File.ReadAllText(index))?["weight_map"] as JsonObject; }
        catch (JsonException e) { throw new InvalidDataException($"{index}: not valid JSON ({e.Message})", e); }
        if (map is null) throw new InvalidDataException($"{index}: no \"weight_map\" object");
        var shards = new Dictionary<string, SafetensorsFile>();
        foreach (var (name, node) in map)
        {
            string shard = node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>()
                : throw new InvalidDataException($"{index}: weight_map entry '{name}' must name a file");
            if (shard.Contains('/') || shard.Contains('\\') || shard.StartsWith('.'))
                throw new InvalidDataException($"{index}: weight_map entry '{name}' names '{shard}', which is not a file in the directory");
            if (!shards.TryGetValue(shard, out var f))
            {
                f = SafetensorsFile.Open(Path.Combine(Directory, shard));
                shards[shard] = f;
                _files.Add(f);
            }
            if (!f.Contains(name)) throw new InvalidDataException($"{index}: '{name}' is mapped to {shard}, which does not contain it");
            _where[name] = f;
        }
    }

    public IEnumerable<string> Names => _where.Keys;

    /// <summary>
    /// Fills every parameter from the checkpoint. aliases(name) lists the names a parameter may be stored
    /// under, first match wins; ignore(name) marks stored tensors that are not parameters (buffers).
    /// Throws naming the file and tensor on a missing, extra, wrongly shaped or wrongly typed tensor.
    /// </summary>
    public void LoadInto(ParameterSet parameters, Func<string, string[]> aliases, Func<string, bool> ignore)
    {
        var used = new HashSet<string>();
        var missing = new List<string>();
        foreach (var (name, param) in parameters.Named)
        {
            string? stored = aliases(name).FirstOrDefault(_where.ContainsKey);
            if (stored is null) { missing.Add(name); continue; }
            var file = _where[stored];
            var info = file.Info(stored);
            if (info.DType is not (DType.F32 or DType.BF16 or DType.F16))
                throw new InvalidDataException($"{file.Path}: tensor '{stored}' has dtype {info.DTypeName}; model weights must be F32, BF16 or F16");
            if (info.Shape != param.Shape)
                throw new InvalidDataException(
                    $"{file.Path}: tensor '{stored}' has shape {info.Shape}, but {ConfigFile} implies {param.Shape} (config and weights disagree)");
            using var loaded = file.LoadF32(stored);
            loaded.AsSpan().CopyTo(param.AsSpan());
            used.Add(stored);
        }
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{Directory}: {missing.Count} tensor(s) missing from the checkpoint: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}");
        var extra = _where.Keys.Where(n => !used.Contains(n) && !ignore(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException(
                $"{Directory}: {extra.Count} unexpected tensor(s) for this {ModelType ?? "model"} config: {string.Join(", ", extra.Take(5))}{(extra.Count > 5 ? ", ..." : "")}");
    }

    /// <summary>Fills a freshly built model from the checkpoint (see LoadInto); disposes it if loading fails.</summary>
    public TModel LoadModel<TModel>(TModel model, Func<string, string[]> aliases, Func<string, bool> ignore) where TModel : ICausalLm
    {
        try
        {
            LoadInto(model.Parameters, aliases, ignore);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes config.json and model.safetensors (F32, Hugging Face names), each atomically.</summary>
    public static void Save(string directory, JsonObject config, ParameterSet parameters)
    {
        System.IO.Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFile), parameters.Named,
            new Dictionary<string, string> { ["format"] = "pt" });
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile),
            config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _files.Clear();
    }
}
