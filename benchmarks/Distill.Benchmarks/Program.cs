// Entry point for the BenchmarkDotNet suites: dotnet run -c Release -- --filter '*Gemm*'
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Distill.Benchmarks;

var config = DefaultConfig.Instance
    .AddColumn(ThroughputColumn.Gflops, ThroughputColumn.GBps, ThroughputColumn.TokensPerSecond)
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(ThroughputColumn).Assembly).Run(args, config);
