using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>The base of every contract suite: a backend subclass names the store; each test gets a fresh one, removed after it.</summary>
public abstract class StorageContract : IDisposable
{
    private IBackendUnderTest? _backend;

    /// <summary>The backend of this test, made on first use.</summary>
    protected IBackendUnderTest Backend => _backend ??= CreateBackend();

    public void Dispose() => _backend?.Dispose();

    /// <summary>Every batch a newest-first read gives, read to its end.</summary>
    protected static async Task<List<List<DatedTrace>>> BatchesAsync(Task<IAsyncEnumerable<List<DatedTrace>>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var batches = new List<List<DatedTrace>>();
        await foreach (var batch in await read)
        {
            batches.Add(batch);
        }

        return batches;
    }

    /// <summary>Makes a fresh, empty backend of the kind the subclass tests.</summary>
    protected abstract IBackendUnderTest CreateBackend();
}
