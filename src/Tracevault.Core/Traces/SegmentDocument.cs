using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Tracevault.Core.Traces;

/// <summary>Validates one X-Ray segment document, as <c>PutTraceSegments</c> and the daemon receive it, without building a DOM.</summary>
/// <remarks>Thread-safe and allocation-free apart from the strings of the returned header or rejection.</remarks>
public static class SegmentDocument
{
    /// <summary>The largest accepted document, in UTF-8 bytes (X-Ray's 64 KB segment document quota).</summary>
    public const int MaxDocumentBytes = 64 * 1024;

    /// <summary>The longest accepted <c>name</c>, in characters.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Validates a segment document with <see cref="SegmentValidationOptions.Default"/>.</summary>
    public static SegmentParseResult Parse(ReadOnlySpan<byte> utf8Json, DateTimeOffset now) =>
        Parse(utf8Json, now, SegmentValidationOptions.Default);

    /// <summary>Validates a segment document, judging its trace id's time against <paramref name="now"/>.</summary>
    public static SegmentParseResult Parse(ReadOnlySpan<byte> utf8Json, DateTimeOffset now, SegmentValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var documentLength = utf8Json.Length;
        if (utf8Json.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }

        var fields = default(SegmentFields);
        string? jsonError = null;
        try
        {
            // The reader takes bytes that are not UTF-8 inside a string; stored, they would fail every read of the trace.
            jsonError = Utf8.IsValid(utf8Json) ? null : "the document is not valid UTF-8";
            ReadFields(utf8Json, ref fields);
        }
        catch (JsonException exception)
        {
            jsonError ??= exception.Message;
        }
        catch (InvalidOperationException)
        {
            jsonError ??= "a string in the document has an escape that is not valid UTF-16 (an unpaired surrogate)";
        }

        if (documentLength > options.MaxDocumentBytes)
        {
            return Reject(fields, SegmentErrorCode.SegmentTooLarge, string.Create(
                CultureInfo.InvariantCulture,
                $"the document is {documentLength} bytes, more than the {options.MaxDocumentBytes} allowed"));
        }

        if (jsonError is not null)
        {
            return Reject(fields, SegmentErrorCode.InvalidJson, jsonError);
        }

        if (!fields.IsObject)
        {
            return Reject(fields, SegmentErrorCode.InvalidJson, "a segment document must be a JSON object");
        }

        return Validate(fields, documentLength, now, options);
    }

