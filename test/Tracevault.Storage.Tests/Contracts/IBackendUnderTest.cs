using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>One backend under test: a fresh, empty store of its kind that every contract suite opens, removed when disposed.</summary>
public interface IBackendUnderTest : IDisposable
{
    /// <summary>Opens the trace store; each call is another opening of the same store, as by another process or node.</summary>
    ITraceStore OpenTraceStore();

    /// <summary>Opens the identity repository, its changes audited under <paramref name="rootKeys"/>; each call is another opening of the same store.</summary>
    IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys);

    /// <summary>Opens the console's session store; each call is another opening of the same store.</summary>
    IConsoleSessionStore OpenConsoleSessionStore();
}
