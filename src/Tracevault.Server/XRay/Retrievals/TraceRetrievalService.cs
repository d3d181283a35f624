using System.Text;
using System.Text.Json;
using Tracevault.Core.Identity;
using Tracevault.Core.Traces;
using Tracevault.Keys.Envelope;
using Tracevault.Server.Http;
using Tracevault.Storage.Retrievals;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay.Retrievals;

/// <summary>Starts, finds, cancels and reads trace retrievals, for the API and any other caller alike.</summary>
public sealed class TraceRetrievalService
{
    /// <summary>The most trace ids one retrieval takes (the model's <c>TraceIdListForRetrieval</c>).</summary>
    public const int MaxTraceIds = 100;

    private readonly ITraceRetrievalRepository _retrievals;
    private readonly IDataKeySource _dataKeys;
    private readonly ITraceIndexKeys _indexKeys;
    private readonly TraceReader _reader;
    private readonly TraceRetrievalRunner _runner;
    private readonly TraceRetrievalOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TraceRetrievalService> _logger;

    /// <summary>Creates the service.</summary>
    public TraceRetrievalService(ITraceRetrievalRepository retrievals, IDataKeySource dataKeys, ITraceIndexKeys indexKeys, TraceReader reader, TraceRetrievalRunner runner, TraceRetrievalOptions options, TimeProvider time, ILogger<TraceRetrievalService> logger)
    {
        _retrievals = retrievals;
        _dataKeys = dataKeys;
        _indexKeys = indexKeys;
        _reader = reader;
        _runner = runner;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Starts a retrieval of traces by id in a time range: the ids are sealed under the account's data key as trace data is, and
    /// only their blind-index keys stay in the clear; answers its token.
    /// </summary>
    public async Task<string> StartAsync(Caller caller, IReadOnlyList<string> traceIds, double startTime, double endTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(traceIds);
        var account = caller.AccountId;
        DataKey dataKey;
        try
        {
            dataKey = _dataKeys.ForSealing(account);
        }
        catch (StoringStoppedException exception)
        {
            // The ids are trace data: with the account's key unusable, they are not stored, under it or any other.
            throw new ApiException("InvalidRequestException", exception.Message);
        }

        var id = Core.Ids.NewHex(32);
        var sealedIds = AeadSealer.Seal(dataKey.Key, JsonSerializer.SerializeToUtf8Bytes(traceIds.ToArray(), RetrievalJsonContext.Default.StringArray), AssociatedData(account, id));
        var hashes = _indexKeys.ForSearching(account)
            .SelectMany(indexKey => traceIds.SelectMany(traceId => TraceIndexHasher.Keys(indexKey, traceId) is var (dated, undated) ? new[] { dated, undated } : []))
            .Distinct()
            .ToList();
        var retrieval = new TraceRetrieval(account, id, _time.GetUtcNow().ToUnixTimeSeconds(), startTime, endTime, RetrievalStatus.Scheduled, dataKey.Reference, sealedIds, hashes);
        await _retrievals.AddAsync(retrieval, cancellationToken).ConfigureAwait(false);
        LogMessages.RetrievalStarted(_logger, account, caller.Arn, traceIds.Count);
        _runner.Wake();
        return id;
    }

    /// <summary>Finds a retrieval of the caller's account by its token, with its status as of now (one not done within its time has timed out).</summary>
    /// <exception cref="ApiException">No such retrieval, or it expired.</exception>
    public async Task<TraceRetrieval> FindAsync(Caller caller, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var retrieval = await _retrievals.FindAsync(caller.AccountId, token, cancellationToken).ConfigureAwait(false);
        if (retrieval is null || retrieval.CreatedAt < now - (long)_options.Lifetime.TotalSeconds)
        {
            throw NotFound();
        }

        return retrieval.Status is RetrievalStatus.Scheduled or RetrievalStatus.Running && retrieval.CreatedAt < now - (long)_options.Timeout.TotalSeconds
            ? retrieval with { Status = RetrievalStatus.Timeout }
            : retrieval;
    }

    /// <summary>Cancels a scheduled or running retrieval of the caller's account; answers its status afterwards.</summary>
    public async Task<RetrievalStatus> CancelAsync(Caller caller, string token, CancellationToken cancellationToken)
    {
        var retrieval = await FindAsync(caller, token, cancellationToken).ConfigureAwait(false);
        if (retrieval.Status == RetrievalStatus.Timeout)
        {
            return retrieval.Status;
        }

        return await _retrievals.CancelAsync(caller.AccountId, token, _time.GetUtcNow().ToUnixTimeSeconds(), cancellationToken).ConfigureAwait(false) ?? throw NotFound();
    }

    /// <summary>
    /// Reads a complete retrieval's traces with the caller's own right to their keys, in the order their ids were given: each trace's
    /// documents that fall in the retrieval's time range, from the chunks the retrieval found; traces with none are left out.
    /// </summary>
    /// <exception cref="ApiException"><c>AccessDeniedException</c> when the caller may not decrypt the retrieval or its traces.</exception>
    public async Task<List<AssembledTrace>> ReadTracesAsync(Caller caller, TraceRetrieval retrieval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(retrieval);
        try
        {
            var dataKey = _dataKeys.ForOpening(retrieval.AccountId, retrieval.DataKeyReference, caller);
            var plain = AeadSealer.Open(dataKey.Key, retrieval.SealedTraceIds, AssociatedData(retrieval.AccountId, retrieval.Id));
            var traceIds = JsonSerializer.Deserialize(plain, RetrievalJsonContext.Default.StringArray) ?? [];
            var segments = await _reader.ReadTracesInChunksAsync(retrieval.AccountId, retrieval.ChunkIds, traceIds, caller, new ReadDamage(), cancellationToken).ConfigureAwait(false);
            var traces = new List<AssembledTrace>();
            foreach (var traceId in traceIds)
            {
                // The range is inclusive at both ends: a document counts when its time overlaps it.
                if (segments.TryGetValue(traceId, out var found)
                    && found.Where(s => s.EndTime >= retrieval.StartTime && s.StartTime <= retrieval.EndTime).ToList() is { Count: > 0 } inRange)
                {
                    traces.Add(TraceAssembler.Assemble(traceId, inRange.Select(s => s.Document)));
                }
            }

            return traces;
        }
        catch (DataKeyAccessException exception)
        {
            throw exception.AccessDenied
                ? new ApiException("AccessDeniedException", exception.Message, 403)
                : new ApiException("InvalidRequestException", exception.Message);
        }
    }

    private static byte[] AssociatedData(string accountId, string id) => Encoding.UTF8.GetBytes($"tracevault/trace-retrieval/{accountId}/{id}");

    private static ApiException NotFound() =>
        new("ResourceNotFoundException", "No trace retrieval has this RetrievalToken in this account (it may have expired: a retrieval is kept for a day).", 404);
}
