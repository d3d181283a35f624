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

namespace Tracevault.Storage;

/// <summary>One storage backend of a deployment: the repositories the server, the console and the offline commands use, and nothing of the database behind them.</summary>
/// <remarks>
/// Thread-safe. Each repository is made on its first use and kept, so a command that needs only one touches nothing else
/// (opening the audit trail seals its head, which a command that only reads must not do).
/// </remarks>
public interface IStorageBackend
{
    /// <summary>Sealed trace chunks and their blind index.</summary>
    ITraceStore Traces { get; }

    /// <summary>The sealed per-minute statistics written with the chunks (the same store as <see cref="Traces"/>).</summary>
    IStatisticsStore Statistics { get; }

    /// <summary>KMS keys, aliases, grants and policies, appended with their audit records.</summary>
    IKeyRepository Keys { get; }

    /// <summary>The audit trail.</summary>
    IAuditLog Audit { get; }

    /// <summary>Accounts, users and access keys.</summary>
    IIdentityRepository Identities { get; }

    /// <summary>The encryption settings and their versions.</summary>
    IEncryptionSettingRepository EncryptionSettings { get; }

    /// <summary>The versions of Tracevault's own service key behind default encryption.</summary>
    IServiceKeyStore ServiceKeys { get; }

    /// <summary>Everything sealed under the root keys, with the root keys the store expects.</summary>
    IRootKeySealedStore RootKeySealed { get; }

    /// <summary>Sampling rules, the statistics clients report about them and their boosts, shared by every node.</summary>
    ISamplingRuleRepository SamplingRules { get; }

    /// <summary>X-Ray groups.</summary>
    IGroupRepository Groups { get; }

    /// <summary>X-Ray resource policies.</summary>
    IResourcePolicyRepository ResourcePolicies { get; }

    /// <summary>The console's sessions, shared by every node.</summary>
    IConsoleSessionStore ConsoleSessions { get; }

    /// <summary>The console's failed sign-ins, counted for every node at once.</summary>
    ISignInAttemptStore SignInAttempts { get; }

    /// <summary>Each account's indexing rules, shared by every node.</summary>
    IIndexingRuleRepository IndexingRules { get; }
    /// <summary>Trace retrievals (<c>StartTraceRetrieval</c>), shared by every node.</summary>
    ITraceRetrievalRepository TraceRetrievals { get; }
    /// <summary>Insights, their events and the sealed per-minute statistics they are decided from, shared by every node.</summary>
    IInsightRepository Insights { get; }

    /// <summary>Asks the store one cheap question: whether it answers and holds Tracevault's schema (its exception when it cannot answer).</summary>
    bool Answers();

    /// <summary>How many bytes the store takes where it keeps its data (its files, or the database's size on its server), for the metrics.</summary>
    /// <exception cref="System.Data.Common.DbException">The store cannot answer.</exception>
    long SizeBytes();
}
