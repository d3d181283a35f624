using System.Globalization;
using Tracevault.Keys.Audit;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>The audit trail: one keyed chain however many openings (nodes) append at once, whose changes behind the store's back <see cref="IAuditLog.Verify"/> reports.</summary>
public abstract class AuditLogContract : StorageContract
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private readonly RootKeyRing _rootKeys = RootKeyRing.CreateNew();
    private int _events;

    [Fact]
    public async Task Append_FromTwoNodesAtOnce_MakesOneChainThatVerifies()
    {
        var nodes = new[] { Backend.OpenAuditLog(_rootKeys), Backend.OpenAuditLog(_rootKeys) };
        const int Batches = 40;

        // Each node appends from two threads at once, batches of one and of two records.
        var appended = await Task.WhenAll(nodes.SelectMany(node => new[] { node, node }).Select((node, writer) => Task.Run(() =>
        {
            var ids = new List<string>();
            for (var i = 0; i < Batches; i++)
            {
                var batch = Enumerable.Range(0, 1 + (i % 2)).Select(_ => Event("111122223333", "Decrypt", $"writer-{writer}")).ToList();
                node.Append(batch, new KeyUsageIncrement("111122223333", KeyArn, "2026-12", "Decrypt"));
                ids.AddRange(batch.Select(e => e.EventId));
            }

            return ids;
        })));

        var total = appended.Sum(ids => ids.Count);
        var verification = Backend.OpenAuditLog(_rootKeys).Verify();
        Assert.True(verification.Verified, verification.Problem);
        Assert.Equal(total, verification.Records);
        var read = ReadAll(nodes[1], "111122223333");
        Assert.Equal(appended.SelectMany(ids => ids).Order(StringComparer.Ordinal), read.Select(e => e.EventId).Order(StringComparer.Ordinal));
        Assert.Equal(4 * Batches, Assert.Single(nodes[0].ReadUsage("111122223333", "2026-12")).Requests);
    }

    [Fact]
    public void Verify_Untouched_CountsEveryRecordUpToTheLast()
    {
        var log = Backend.OpenAuditLog(_rootKeys);
        Assert.Equal(new AuditVerification(true, 0, null, null, null), log.Verify());
        var events = AppendSeveral(log, 5);

        var verification = Backend.OpenAuditLog(_rootKeys).Verify();

        Assert.Equal(new AuditVerification(true, 5, events[^1].EventTime, null, null), verification);
    }

    [Fact]
    public void Verify_RecordRewritten_ReportsTheChainBrokenAtIt()
    {
        var log = Backend.OpenAuditLog(_rootKeys);
        var events = AppendSeveral(log, 5);

        Backend.RewriteAuditUsername(3, "somebody-else");

        var verification = log.Verify();
        Assert.False(verification.Verified);
        Assert.Equal(2, verification.Records);
        Assert.Equal(events[2].EventId, verification.BrokenEventId);
        Assert.StartsWith("broken", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RecordRemovedFromTheMiddle_ReportsTheChainBroken()
    {
        var log = Backend.OpenAuditLog(_rootKeys);
        var events = AppendSeveral(log, 5);

        Backend.DeleteAuditRecords(2, 2);

        var verification = log.Verify();
        Assert.False(verification.Verified);
        Assert.Equal(events[2].EventId, verification.BrokenEventId);
        Assert.StartsWith("broken", verification.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Verify_LastRecordsDeleted_ReportsTruncation_AndAnAppendAfterItKeepsSaying(int deleted)
    {
        var log = Backend.OpenAuditLog(_rootKeys);
        AppendSeveral(log, 5);

        Backend.DeleteAuditRecords(5 - deleted + 1, 5);

        var verification = log.Verify();
        Assert.False(verification.Verified);
        Assert.Equal(5 - deleted, verification.Records);
        Assert.StartsWith("truncated", verification.Problem, StringComparison.Ordinal);

        // Appending on top of the cut chain (from another node) seals a new head, which keeps what was found wrong.
        Backend.OpenAuditLog(_rootKeys).Append([Event("111122223333", "ListKeys", "admin")], null);
        var after = log.Verify();
        Assert.False(after.Verified);
        Assert.StartsWith("truncated or altered", after.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_UnderAnotherRootKey_ReportsRecordsItCannotCheck()
    {
        var log = Backend.OpenAuditLog(_rootKeys);
        var events = AppendSeveral(log, 2);

        var foreign = Backend.OpenAuditLog(RootKeyRing.CreateNew()).Verify();

        Assert.False(foreign.Verified);
        Assert.Equal(events[0].EventId, foreign.BrokenEventId);
    }

    [Fact]
    public void Lookup_FiltersByAccountAndAttribute_MostRecentFirst_InPages()
    {
        var log = Backend.OpenAuditLog(_rootKeys);
        var mine = AppendSeveral(log, 5);
        var other = Event("444455556666", "CreateKey", "admin");
        log.Append([other], null);

        var all = ReadAll(log, "111122223333", pageSize: 2);
        Assert.Equal(mine.Select(e => e.EventId).Reverse(), all.Select(e => e.EventId));
        var read = Assert.Single(all, e => e.EventId == mine[3].EventId);
        Assert.Equal((mine[3].RecipientAccountId, mine[3].EventTime, mine[3].EventSource, mine[3].EventName, mine[3].ReadOnly, mine[3].Username, mine[3].AccessKeyId, mine[3].RecordJson),
            (read.RecipientAccountId, read.EventTime, read.EventSource, read.EventName, read.ReadOnly, read.Username, read.AccessKeyId, read.RecordJson));
        Assert.Equal(mine[3].ResourceArns, read.ResourceArns);

        Assert.Equal([mine[1].EventId], Lookup(log, "111122223333", "EventId", mine[1].EventId));
        Assert.Equal([mine[4].EventId, mine[0].EventId], Lookup(log, "111122223333", "Username", "user-0"));
        Assert.Equal(mine.Where(e => e.ReadOnly).Select(e => e.EventId).Reverse(), Lookup(log, "111122223333", "ReadOnly", "true"));
        Assert.Empty(Lookup(log, "111122223333", "ReadOnly", "maybe"));
        Assert.Equal(mine.Select(e => e.EventId).Reverse(), Lookup(log, "111122223333", "ResourceName", KeyArn));
        Assert.Empty(Lookup(log, "111122223333", "ResourceName", KeyArn[..^1]));
        Assert.Equal(mine.Select(e => e.EventId).Reverse(), Lookup(log, "111122223333", "ResourceType", "AWS::KMS::Key"));
        Assert.Equal([other.EventId], Lookup(log, "444455556666", "EventName", "CreateKey"));

        var window = log.Lookup(new AuditQuery("111122223333", null, null, mine[1].EventTime, mine[2].EventTime, 50, null));
        Assert.Equal([mine[2].EventId, mine[1].EventId], window.Events.Select(e => e.EventId));
        Assert.Throws<ArgumentException>(() => log.Lookup(new AuditQuery("111122223333", "Colour", "blue", null, null, 50, null)));
    }

    private const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private List<AuditEvent> AppendSeveral(IAuditLog log, int count)
    {
        var events = new List<AuditEvent>();
        for (var i = 0; i < count; i++)
        {
            var record = Event("111122223333", i % 2 == 0 ? "Decrypt" : "DescribeKey", $"user-{i % 4}") with { ReadOnly = i % 2 == 1 };
            log.Append([record], null);
            events.Add(record);
        }

        return events;
    }

    [Fact]
    public void FindKeyLastUse_KeptAsRecordsAreAppended_AndGatheredFromTheTrailOnUpgrade()
    {
        const string Account = "111122223333";
        const string Partner = "444455556666";
        const string OtherKey = "arn:aws:kms:us-east-1:444455556666:key/0b000000-0000-4000-8000-000000000001";
        var log = Backend.OpenAuditLog(_rootKeys);
        Assert.Null(log.FindKeyLastUse(KeyArn));

        // Decrypt of KeyArn, then a ReEncrypt from KeyArn (owner: Account) to OtherKey (owner: Partner), recorded in both trails,
        // then a refused Encrypt and a DescribeKey of KeyArn, which are no successful cryptographic use.
        var decrypt = Used(Event(Account, "Decrypt", "alice"), "req-1", (Account, KeyArn));
        log.Append([decrypt], new KeyUsageIncrement(Account, KeyArn, "2026-12", "Decrypt") { LastUses = [new KeyLastUse(KeyArn, "Decrypt", decrypt.EventTime, decrypt.EventId, "req-1")] });
        var mine = Used(Event(Account, "ReEncrypt", "alice"), "req-2", (Account, KeyArn), (Partner, OtherKey));
        var theirs = Used(Event(Partner, "ReEncrypt", "alice"), "req-2", (Account, KeyArn), (Partner, OtherKey));
        log.Append([mine, theirs], new KeyUsageIncrement(Account, KeyArn, "2026-12", "ReEncrypt")
        {
            LastUses = [new KeyLastUse(KeyArn, "ReEncrypt", mine.EventTime, mine.EventId, "req-2"), new KeyLastUse(OtherKey, "ReEncrypt", theirs.EventTime, theirs.EventId, "req-2")],
        });
        var encrypt = Used(Event(Account, "Encrypt", "alice"), "req-3", (Account, KeyArn));
        var refused = encrypt with { RecordJson = "{\"errorCode\":\"DisabledException\"," + encrypt.RecordJson[1..] };
        log.Append([refused], new KeyUsageIncrement(Account, KeyArn, "2026-12", "Encrypt"));
        log.Append([Used(Event(Account, "DescribeKey", "alice"), "req-4", (Account, KeyArn))], new KeyUsageIncrement(Account, KeyArn, "2026-12", "DescribeKey"));

        var expected = new KeyLastUse(KeyArn, "ReEncrypt", mine.EventTime, mine.EventId, "req-2");
        var expectedOther = new KeyLastUse(OtherKey, "ReEncrypt", theirs.EventTime, theirs.EventId, "req-2");
        Assert.Equal(expected, Backend.OpenAuditLog(_rootKeys).FindKeyLastUse(KeyArn));
        Assert.Equal(expectedOther, Backend.OpenAuditLog(_rootKeys).FindKeyLastUse(OtherKey));

        Backend.ForgetKeyLastUsage();
        var upgraded = Backend.OpenAuditLog(_rootKeys);
        Assert.Equal(expected, upgraded.FindKeyLastUse(KeyArn));
        Assert.Equal(expectedOther, upgraded.FindKeyLastUse(OtherKey));
        Assert.True(upgraded.Verify().Verified);
    }

    /// <summary>A record as the key service writes it: its request id and the keys it used, each with its owner.</summary>
    private static AuditEvent Used(AuditEvent record, string requestId, params (string Account, string Arn)[] keys) => record with
    {
        ResourceArns = keys.Select(k => k.Arn).ToArray(),
        RecordJson = $$"""{"eventID":"{{record.EventId}}","eventName":"{{record.EventName}}","requestID":"{{requestId}}","resources":[{{string.Join(',', keys.Select(k => $$"""{"accountId":"{{k.Account}}","type":"AWS::KMS::Key","ARN":"{{k.Arn}}"}"""))}}]}""",
    };

    private AuditEvent Event(string account, string name, string username)
    {
        var n = Interlocked.Increment(ref _events);
        var id = string.Create(CultureInfo.InvariantCulture, $"00000000-0000-4000-8000-{n:D12}");
        return new AuditEvent(id, account, Start.AddSeconds(n), "kms.amazonaws.com", name, false, username, "AKIAEXAMPLE", [KeyArn],
            $$"""{"eventID":"{{id}}","eventName":"{{name}}"}""");
    }

    private static List<string> Lookup(IAuditLog log, string account, string key, string value) =>
        log.Lookup(new AuditQuery(account, key, value, null, null, 50, null)).Events.Select(e => e.EventId).ToList();

    private static List<AuditEvent> ReadAll(IAuditLog log, string account, int pageSize = 50)
    {
        var events = new List<AuditEvent>();
        long? before = null;
        do
        {
            var page = log.Lookup(new AuditQuery(account, null, null, null, null, pageSize, before));
            events.AddRange(page.Events);
            before = page.NextSequence;
        }
        while (before is not null);
        return events;
    }
}
