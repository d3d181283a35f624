using Tracevault.Storage.Tests.Contracts;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The statistics store contract on a real SQLite file.</summary>
public sealed class SqliteStatisticsStoreTests : StatisticsStoreContract
{
    protected override IBackendUnderTest CreateBackend() => new SqliteBackendUnderTest();
}
