using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>
/// Gives the writer each account's compression dictionary for its current data key, training one in the background from the
/// first segments sealed under that key.
/// </summary>
/// <remarks>
/// A dictionary learns only from segments sealed under the data key it is sealed under, so what a key protects never ends up
/// under another key. It is stored, durably, before the writer gets it: no chunk names a dictionary that is not stored. The
/// writer seals with a dictionary for at most <see cref="Lifetime"/> after it was trained (a newer one is trained from fresh
/// segments after half of it), which retention relies on. Called by the writer's builder only; training runs on the pool.
/// </remarks>
internal sealed partial class DictionaryTrainer
{
    /// <summary>How long after training the writer may seal with a dictionary; shorter than the shortest retention (an hour).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    /// <summary>Document bytes to train on: 256 KB (about 400 corpus segments) train about as good a dictionary as 6.5 MB (112.7 against 112.1 bytes per segment on the corpus).</summary>
    private const int SampleBytes = 256 * 1024;

    /// <summary>The dictionary's size: 16, 32 and 64 KB dictionaries compress the corpus within 2 % of each other.</summary>
    private const int Capacity = 32 * 1024;

    /// <summary>Data zstd cannot train on (too little, too alike) is tried this many times per data key, then compressed without.</summary>
    private const int MaxAttempts = 3;

    /// <summary>The most sample bytes all accounts together may collect at a time (32 MB: 128 accounts collecting at once); beyond, an account waits its turn.</summary>
    private const long DefaultSampleBudgetBytes = 32L * 1024 * 1024;

    private readonly long _sampleBudgetBytes;

    private readonly ITraceStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, KeyTraining> _accounts = new(StringComparer.Ordinal);
    private readonly List<Task> _running = [];

    public DictionaryTrainer(ITraceStore store, TimeProvider time, ILogger logger)
        : this(store, time, logger, DefaultSampleBudgetBytes)
    {
    }

