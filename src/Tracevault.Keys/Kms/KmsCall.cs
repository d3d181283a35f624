using System.Text.Json.Nodes;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Kms;

/// <summary>One KMS call on its way through the key service: what its audit record will say.</summary>
internal sealed class KmsCall(Caller caller, string eventName, bool readOnly, DateTimeOffset time)
{
    public Caller Caller { get; } = caller;

    public string EventName { get; } = eventName;

    public bool ReadOnly { get; } = readOnly;

    public DateTimeOffset Time { get; } = time;

    /// <summary>The request parameters in lowerCamelCase, never with plaintext, ciphertext or key material.</summary>
    public JsonObject RequestParameters { get; } = [];

    /// <summary>The response elements, null for cryptographic calls.</summary>
    public JsonObject? ResponseElements { get; set; }

    /// <summary>The service the user's call came through, if any.</summary>
    public string? ViaService { get; set; }

    /// <summary>The keys the call touched.</summary>
    public List<KmsKey> Keys { get; } = [];

    /// <summary>The call's changes, begun on its first change and committed only with its audit record; null while it changed nothing.</summary>
    public IKeyChanges? Changes { get; set; }

    /// <summary>The keys whose new revision the call put in the key service's cache before committing it, to forget should it not commit.</summary>
    public List<string> CachedKeyIds { get; } = [];

    /// <summary>The ARNs of keys whose state, policy, aliases or grants the call changed, announced once the change is committed.</summary>
    public List<string> ChangedKeyArns { get; } = [];

    /// <summary>Records a key the call touched.</summary>
    public KmsKey Touch(KmsKey key)
    {
        if (!Keys.Any(k => k.KeyId == key.KeyId))
        {
            Keys.Add(key);
        }

        return key;
    }

    /// <summary>Records an encryption context verbatim under <paramref name="name"/>.</summary>
    public void Context(string name, IReadOnlyDictionary<string, string> context)
    {
        if (context.Count == 0)
        {
            return;
        }

        var value = new JsonObject();
        foreach (var (key, pair) in context)
        {
            value[key] = pair;
        }

        RequestParameters[name] = value;
    }
}
