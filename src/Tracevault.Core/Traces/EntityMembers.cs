using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Tracevault.Core.Traces;

/// <summary>The members of a segment or subsegment object that assembly reads.</summary>
internal enum EntityMember
{
    Id,
    Name,
    ParentId,
    StartTime,
    EndTime,
    InProgress,
    Namespace,
    Origin,
    User,
    ResourceArn,
    Error,
    Fault,
    Throttle,
    Sql,
    Http,
    Aws,
    Annotations,
    Cause,
    Subsegments,
}

/// <summary>
/// The <see cref="EntityMember"/> values of one JSON object, found in one pass over its properties (looking each up by name
/// scans them all again, which profiles of trace reads put at several percent of the server's CPU). Where a name repeats,
/// the last occurrence counts, as with <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/>; an absent member
/// is a default element (<see cref="JsonValueKind.Undefined"/>).
/// </summary>
[InlineArray(Count)]
internal struct EntityMembers
{
    private const int Count = (int)EntityMember.Subsegments + 1;

    private JsonElement _first;

    public static EntityMembers Read(JsonElement json)
    {
        var members = default(EntityMembers);
        foreach (var property in json.EnumerateObject())
        {
            var name = JsonMarshal.GetRawUtf8PropertyName(property);
            var member = name.Contains((byte)'\\') ? Find(Encoding.UTF8.GetBytes(property.Name)) : Find(name);
            if (member is { } found)
            {
                members[(int)found] = property.Value;
            }
        }

        return members;
    }

    public readonly JsonElement this[EntityMember member] => this[(int)member];

    private static EntityMember? Find(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when name.SequenceEqual("id"u8) => EntityMember.Id,
        3 when name.SequenceEqual("aws"u8) => EntityMember.Aws,
        3 when name.SequenceEqual("sql"u8) => EntityMember.Sql,
        4 when name.SequenceEqual("name"u8) => EntityMember.Name,
        4 when name.SequenceEqual("http"u8) => EntityMember.Http,
        4 when name.SequenceEqual("user"u8) => EntityMember.User,
        5 when name.SequenceEqual("error"u8) => EntityMember.Error,
        5 when name.SequenceEqual("fault"u8) => EntityMember.Fault,
        5 when name.SequenceEqual("cause"u8) => EntityMember.Cause,
        6 when name.SequenceEqual("origin"u8) => EntityMember.Origin,
        8 when name.SequenceEqual("end_time"u8) => EntityMember.EndTime,
        8 when name.SequenceEqual("throttle"u8) => EntityMember.Throttle,
        9 when name.SequenceEqual("parent_id"u8) => EntityMember.ParentId,
        9 when name.SequenceEqual("namespace"u8) => EntityMember.Namespace,
        10 when name.SequenceEqual("start_time"u8) => EntityMember.StartTime,
        11 when name.SequenceEqual("subsegments"u8) => EntityMember.Subsegments,
        11 when name.SequenceEqual("annotations"u8) => EntityMember.Annotations,
        11 when name.SequenceEqual("in_progress"u8) => EntityMember.InProgress,
        12 when name.SequenceEqual("resource_arn"u8) => EntityMember.ResourceArn,
        _ => null,
    };
}