    /// <summary>A trainer whose accounts together hold at most <paramref name="sampleBudgetBytes"/> of samples (tests use a small one).</summary>
    internal DictionaryTrainer(ITraceStore store, TimeProvider time, ILogger logger, long sampleBudgetBytes)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _sampleBudgetBytes = sampleBudgetBytes;
    }

    /// <summary>The dictionary to seal <paramref name="segments"/> with (<see cref="CompressionDictionary.None"/> until one is trained); samples them when a new one is due.</summary>
    public CompressionDictionary ForSealing(string accountId, DataKey dataKey, IReadOnlyList<ChunkSegment> segments)
    {
        var now = _time.GetUtcNow();
        if (!_accounts.TryGetValue(accountId, out var training) || !string.Equals(training.DataKeyReference, dataKey.Reference, StringComparison.Ordinal))
        {
            // A new data key starts from nothing: its dictionary may learn only from what it seals.
            _accounts[accountId] = training = new KeyTraining(dataKey.Reference);
        }

        var dictionary = training.Current(now);

        // Samples are trace data in memory: many accounts collecting at once must not add up to much. One that has started
        // collecting finishes; one that has not waits until others have trained. (Counting the collectors walks every account,
        // so only an account that wants samples and has none yet does it.)
        if (training.WantsSamples(now, MaxAttempts)
            && (training.SampledBytes > 0 || (_accounts.Values.Count(t => t.SampledBytes > 0) + 1) * (long)SampleBytes <= _sampleBudgetBytes)
            && training.TakeSamples(segments, now, SampleBytes, MaxAttempts) is { } samples)
        {
            _running.RemoveAll(task => task.IsCompleted);
            _running.Add(Task.Run(() => TrainAsync(accountId, dataKey, training, samples, now)));
        }

        return dictionary;
    }

    /// <summary>The sample bytes all accounts hold now.</summary>
    internal long SampleBytesHeld => _accounts.Values.Sum(t => (long)t.SampledBytes);

    /// <summary>Waits for the trainings under way (when the writer stops).</summary>
    public Task WhenIdle() => Task.WhenAll(_running);

    private async Task TrainAsync(string accountId, DataKey dataKey, KeyTraining training, List<byte[]> samples, DateTimeOffset startedAt)
    {
        try
        {
            var dictionary = CompressionDictionary.Train(dataKey.Reference, samples, Capacity);
            await _store.AddDictionaryAsync(dictionary.Seal(accountId, dataKey, startedAt.ToUnixTimeSeconds()), CancellationToken.None).ConfigureAwait(false);
            training.Publish(dictionary, startedAt);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // zstd refuses samples it cannot learn from, and a store may fail; chunks are then compressed without, and it is
            // tried again on later segments. Said without the samples: they are trace data.
            training.Failed();
            TrainingFailed(_logger, accountId, dataKey.Reference, exception.GetType().Name, exception.Message);
        }
        finally
        {
            foreach (var sample in samples)
            {
                CryptographicOperations.ZeroMemory(sample);
            }
        }
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Training a compression dictionary for account {AccountId} under data key {DataKeyReference} failed ({ExceptionType}: {Reason}); its chunks are compressed without one until a later try succeeds")]
    private static partial void TrainingFailed(ILogger logger, string accountId, string dataKeyReference, string exceptionType, string reason);

    /// <summary>The dictionary of one account and data key: the one in use, and the samples for the next.</summary>
    private sealed class KeyTraining(string dataKeyReference)
    {
        private readonly Lock _lock = new();
        private CompressionDictionary _dictionary = CompressionDictionary.None;
        private DateTimeOffset _trainedAt;
        private List<byte[]> _samples = [];
        private int _sampledBytes;
        private bool _training;
        private int _failures;

        public string DataKeyReference { get; } = dataKeyReference;

        /// <summary>The bytes of samples held for the next training.</summary>
        public int SampledBytes
        {
            get
            {
                lock (_lock)
                {
                    return _sampledBytes;
                }
            }
        }

        public CompressionDictionary Current(DateTimeOffset now)
        {
            lock (_lock)
            {
                return now - _trainedAt < Lifetime ? _dictionary : CompressionDictionary.None;
            }
        }

        /// <summary>Whether a new dictionary is due (none yet, or the current one half through its lifetime) and none is being trained.</summary>
        public bool WantsSamples(DateTimeOffset now, int maxAttempts)
        {
            lock (_lock)
            {
                return WantsSamplesLocked(now, maxAttempts);
            }
        }

        /// <summary>Keeps copies of documents while a dictionary is due; returns them once there are enough to train on.</summary>
        public List<byte[]>? TakeSamples(IReadOnlyList<ChunkSegment> segments, DateTimeOffset now, int sampleBytes, int maxAttempts)
        {
            lock (_lock)
            {
                if (!WantsSamplesLocked(now, maxAttempts))
                {
                    return null;
                }

                for (var i = 0; i < segments.Count && _sampledBytes < sampleBytes; i++)
                {
                    // The text frames will hold: the values a frame keeps in columns are not in it (SegmentFieldEncoder).
                    _samples.Add(SegmentFieldEncoder.Sample(segments[i].Document.Span, segments[i].TraceId));
                    _sampledBytes += _samples[^1].Length;
                }

                if (_sampledBytes < sampleBytes)
                {
                    return null;
                }

                var samples = _samples;
                _samples = [];
                _sampledBytes = 0;
                _training = true;
                return samples;
            }
        }

        private bool WantsSamplesLocked(DateTimeOffset now, int maxAttempts) =>
            (_dictionary.Id == 0 || now - _trainedAt >= Lifetime / 2) && !_training && _failures < maxAttempts;

        public void Publish(CompressionDictionary dictionary, DateTimeOffset trainedAt)
        {
            lock (_lock)
            {
                (_dictionary, _trainedAt, _training) = (dictionary, trainedAt, false);
            }
        }

        public void Failed()
        {
            lock (_lock)
            {
                _failures++;
                _training = false;
            }
        }
    }
}
