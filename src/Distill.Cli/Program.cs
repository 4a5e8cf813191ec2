// The `distill` command. Subcommands grow with the trainer; `info` prints what this build runs on.
using System.CommandLine;
using Distill;

var root = new RootCommand("distill: knowledge distillation of transformer language models in .NET");

var info = new Command("info", "Print version, devices, SIMD width and thread count");
info.SetAction(_ =>
{
    foreach (var line in EngineInfo.Lines()) Console.WriteLine(line);
    return 0;
});
root.Subcommands.Add(info);

return root.Parse(args).Invoke();
