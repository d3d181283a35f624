namespace Tracevault.Storage.Traces;

/// <summary>Seals a compressed chunk body under a data key, binding the associated data.</summary>
/// <remarks>
/// Production code has exactly one: <see cref="Tracevault.Keys.Envelope.AeadSealer.Seal"/>. The type is internal, visible only to
/// the benchmark assembly, so no server option or command line can reach another (the benchmarks pass a no-op to measure what
/// sealing costs).
/// </remarks>
internal delegate byte[] ChunkCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData);
