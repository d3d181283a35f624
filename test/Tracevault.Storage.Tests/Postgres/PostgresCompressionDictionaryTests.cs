using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The compression dictionary contract on a real PostgreSQL database.</summary>
public sealed class PostgresCompressionDictionaryTests : CompressionDictionaryContract
{
    protected override IBackendUnderTest CreateBackend() => new PostgresBackendUnderTest();
}
