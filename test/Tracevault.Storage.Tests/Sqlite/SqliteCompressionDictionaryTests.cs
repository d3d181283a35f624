using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The compression dictionary contract on a real SQLite file.</summary>
public sealed class SqliteCompressionDictionaryTests : CompressionDictionaryContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