    private static SegmentParseResult Validate(
        in SegmentFields fields, int documentLength, DateTimeOffset now, SegmentValidationOptions options)
    {
        switch (fields.Id.State)
        {
            case FieldState.Missing:
                return Reject(fields, SegmentErrorCode.MissingId, "the document has no id");
            case FieldState.Invalid:
                return Reject(fields, SegmentErrorCode.InvalidId, "id must be a string of 16 hex digits");
        }

        if (!TraceIds.IsSegmentId(fields.Id.Value))
        {
            return Reject(fields, SegmentErrorCode.InvalidId, $"id '{fields.Id.Value}' is not 16 hex digits");
        }

        switch (fields.Name.State)
        {
            case FieldState.Missing:
                return Reject(fields, SegmentErrorCode.MissingName, "the document has no name");
            case FieldState.Invalid:
                return Reject(fields, SegmentErrorCode.InvalidName, "name must be a string");
        }

        if (DescribeInvalidName(fields.Name.Value!) is { } nameProblem)
        {
            return Reject(fields, SegmentErrorCode.InvalidName, nameProblem);
        }

        if (fields.TraceId.State == FieldState.Missing)
        {
            return fields.IsSubsegment
                ? Reject(fields, SegmentErrorCode.InvalidSubsegment, "an independent subsegment needs a trace_id")
                : Reject(fields, SegmentErrorCode.MissingTraceId, "the document has no trace_id");
        }

        var traceId = fields.TraceId.Value;
        if (fields.TraceId.State == FieldState.Invalid || !TraceIds.TryGetTraceIdTime(traceId, out var traceIdTime))
        {
            return Reject(fields, SegmentErrorCode.InvalidTraceId,
                "trace_id must look like 1-<8 hex digits>-<24 hex digits>");
        }

        if (options.MaxTraceIdAge is { } maxAge && traceIdTime < now - maxAge)
        {
            return Reject(fields, SegmentErrorCode.InvalidTraceId, string.Create(
                CultureInfo.InvariantCulture,
                $"trace_id time {traceIdTime:yyyy-MM-ddTHH:mm:ssZ} is more than {maxAge.TotalDays} days in the past"));
        }

        if (options.MaxTraceIdSkew is { } maxSkew && traceIdTime > now + maxSkew)
        {
            return Reject(fields, SegmentErrorCode.InvalidTraceId, string.Create(
                CultureInfo.InvariantCulture,
                $"trace_id time {traceIdTime:yyyy-MM-ddTHH:mm:ssZ} is more than {maxSkew.TotalHours} hours in the future"));
        }

        switch (fields.StartTime.State)
        {
            case FieldState.Missing:
                return Reject(fields, SegmentErrorCode.MissingStartTime, "the document has no start_time");
            case FieldState.Invalid:
                return Reject(fields, SegmentErrorCode.InvalidStartTime, "start_time must be a number of epoch seconds");
        }

        var startTime = fields.StartTime.Value;
        if (!double.IsFinite(startTime) || startTime <= 0)
        {
            return Reject(fields, SegmentErrorCode.InvalidStartTime, "start_time must be a positive number of epoch seconds");
        }

        // A time far ahead would keep its chunk (dated by its latest time) past retention.
        var latest = now + options.MaxTimeSkew;
        if (startTime > latest.ToUnixTimeMilliseconds() / 1000.0)
        {
            return Reject(fields, SegmentErrorCode.InvalidStartTime, TooFarAhead("start_time", startTime, options.MaxTimeSkew));
        }

        if (fields.InProgress.State == FieldState.Invalid)
        {
            return Reject(fields, SegmentErrorCode.InvalidEndTime, "in_progress must be true or false");
        }

        var inProgress = fields.InProgress.State == FieldState.Present && fields.InProgress.Value;
        double? endTime = null;
        switch (fields.EndTime.State)
        {
            case FieldState.Invalid:
                return Reject(fields, SegmentErrorCode.InvalidEndTime, "end_time must be a number of epoch seconds");
            case FieldState.Missing when !inProgress:
                return Reject(fields, SegmentErrorCode.MissingEndTime, "the document has neither end_time nor in_progress: true");
            case FieldState.Present when inProgress:
                return Reject(fields, SegmentErrorCode.InvalidEndTime, "end_time and in_progress: true are mutually exclusive");
            case FieldState.Present:
                if (!double.IsFinite(fields.EndTime.Value) || fields.EndTime.Value < startTime)
                {
                    return Reject(fields, SegmentErrorCode.InvalidEndTime, "end_time must be a number no smaller than start_time");
                }

                if (fields.EndTime.Value > latest.ToUnixTimeMilliseconds() / 1000.0)
                {
                    return Reject(fields, SegmentErrorCode.InvalidEndTime, TooFarAhead("end_time", fields.EndTime.Value, options.MaxTimeSkew));
                }

                endTime = fields.EndTime.Value;
                break;
        }

        switch (fields.ParentId.State)
        {
            case FieldState.Missing when fields.IsSubsegment:
                return Reject(fields, SegmentErrorCode.InvalidSubsegment, "an independent subsegment needs a parent_id");
            case FieldState.Invalid:
                return Reject(fields, SegmentErrorCode.InvalidParentId, "parent_id must be a string of 16 hex digits");
            case FieldState.Present when !TraceIds.IsSegmentId(fields.ParentId.Value):
                return Reject(fields, SegmentErrorCode.InvalidParentId, $"parent_id '{fields.ParentId.Value}' is not 16 hex digits");
        }

        var parentId = fields.ParentId.State == FieldState.Present ? TraceIds.Normalize(fields.ParentId.Value!) : null;
        return SegmentParseResult.Valid(new SegmentHeader(
            TraceIds.Normalize(traceId!),
            TraceIds.Normalize(fields.Id.Value!),
            parentId,
            fields.Name.Value!,
            fields.IsSubsegment,
            startTime,
            endTime,
            traceIdTime,
            documentLength));
    }

