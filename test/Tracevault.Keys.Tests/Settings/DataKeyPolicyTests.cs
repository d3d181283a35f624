using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Settings;
using Tracevault.Keys.Tests.Audit;
using Tracevault.Keys.Tests.Kms;

namespace Tracevault.Keys.Tests.Settings;

/// <summary>The one place that decides which key seals: default keys, one KMS data key per window, and a stop when the key is unusable.</summary>
public sealed class DataKeyPolicyTests
{
    private const string Account = "111122223333";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly EphemeralAuditLog _audit = new();
    private readonly EphemeralEncryptionSettingRepository _settings = new();
    private readonly KeyService _kms;
    private readonly DefaultDataKeys _defaults;
    private readonly DataKeyPolicy _policy;

    public DataKeyPolicyTests()
    {
        _kms = new KeyService(new EphemeralKeyRepository(_audit), _audit, RootKeyRing.CreateNew(), _clock, new KmsOptions { Region = "us-east-1" });
        _defaults = new DefaultDataKeys(new ServiceKey(1, ServiceKey.Generate()), _clock);
        _policy = new DataKeyPolicy(_kms, _defaults, _settings, _clock, new EncryptionSettingsOptions { DataKeyWindow = TimeSpan.FromMinutes(5) }, new Keys.External.NoExternalKeyService(), new Keys.External.ExternalKeyOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<DataKeyPolicy>.Instance);
    }

