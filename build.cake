// Build script: dotnet tool restore && dotnet cake --target=Test
//   Build   compile the solution (Release)
//   Test    run the xunit suites (README's test command)
//   Bench   run the BenchmarkDotNet suites (pass --filter=PATTERN to pick, default all)
//   Kernels compile kernels/*.cu to PTX with clang (the CUDA issue fills this in; no GPU needed)
var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var filter = Argument("filter", "*");

Task("Build").Does(() =>
{
    DotNetBuild("Engine.sln", new DotNetBuildSettings { Configuration = configuration });
});

Task("Test").IsDependentOn("Build").Does(() =>
{
    DotNetTest("Engine.sln", new DotNetTestSettings { Configuration = configuration, NoBuild = true });
});

Task("Bench").Does(() =>
{
    DotNetRun("benchmarks/Distill.Benchmarks/Distill.Benchmarks.csproj",
        new ProcessArgumentBuilder().Append("--filter").AppendQuoted(filter),
        new DotNetRunSettings { Configuration = "Release" });
});

Task("Kernels").Does(() =>
{
    var cu = GetFiles("kernels/*.cu");
    if (cu.Count == 0) { Information("kernels/: no .cu files yet (see kernels/README.md)"); return; }
    throw new Exception("Kernels: PTX build arrives with the CUDA backend issue");
});

RunTarget(target);