    private static string TooFarAhead(string field, double seconds, TimeSpan skew)
    {
        // Clamped: a time beyond what DateTimeOffset holds is still named, as its latest representable second.
        var time = DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(seconds, 253402300799));
        return string.Create(CultureInfo.InvariantCulture, $"{field} {time:yyyy-MM-ddTHH:mm:ssZ} is more than {skew.TotalHours} hours in the future");
    }

    private static void ReadFields(ReadOnlySpan<byte> utf8Json, ref SegmentFields fields)
    {
        var reader = new Utf8JsonReader(utf8Json, isFinalBlock: true, state: default);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            while (reader.Read())
            {
                // Reading on makes trailing garbage throw, so it is reported as bad JSON.
            }

            return;
        }

        fields.IsObject = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            CheckEscapes(ref reader);
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                fields.Id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                fields.Name = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("trace_id"u8))
            {
                reader.Read();
                fields.TraceId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("parent_id"u8))
            {
                reader.Read();
                fields.ParentId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("start_time"u8))
            {
                reader.Read();
                fields.StartTime = ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("end_time"u8))
            {
                reader.Read();
                fields.EndTime = ReadNumber(ref reader);
            }
            else if (reader.ValueTextEquals("in_progress"u8))
            {
                reader.Read();
                fields.InProgress = ReadBoolean(ref reader);
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                fields.IsSubsegment = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("subsegment"u8);
                SkipChecked(ref reader);
            }
            else
            {
                reader.Read();
                SkipChecked(ref reader);
            }
        }

        while (reader.Read())
        {
            // Reading past the root object makes trailing content throw.
        }
    }

    /// <summary>Skips a value as <see cref="Utf8JsonReader.Skip"/> does, unescaping every escaped string and name in it on the way.</summary>
    private static void SkipChecked(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            CheckEscapes(ref reader);
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            CheckEscapes(ref reader);
        }
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> when the current string or name has an escaped unpaired surrogate.</summary>
    private static void CheckEscapes(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
        {
            _ = reader.GetString();
        }
    }

    private static Field<string> ReadString(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new Field<string>(FieldState.Present, reader.GetString());
            case JsonTokenType.Null:
                return default;
            default:
                SkipChecked(ref reader);
                return new Field<string>(FieldState.Invalid, null);
        }
    }

    private static Field<double> ReadNumber(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetDouble(out var value)
                    ? new Field<double>(FieldState.Present, value)
                    : new Field<double>(FieldState.Invalid, 0);
            case JsonTokenType.Null:
                return default;
            default:
                SkipChecked(ref reader);
                return new Field<double>(FieldState.Invalid, 0);
        }
    }

    private static Field<bool> ReadBoolean(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return new Field<bool>(FieldState.Present, true);
            case JsonTokenType.False:
                return new Field<bool>(FieldState.Present, false);
            case JsonTokenType.Null:
                return default;
            default:
                SkipChecked(ref reader);
                return new Field<bool>(FieldState.Invalid, false);
        }
    }

    private static string? DescribeInvalidName(string name)
    {
        if (name.Length == 0)
        {
            return "name is empty";
        }

        if (name.Length > MaxNameLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"name is {name.Length} characters, more than the {MaxNameLength} allowed");
        }

        foreach (var rune in name.EnumerateRunes())
        {
            if (!IsAllowedInName(rune))
            {
                return string.Create(CultureInfo.InvariantCulture, $"name has the character U+{rune.Value:X4}, which is not allowed");
            }
        }

        return null;
    }

    private static bool IsAllowedInName(Rune rune)
    {
        if (Rune.IsLetter(rune) || Rune.IsNumber(rune) || Rune.IsWhiteSpace(rune))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => true,
            _ => rune.IsAscii && "_.:/%&#=+\\-@".Contains((char)rune.Value, StringComparison.Ordinal),
        };
    }

    private static SegmentParseResult Reject(in SegmentFields fields, SegmentErrorCode code, string cause)
    {
        var kind = fields.IsSubsegment ? "subsegment" : "segment";
        return SegmentParseResult.Rejected(new SegmentRejection(
            fields.Id.State == FieldState.Present ? fields.Id.Value : null,
            code,
            $"Invalid {kind}. ErrorCode: {code}, Cause: {cause}"));
    }

    private enum FieldState
    {
        Missing,
        Invalid,
        Present,
    }

    private readonly record struct Field<T>(FieldState State, T? Value);

    private struct SegmentFields
    {
        public bool IsObject;
        public bool IsSubsegment;
        public Field<string> Id;
        public Field<string> Name;
        public Field<string> TraceId;
        public Field<string> ParentId;
        public Field<double> StartTime;
        public Field<double> EndTime;
        public Field<bool> InProgress;
    }
}