    private static readonly Caller Admin = new(Account, Caller.UserArn(Account, "admin"), "admin", "AKIAADMINXXXXXXXXXXX",
        [PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""")]);

    private static readonly Caller Reader = new(Account, Caller.UserArn(Account, "reader"), "reader", "AKIAREADERXXXXXXXXXX",
        [PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:*","Resource":"*"}]}""")]);

    [Fact]
    public void KeyDestroyed_ItsCachedDataKeysAreEvicted_AndNothingItSealedOpens()
    {
        var keyArn = UseKmsKey();
        var sealing = _policy.ForSealing(Account);
        var opened = _policy.ForOpening(Account, sealing.Reference, Admin);
        Assert.Equal(sealing.Key, opened.Key);
        Assert.Equal(2, _policy.CachedDataKeys);

        _kms.ScheduleKeyDeletion(Admin, keyArn, 7);
        _clock.Advance(TimeSpan.FromDays(7));
        Assert.Equal(1, _kms.DestroyDueKeys());

        Assert.Equal(0, _policy.CachedDataKeys);
        var gone = Assert.Throws<DataKeyAccessException>(() => _policy.ForOpening(Account, sealing.Reference, Admin));
        Assert.Contains(keyArn, gone.Message);
        Assert.Equal(0, _policy.CachedDataKeys);
    }

    [Fact]
    public void TraceIndexKeys_UnderAKmsKey_DerivedFromIt_SearchedWhileItExists_GoneWithIt()
    {
        var keyArn = UseKmsKey();
        var serviceIndexKey = _defaults.TraceIndexKey(Account);
        var indexKey = _policy.ForIndexing(Account, _policy.ForSealing(Account));
        Assert.NotEqual(serviceIndexKey, indexKey);
        Assert.Equal(indexKey, _policy.ForIndexing(Account, _policy.ForSealing(Account)));
        Assert.Equal(serviceIndexKey, _policy.ForIndexing(Account, _defaults.ForSealing(Account)));
        Assert.Equal([serviceIndexKey, indexKey], _policy.ForSearching(Account));
        Assert.Equal([_defaults.TraceIndexKey("444455556666")], _policy.ForSearching("444455556666"));

        // Disabled (or pending deletion), its traces are still found, and refused when opened.
        _kms.DisableKey(Admin, keyArn);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal([serviceIndexKey, indexKey], _policy.ForSearching(Account));

        _kms.ScheduleKeyDeletion(Admin, keyArn, 7);
        _clock.Advance(TimeSpan.FromDays(7));
        _kms.DestroyDueKeys();
        Assert.Equal([serviceIndexKey], _policy.ForSearching(Account));
    }

    [Fact]
    public void ForOpening_ManyReaders_TheCacheStaysWithinItsCapacity_AndKeysOlderThanItsMaximumAgeAreOpenedAgain()
    {
        var policy = new DataKeyPolicy(_kms, _defaults, _settings, _clock, new EncryptionSettingsOptions { DataKeyCacheCapacity = 3, DataKeyCacheMaxAge = TimeSpan.FromMinutes(1) },
            new Keys.External.NoExternalKeyService(), new Keys.External.ExternalKeyOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<DataKeyPolicy>.Instance);
        UseKmsKey();
        var references = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            references.Add(policy.ForSealing(Account).Reference);
            _clock.Advance(new EncryptionSettingsOptions().DataKeyWindow);
        }

        Assert.Equal(5, references.Distinct().Count());
        foreach (var reference in references)
        {
            policy.ForOpening(Account, reference, Admin);
        }

        // Three opened keys (the capacity) and the last sealing key (those of earlier windows went as each new one came).
        Assert.Equal(3 + 1, policy.CachedDataKeys);
        var decrypts = _audit.Events.Count(e => e.EventName == "Decrypt");
        policy.ForOpening(Account, references[^1], Admin);
        Assert.Equal(decrypts, _audit.Events.Count(e => e.EventName == "Decrypt"));

        _clock.Advance(TimeSpan.FromMinutes(1));
        policy.ForOpening(Account, references[^1], Admin);
        Assert.Equal(decrypts + 1, _audit.Events.Count(e => e.EventName == "Decrypt"));
    }

    [Fact]
    public void ForSealing_DefaultEncryption_TheServiceKeysDataKeyWithoutAKmsCall()
    {
        var key = _policy.ForSealing(Account);

        Assert.Equal(_defaults.ForSealing(Account).Reference, key.Reference);
        Assert.Equal(_defaults.ForSealing(Account).Key, key.Key);
        Assert.Null(key.KeyArn);
        Assert.Empty(_audit.Events);
        Assert.Empty(_settings.DataKeys);
    }

    [Fact]
    public void ForSealing_KmsKey_OneGenerateDataKeyPerWindow_StoredWrappedOnly()
    {
        var keyArn = UseKmsKey();

        var first = _policy.ForSealing(Account);
        var again = _policy.ForSealing(Account);
        _clock.Advance(TimeSpan.FromMinutes(5));
        var next = _policy.ForSealing(Account);

        Assert.Equal(keyArn, first.KeyArn);
        Assert.StartsWith(WrappedDataKey.ReferencePrefix, first.Reference, StringComparison.Ordinal);
        // The same data key within the window (each caller gets its own copy of the bytes, so the cache may zero its own).
        Assert.Equal(first.Reference, again.Reference);
        Assert.Equal(first.Key, again.Key);
        Assert.NotSame(first.Key, again.Key);
        Assert.NotEqual(first.Reference, next.Reference);
        Assert.NotEqual(first.Key, next.Key);
        Assert.Equal(2, _audit.Events.Count(e => e.EventName == "GenerateDataKey"));
        Assert.Equal(2, _settings.DataKeys.Count);
        Assert.All(_settings.DataKeys, k => Assert.DoesNotContain(Convert.ToHexString(first.Key), Convert.ToHexString(k.CiphertextBlob), StringComparison.Ordinal));
        Assert.NotEqual(_defaults.ForSealing(Account).Key, first.Key);
    }

    [Fact]
    public void ForSealing_KeyDisabled_StopsWithTheKeyNamed_NoOtherKeySeals_AndResumesWhenEnabled()
    {
        var keyArn = UseKmsKey();
        Assert.Equal(keyArn, _policy.ForSealing(Account).KeyArn);
        var generated = _audit.Events.Count(e => e.EventName == "GenerateDataKey");

        _kms.DisableKey(Admin, keyArn);

        // Even the data key still cached for this window must not seal once its key is disabled.
        var stopped = Assert.Throws<StoringStoppedException>(() => _policy.ForSealing(Account));
        Assert.Equal(keyArn, stopped.KeyArn);
        Assert.Contains("DisabledException", stopped.Reason, StringComparison.Ordinal);
        Assert.Equal(keyArn, _policy.FindStoringStatus(Account)?.KeyArn);
        Assert.Equal(keyArn, _settings.FindStoringStatus(Account)?.KeyArn);
        Assert.Throws<StoringStoppedException>(() => _policy.ForSealing(Account));
        Assert.Equal(generated, _audit.Events.Count(e => e.EventName == "GenerateDataKey"));

        _kms.EnableKey(Admin, keyArn);
        _policy.RecheckStopped();

        Assert.Null(_policy.FindStoringStatus(Account));
        Assert.Equal(keyArn, _policy.ForSealing(Account).KeyArn);
    }

    [Fact]
    public void ForSealing_GrantRevoked_Stops()
    {
        var keyArn = UseKmsKey();
        Assert.Equal(keyArn, _policy.ForSealing(Account).KeyArn);

        var grant = _kms.ListGrants(Admin, keyArn, null, null, null, null).Items.Single();
        _kms.RevokeGrant(Admin, keyArn, grant.GrantId);

        var stopped = Assert.Throws<StoringStoppedException>(() => _policy.ForSealing(Account));
        Assert.Equal(keyArn, stopped.KeyArn);
        Assert.Contains("AccessDeniedException", stopped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RecheckStopped_KeyDisabledWhileNoDataArrives_ReportsStoppedAtOnce()
    {
        var keyArn = UseKmsKey();
        _kms.DisableKey(Admin, keyArn);

        _policy.RecheckStopped();

        Assert.Equal(keyArn, _policy.FindStoringStatus(Account)?.KeyArn);
    }

    [Fact]
    public void Apply_UnusableKey_TakesTheSetting_AndStopsStoring()
    {
        UseKmsKey();
        var disabled = _kms.CreateKey(Admin, new CreateKeyRequest()).Arn;
        _kms.CreateGrant(Admin, new CreateGrantRequest(disabled, DataKeyPolicy.ServicePrincipal, ["GenerateDataKey", "Decrypt", "DescribeKey"]));
        _kms.DisableKey(Admin, disabled);

        _policy.Apply(new EncryptionSetting(Account, 2, EncryptionType.Kms, disabled, Start, Admin.Arn));

        // The user chose this key: nothing more is sealed under the one before, and storing stops until the new one is usable.
        Assert.Equal(disabled, _policy.Applied(Account).KeyArn);
        Assert.Equal(disabled, _policy.FindStoringStatus(Account)?.KeyArn);
        Assert.Throws<StoringStoppedException>(() => _policy.ForSealing(Account));
    }

    [Fact]
    public void ForOpening_ReaderWithoutDecrypt_AccessDeniedNamingTheKey_OwnerOpens()
    {
        var keyArn = UseKmsKey();
        var sealing = _policy.ForSealing(Account);

        var denied = Assert.Throws<DataKeyAccessException>(() => _policy.ForOpening(Account, sealing.Reference, Reader));
        Assert.True(denied.AccessDenied);
        Assert.Equal(keyArn, denied.KeyArn);

        Assert.Equal(sealing.Key, _policy.ForOpening(Account, sealing.Reference, Admin).Key);
        Assert.Equal(_defaults.ForSealing(Account).Key, _policy.ForOpening(Account, _defaults.ForSealing(Account).Reference, Reader).Key);
        Assert.Throws<DataKeyAccessException>(() => _policy.ForOpening("444455556666", sealing.Reference, Admin));
        Assert.Throws<DataKeyAccessException>(() => _policy.ForOpening(Account, "plain/1", Admin));
    }

    /// <summary>Creates a key, grants the service what it needs, and applies a KMS setting naming it.</summary>
    private string UseKmsKey()
    {
        var key = _kms.CreateKey(Admin, new CreateKeyRequest());
        _kms.CreateGrant(Admin, new CreateGrantRequest(key.Arn, DataKeyPolicy.ServicePrincipal, ["GenerateDataKey", "Decrypt", "DescribeKey"]));
        var setting = new EncryptionSetting(Account, 1, EncryptionType.Kms, key.Arn, Start, Admin.Arn);
        Assert.True(_settings.TryAppend(setting));
        _policy.Apply(setting);
        return key.Arn;
    }
}
