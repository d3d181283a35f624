namespace Tracevault.Server.Http;

/// <summary>The operations each protocol serves; features register theirs at start-up.</summary>
public sealed class ApiRouter
{
    private readonly Dictionary<(ApiProtocol, string), ApiHandler> _handlers = [];
    private readonly HashSet<(ApiProtocol, string)> _intoOtherAccounts = [];

    /// <summary>Registers the handler of an operation.</summary>
    public ApiRouter Map(ApiProtocol protocol, string operation, ApiHandler handler)
    {
        _handlers.Add((protocol, operation), handler);
        return this;
    }

    /// <summary>Registers the handler of an operation that may be sent into another account (<see cref="ApiRequest.TargetAccount"/>), which it authorizes itself.</summary>
    public ApiRouter MapIntoAnyAccount(ApiProtocol protocol, string operation, ApiHandler handler)
    {
        Map(protocol, operation, handler);
        _intoOtherAccounts.Add((protocol, operation));
        return this;
    }

    /// <summary>Whether an operation may be sent into another account.</summary>
    public bool AcceptsTargetAccount(ApiProtocol protocol, string operation) => _intoOtherAccounts.Contains((protocol, operation));

    /// <summary>The operations registered for a protocol, by model name.</summary>
    public IReadOnlyList<string> Operations(ApiProtocol protocol) =>
        [.. _handlers.Keys.Where(key => key.Item1 == protocol).Select(key => key.Item2).Order(StringComparer.Ordinal)];

    /// <summary>Finds the handler of an operation.</summary>
    public bool TryFind(ApiProtocol protocol, string operation, out ApiHandler handler) =>
        _handlers.TryGetValue((protocol, operation), out handler!);
}
