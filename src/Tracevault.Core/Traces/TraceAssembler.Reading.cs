using System.Text.Json;

namespace Tracevault.Core.Traces;

/// <content>Reading a segment or subsegment object into a <see cref="TraceEntity"/>.</content>
public static partial class TraceAssembler
{
    private static TraceEntity ReadEntity(JsonElement json, TraceEntityKind kind)
    {
        var members = EntityMembers.Read(json);
        var id = GetString(members[EntityMember.Id]) is { } rawId ? TraceIds.Normalize(rawId) : string.Empty;
        var entity = new TraceEntity(id, GetString(members[EntityMember.Name]) ?? string.Empty, kind)
        {
            ParentId = GetString(members[EntityMember.ParentId]) is { } parentId ? TraceIds.Normalize(parentId) : null,
            StartTime = GetNumber(members[EntityMember.StartTime]) ?? 0,
            EndTime = GetBoolean(members[EntityMember.InProgress]) == true ? null : GetNumber(members[EntityMember.EndTime]),
            Namespace = GetString(members[EntityMember.Namespace]),
            Origin = GetString(members[EntityMember.Origin]),
            User = GetString(members[EntityMember.User]),
            ResourceArn = GetString(members[EntityMember.ResourceArn]),
            Error = GetBoolean(members[EntityMember.Error]) == true,
            Fault = GetBoolean(members[EntityMember.Fault]) == true,
            Throttle = GetBoolean(members[EntityMember.Throttle]) == true,
            HasSql = members[EntityMember.Sql].ValueKind == JsonValueKind.Object,
        };

        if (members[EntityMember.Http] is { ValueKind: JsonValueKind.Object } http)
        {
            ReadHttp(http, entity);
            if (entity.IsRemote)
            {
                entity.HttpJson = http.GetRawText();
            }
        }

        if (members[EntityMember.Aws] is { ValueKind: JsonValueKind.Object } aws)
        {
            ReadAws(aws, entity);
            if (entity.IsRemote)
            {
                entity.AwsJson = aws.GetRawText();
            }
        }

        if (members[EntityMember.Annotations] is { ValueKind: JsonValueKind.Object } annotations)
        {
            entity.Annotations = ReadAnnotations(annotations);
        }

        if (members[EntityMember.Cause] is { ValueKind: JsonValueKind.Object } cause)
        {
            entity.Exceptions = ReadExceptions(cause);
        }

        if (members[EntityMember.Subsegments] is { ValueKind: JsonValueKind.Array } subsegments)
        {
            var index = 0;
            foreach (var subsegment in subsegments.EnumerateArray())
            {
                if (subsegment.ValueKind == JsonValueKind.Object)
                {
                    var child = ReadEntity(subsegment, TraceEntityKind.Subsegment);
                    child.SourceIndex = index;
                    entity.AddSubsegment(child);
                }

                index++;
            }
        }

        return entity;
    }

    private static void ReadHttp(JsonElement http, TraceEntity entity)
    {
        string? method = null, url = null, userAgent = null, clientIp = null;
        int? status = null;
        if (http.TryGetProperty("request"u8, out var request) && request.ValueKind == JsonValueKind.Object)
        {
            method = GetString(request, "method"u8);
            url = GetString(request, "url"u8);
            userAgent = GetString(request, "user_agent"u8);
            clientIp = GetString(request, "client_ip"u8);
        }

        if (http.TryGetProperty("response"u8, out var response) && response.ValueKind == JsonValueKind.Object
            && response.TryGetProperty("status"u8, out var statusJson) && IsInt32(statusJson, out var statusValue))
        {
            status = statusValue;
        }

        var recorded = new TraceHttp(url, status, method, userAgent, clientIp);
        if (!recorded.IsEmpty)
        {
            entity.Http = recorded;
        }

        // The status speaks for the outcome even when an SDK left the flags unset.
        switch (status)
        {
            case 429:
                entity.Throttle = true;
                entity.Error = true;
                break;
            case >= 400 and < 500:
                entity.Error = true;
                break;
            case >= 500 and < 600:
                entity.Fault = true;
                break;
        }

        if (entity.Throttle)
        {
            entity.Error = true;
        }
    }

    private static void ReadAws(JsonElement aws, TraceEntity entity)
    {
        entity.AccountId = GetString(aws, "account_id"u8);
        entity.TableName = GetString(aws, "table_name"u8);
        entity.QueueUrl = GetString(aws, "queue_url"u8);
        entity.BucketName = GetString(aws, "bucket_name"u8);
        if (aws.TryGetProperty("ec2"u8, out var ec2) && ec2.ValueKind == JsonValueKind.Object)
        {
            entity.InstanceId = GetString(ec2, "instance_id"u8);
            entity.AvailabilityZone = GetString(ec2, "availability_zone"u8);
        }
    }

    private static List<KeyValuePair<string, AnnotationValue>> ReadAnnotations(JsonElement annotations)
    {
        var values = new List<KeyValuePair<string, AnnotationValue>>();
        foreach (var property in annotations.EnumerateObject())
        {
            AnnotationValue? value = property.Value.ValueKind switch
            {
                JsonValueKind.String => AnnotationValue.FromString(property.Value.GetString()!),
                JsonValueKind.Number when property.Value.TryGetDouble(out var number) => AnnotationValue.FromNumber(number),
                JsonValueKind.True => AnnotationValue.FromBoolean(true),
                JsonValueKind.False => AnnotationValue.FromBoolean(false),
                _ => null,
            };
            if (value is not null)
            {
                values.Add(new(property.Name, value));
            }
        }

        return values;
    }

    private static List<RootCauseException> ReadExceptions(JsonElement cause)
    {
        var exceptions = new List<RootCauseException>();
        if (cause.TryGetProperty("exceptions"u8, out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var exception in list.EnumerateArray())
            {
                if (exception.ValueKind == JsonValueKind.Object)
                {
                    exceptions.Add(new RootCauseException(GetString(exception, "type"u8), GetString(exception, "message"u8)));
                }
            }
        }

        return exceptions;
    }

    private static string? GetString(JsonElement json, ReadOnlySpan<byte> name) => json.TryGetProperty(name, out var value) ? GetString(value) : null;

    private static string? GetString(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? GetNumber(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) ? number : null;

    private static bool? GetBoolean(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static bool IsInt32(JsonElement value, out int number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out number);
    }
}
