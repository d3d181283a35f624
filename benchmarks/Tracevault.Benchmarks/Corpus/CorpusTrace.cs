namespace Tracevault.Benchmarks.Corpus;

/// <summary>One generated trace: its id and its segment documents (UTF-8 JSON, unescaped), root first.</summary>
/// <param name="TraceId">The X-Ray trace id.</param>
/// <param name="Documents">The segment documents.</param>
public sealed record CorpusTrace(string TraceId, IReadOnlyList<byte[]> Documents);
