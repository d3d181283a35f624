namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// An entity of a trace, as a segment or independent subsegment stored in another batch may name it as its parent: the service whose
/// call a child of it is, and the service it stands for when it is an <c>aws</c>/<c>remote</c> subsegment that called no segment of
/// its own batch (which a segment naming it replaces).
/// </summary>
/// <remarks>Eight bytes, as a trace keeps one per entity in memory: service indexes below 16,384 (a trace has far fewer services).</remarks>
public readonly struct TraceFactsLink : IEquatable<TraceFactsLink>
{
    private readonly uint _id;
    private readonly short _service;
    private readonly short _inferredAndDocument;

    /// <summary>Creates a link.</summary>
    /// <param name="id">The entity's id folded to 32 bits (ids are random: a collision within one trace is as good as impossible).</param>
    /// <param name="service">The index, in <see cref="TraceFacts.Services"/>, of the service whose call a child of it is (-1 for none).</param>
    /// <param name="inferred">The index of the service inferred from the subsegment, or -1.</param>
    /// <param name="document">Whether it is a stored document of its own (a segment, or an independent subsegment whose parent was not there).</param>
    public TraceFactsLink(uint id, int service, int inferred, bool document)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(service, MaxService);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inferred, MaxService);
        _id = id;
        _service = (short)service;
        _inferredAndDocument = (short)(((inferred + 1) << 1) | (document ? 1 : 0));
    }

    /// <summary>The highest service index a link holds.</summary>
    public const int MaxService = 16_382;

    /// <summary>The entity's id folded to 32 bits.</summary>
    public uint Id => _id;

    /// <summary>The index of the service whose call a child of it is, or -1.</summary>
    public int Service => _service;

    /// <summary>The index of the service inferred from the subsegment, or -1.</summary>
    public int Inferred => (_inferredAndDocument >> 1) - 1;

    /// <summary>Whether it is a stored document of its own.</summary>
    public bool Document => (_inferredAndDocument & 1) == 1;

    /// <summary>This link with other service indexes (when parts merge).</summary>
    public TraceFactsLink WithServices(int service, int inferred) => new(_id, service, inferred, Document);

    /// <inheritdoc/>
    public bool Equals(TraceFactsLink other) => _id == other._id && _service == other._service && _inferredAndDocument == other._inferredAndDocument;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TraceFactsLink other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_id, _service, _inferredAndDocument);

    /// <summary>Whether two links are the same.</summary>
    public static bool operator ==(TraceFactsLink left, TraceFactsLink right) => left.Equals(right);

    /// <summary>Whether two links differ.</summary>
    public static bool operator !=(TraceFactsLink left, TraceFactsLink right) => !left.Equals(right);
}
