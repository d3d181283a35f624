namespace Tracevault.Benchmarks.Load;

/// <summary>One server build's pages in a <c>console</c> run.</summary>
internal sealed record ConsoleBuild(string Name, string Dll, IReadOnlyList<ConsolePage> Pages);
