using Tracevault.Keys.Audit;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Identity;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Settings;
using Tracevault.Storage.Groups;
using Tracevault.Storage.Indexing;
using Tracevault.Storage.Insights;
using Tracevault.Storage.ResourcePolicies;
using Tracevault.Storage.Retrievals;
using Tracevault.Storage.Sampling;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>One backend under test: a fresh, empty store of its kind that every contract suite opens, removed when disposed.</summary>
public interface IBackendUnderTest : IDisposable
{
    /// <summary>Opens the trace store; each call is another opening of the same store, as by another process or node.</summary>
    ITraceStore OpenTraceStore();

    /// <summary>Opens the identity repository, its changes audited under <paramref name="rootKeys"/>; each call is another opening of the same store.</summary>
    IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys);

    /// <summary>Opens the sampling rule repository; each call is another opening of the same store, as by another node.</summary>
    ISamplingRuleRepository OpenSamplingRules();

    /// <summary>Opens the X-Ray group repository; each call is another opening of the same store.</summary>
    IGroupRepository OpenGroupRepository();

    /// <summary>Opens the encryption setting repository; each call is another opening of the same store, as by another node.</summary>
    IEncryptionSettingRepository OpenEncryptionSettingRepository();

    /// <summary>Opens the audit trail, chained under <paramref name="rootKeys"/>; each call is another opening of the same store, as by another node.</summary>
    IAuditLog OpenAuditLog(RootKeyRing rootKeys);

    /// <summary>Changes the user name of audit record <paramref name="sequence"/> behind the store's back, as someone who can write the database.</summary>
    void RewriteAuditUsername(long sequence, string username);

    /// <summary>Deletes audit records <paramref name="from"/> to <paramref name="to"/> (inclusive) behind the store's back.</summary>
    void DeleteAuditRecords(long from, long to);

    /// <summary>Takes the store back to before it kept each key's last use (drops the table, lowers the audit schema's version), so the next opening gathers it from the trail.</summary>
    void ForgetKeyLastUsage();

    /// <summary>Opens the key repository, its changes committed with records chained under <paramref name="rootKeys"/>; each call is another opening of the same store, as by another node.</summary>
    IKeyRepository OpenKeyRepository(RootKeyRing rootKeys);

    /// <summary>Whether <paramref name="bytes"/> appear in the files the store keeps its tables in, read raw (SQLite: the database file and its write-ahead log; PostgreSQL: every relation's files after a checkpoint, not its write-ahead log).</summary>
    bool TablesHold(byte[] bytes);

    /// <summary>Opens the store of the service key's versions, sealed under <paramref name="rootKeys"/>; each call is another opening of the same store.</summary>
    IServiceKeyStore OpenServiceKeyStore(RootKeyRing rootKeys);

    /// <summary>Opens what the store keeps sealed under the root keys; each call is another opening of the same store.</summary>
    IRootKeySealedStore OpenRootKeySealedStore();

    /// <summary>Reads which root keys the store expects the way a node does before it opens the store, writing nothing.</summary>
    StoredRootKeys ReadRootKeysBeforeOpening();

    /// <summary>Opens the console's session store; each call is another opening of the same store.</summary>
    IConsoleSessionStore OpenConsoleSessionStore();

    /// <summary>Opens the console's failed sign-in store; each call is another opening of the same store, as by another node.</summary>
    ISignInAttemptStore OpenSignInAttemptStore();

    /// <summary>Opens the X-Ray resource policy repository; each call is another opening of the same store, as by another node.</summary>
    IResourcePolicyRepository OpenResourcePolicyRepository();
    /// <summary>Opens the indexing rule repository; each call is another opening of the same store, as by another node.</summary>
    IIndexingRuleRepository OpenIndexingRules();
    /// <summary>Opens the trace retrieval repository; each call is another opening of the same store, as by another node.</summary>
    ITraceRetrievalRepository OpenTraceRetrievals();
    /// <summary>Opens the insight repository; each call is another opening of the same store, as by another node.</summary>
    IInsightRepository OpenInsightRepository();
}
