namespace Tracevault.Benchmarks.Load;

/// <summary>One <c>console</c> run: the store, the range, and each build's pages.</summary>
internal sealed record ConsoleRun(MachineInfo Machine, KeptCorpus Corpus, string Range, long SegmentsInRange, int Rounds, int Requests, IReadOnlyList<LoadAverage> LoadAverage, IReadOnlyList<ConsoleBuild> Builds);
