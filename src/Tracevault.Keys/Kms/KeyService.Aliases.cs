using Tracevault.Core.Identity;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    /// <summary>CreateAlias: names a key of the caller's account.</summary>
    public void CreateAlias(Caller caller, string aliasName, string targetKeyId) => Run(caller, "CreateAlias", false, call =>
    {
        call.RequestParameters["aliasName"] = aliasName;
        call.RequestParameters["targetKeyId"] = targetKeyId;
        ValidateAliasName(aliasName);
        var key = call.Touch(ResolveKey(caller, targetKeyId, aliases: false, member: "targetKeyId"));
        Authorize(caller, key, "CreateAlias", EncryptionContext.Empty);
        if (key.AccountId != caller.AccountId)
        {
            throw KmsErrors.KeyDoesNotExist(key.Arn);
        }

        RequireNotPendingDeletion(key);
        var now = _time.GetUtcNow();
        if (!Changes(call).TryAddAlias(new KmsAlias(caller.AccountId, aliasName, key.KeyId, now, now)))
        {
            throw KmsErrors.AliasExists(AliasArn(caller.AccountId, aliasName));
        }

        // An answer cached while the alias named nothing must not outlive it.
        call.ChangedKeyArns.Add(key.Arn);
    });

    /// <summary>UpdateAlias: points an alias at another key of the caller's account.</summary>
    public void UpdateAlias(Caller caller, string aliasName, string targetKeyId) => Run(caller, "UpdateAlias", false, call =>
    {
        call.RequestParameters["aliasName"] = aliasName;
        call.RequestParameters["targetKeyId"] = targetKeyId;
        ValidateAliasName(aliasName);
        var alias = _keys.FindAlias(caller.AccountId, aliasName) ?? throw KmsErrors.AliasNotFound(AliasArn(caller.AccountId, aliasName));
        var key = call.Touch(ResolveKey(caller, targetKeyId, aliases: false, member: "targetKeyId"));
        Authorize(caller, key, "UpdateAlias", EncryptionContext.Empty);
        if (key.AccountId != caller.AccountId)
        {
            throw KmsErrors.KeyDoesNotExist(key.Arn);
        }

        RequireNotPendingDeletion(key);
        Changes(call).UpdateAlias(alias with { TargetKeyId = key.KeyId, LastUpdatedDate = _time.GetUtcNow() });
        call.ChangedKeyArns.Add(key.Arn);
    });

    /// <summary>DeleteAlias.</summary>
    public void DeleteAlias(Caller caller, string aliasName) => Run(caller, "DeleteAlias", false, call =>
    {
        call.RequestParameters["aliasName"] = aliasName;
        ValidateAliasName(aliasName);
        var alias = _keys.FindAlias(caller.AccountId, aliasName) ?? throw KmsErrors.AliasNotFound(AliasArn(caller.AccountId, aliasName));
        var key = LoadKey(alias.TargetKeyId);
        if (key is not null)
        {
            call.Touch(key);
            Authorize(caller, key, "DeleteAlias", EncryptionContext.Empty);
        }

        Changes(call).DeleteAlias(caller.AccountId, aliasName);
        if (key is not null)
        {
            call.ChangedKeyArns.Add(key.Arn);
        }
    });

    /// <summary>ListAliases: the caller's account's aliases, of one key or all, by name.</summary>
    public KmsPage<KmsAlias> ListAliases(Caller caller, string? keyId, int? limit, string? marker) => Run(caller, "ListAliases", true, call =>
    {
        if (keyId is not null)
        {
            call.RequestParameters["keyId"] = keyId;
        }

        AuthorizeWithoutKey(caller, "ListAliases");
        IReadOnlyList<KmsAlias> aliases = _keys.ListAliases(caller.AccountId);
        if (keyId is not null)
        {
            var key = ResolveKey(caller, keyId, aliases: false);
            aliases = aliases.Where(a => a.TargetKeyId == key.KeyId).ToList();
        }
        else
        {
            aliases = aliases.Where(a => LoadKey(a.TargetKeyId) is { State: not KeyState.Deleted }).ToList();
        }

        return Page(aliases, limit, marker, 50, 1000);
    });

    private static void ValidateAliasName(string? aliasName)
    {
        if (string.IsNullOrEmpty(aliasName))
        {
            throw KmsErrors.Validation("aliasName", "null", "Member must not be null");
        }

        if (!aliasName.StartsWith("alias/", StringComparison.Ordinal))
        {
            throw KmsErrors.Validation("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
        }

        if (aliasName.Length > 256 || aliasName.Length == "alias/".Length || !aliasName.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '/' or '_' or '-'))
        {
            throw KmsErrors.Validation("aliasName", $"'{aliasName}'", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
        }

        if (aliasName.StartsWith(AwsManagedAliasPrefix, StringComparison.Ordinal))
        {
            throw KmsErrors.ReservedAlias();
        }
    }
}
