namespace Tracevault.Storage.Postgres;

/// <summary>One feature's tables in PostgreSQL: numbered SQL steps, applied once each, never edited after release.</summary>
/// <param name="Name">The part's name, recorded with its version.</param>
/// <param name="Steps">The SQL of each step, oldest first.</param>
internal sealed record PostgresSchemaPart(string Name, IReadOnlyList<string> Steps);
