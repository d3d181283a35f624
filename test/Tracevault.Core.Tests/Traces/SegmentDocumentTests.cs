using System.Text;
using Tracevault.Core.Traces;

namespace Tracevault.Core.Tests.Traces;

public sealed class SegmentDocumentTests
{
    // 2024-06-01T12:00:00Z; the trace id below was started one hour earlier.
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1717243200);
    private const string TraceId = "1-665aff30-a006649127e371903a2de979";

    private static SegmentParseResult Parse(string json) => SegmentDocument.Parse(Encoding.UTF8.GetBytes(json), Now);

    [Fact]
    public void Parse_CompleteSegment_ReturnsHeader()
    {
        var json = $$$"""{"name":"api","id":"70de5b6f19ff9a0a","trace_id":"{{{TraceId}}}","start_time":1717239600.5,"end_time":1717239601.25,"http":{"response":{"status":200}},"subsegments":[{"id":"x"}]}""";

        var result = Parse(json);

        Assert.True(result.IsValid);
        Assert.Null(result.Rejection);
        var header = result.Header;
        Assert.Equal(TraceId, header.TraceId);
        Assert.Equal("70de5b6f19ff9a0a", header.Id);
        Assert.Null(header.ParentId);
        Assert.Equal("api", header.Name);
        Assert.False(header.IsIndependentSubsegment);
        Assert.Equal(1717239600.5, header.StartTime);
        Assert.Equal(1717239601.25, header.EndTime);
        Assert.False(header.InProgress);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1717239600), header.TraceIdTime);
        Assert.Equal(Encoding.UTF8.GetByteCount(json), header.DocumentLength);
    }

    [Fact]
    public void Parse_InProgressSegmentWithParent_ReturnsHeaderWithoutEndTime()
    {
        var result = Parse($$"""{"name":"orders","id":"1111111111111111","parent_id":"2222222222222222","trace_id":"{{TraceId}}","start_time":1717239600,"in_progress":true}""");

        Assert.True(result.IsValid);
        Assert.True(result.Header.InProgress);
        Assert.Null(result.Header.EndTime);
        Assert.Equal("2222222222222222", result.Header.ParentId);
    }

    [Fact]
    public void Parse_IndependentSubsegment_ReturnsSubsegmentHeader()
    {
        var result = Parse($$"""{"type":"subsegment","name":"DynamoDB","id":"3333333333333333","parent_id":"1111111111111111","trace_id":"{{TraceId}}","start_time":1717239600.1,"end_time":1717239600.2,"namespace":"aws"}""");

        Assert.True(result.IsValid);
        Assert.True(result.Header.IsIndependentSubsegment);
        Assert.Equal("1111111111111111", result.Header.ParentId);
    }

    [Fact]
    public void Parse_UppercaseIds_ReturnsLowercaseIds()
    {
        var result = Parse("""{"name":"api","id":"70DE5B6F19FF9A0A","parent_id":"ABCDEFABCDEFABCD","trace_id":"1-665AFF30-A006649127E371903A2DE979","start_time":1717239600,"end_time":1717239601}""");

        Assert.True(result.IsValid);
        Assert.Equal("70de5b6f19ff9a0a", result.Header.Id);
        Assert.Equal("abcdefabcdefabcd", result.Header.ParentId);
        Assert.Equal(TraceId, result.Header.TraceId);
    }

    [Fact]
    public void Parse_NameWithAllowedPunctuationAndUnicode_IsValid()
    {
        var result = Parse($$"""{"name":"Café ## svc_1.example.com:8080/a%b&c#d=e+f\\g-h@i","id":"70de5b6f19ff9a0a","trace_id":"{{TraceId}}","start_time":1717239600,"end_time":1717239601}""");

        Assert.True(result.IsValid, result.Rejection?.Message);
        Assert.Equal("Café ## svc_1.example.com:8080/a%b&c#d=e+f\\g-h@i", result.Header.Name);
    }

    [Fact]
    public void Parse_ByteOrderMark_IsIgnored()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"name":"api","id":"70de5b6f19ff9a0a","trace_id":"{{TraceId}}","start_time":1717239600,"end_time":1717239601}""");

        var result = SegmentDocument.Parse([0xEF, 0xBB, 0xBF, .. json], Now);

        Assert.True(result.IsValid);
    }

    [Theory]
    [InlineData("""{"name":"api","id":"70de5b6f19ff9a0a",""", "70de5b6f19ff9a0a")]
    [InlineData("""{"name":"api",""", null)]
    [InlineData("""[{"name":"api"}]""", null)]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api"} {}""", "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","start_time":1717239600,}""", "70de5b6f19ff9a0a")]
    [InlineData("", null)]
    public void Parse_MalformedJson_ReturnsInvalidJson(string json, string? expectedId)
    {
        var rejection = Parse(json).Rejection;

        Assert.NotNull(rejection);
        Assert.Equal(SegmentErrorCode.InvalidJson, rejection.ErrorCode);
        Assert.Equal(expectedId, rejection.Id);
        Assert.StartsWith("Invalid segment. ErrorCode: InvalidJson, Cause: ", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DocumentOver64KB_ReturnsSegmentTooLargeWithId()
    {
        var padding = new string('x', SegmentDocument.MaxDocumentBytes);
        var json = $$$"""{"name":"api","id":"70de5b6f19ff9a0a","trace_id":"{{{TraceId}}}","start_time":1717239600,"end_time":1717239601,"metadata":{"pad":"{{{padding}}}"}}""";

        var rejection = Parse(json).Rejection;

        Assert.NotNull(rejection);
        Assert.Equal(SegmentErrorCode.SegmentTooLarge, rejection.ErrorCode);
        Assert.Equal("70de5b6f19ff9a0a", rejection.Id);
    }

    [Fact]
    public void Parse_DocumentOfExactly64KB_IsValid()
    {
        var prefix = $$"""{"name":"api","id":"70de5b6f19ff9a0a","trace_id":"{{TraceId}}","start_time":1717239600,"end_time":1717239601,"metadata":{"pad":" """.TrimEnd();
        const string suffix = "\"}}";
        var json = prefix + new string('x', SegmentDocument.MaxDocumentBytes - prefix.Length - suffix.Length) + suffix;

        Assert.Equal(SegmentDocument.MaxDocumentBytes, Encoding.UTF8.GetByteCount(json));
        Assert.True(Parse(json).IsValid);
    }

    [Theory]
    // id
    [InlineData("""{"name":"api","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.MissingId, null)]
    [InlineData("""{"id":null,"name":"api","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.MissingId, null)]
    [InlineData("""{"id":"70de5b6f19ff9a0","name":"api","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidId, "70de5b6f19ff9a0")]
    [InlineData("""{"id":"70de5b6f19ff9a0g","name":"api","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidId, "70de5b6f19ff9a0g")]
    [InlineData("""{"id":1234567890123456,"name":"api","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidId, null)]
    // name
    [InlineData("""{"id":"70de5b6f19ff9a0a","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.MissingName, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidName, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"GET /orders/{id}","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidName, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":42,"trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidName, "70de5b6f19ff9a0a")]
    // trace_id
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.MissingTraceId, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"1-665aff30-a006649127e371903a2de97","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidTraceId, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"2-665aff30-a006649127e371903a2de979","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidTraceId, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidTraceId, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"1-66265140-a006649127e371903a2de979","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidTraceId, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"1-665db040-a006649127e371903a2de979","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidTraceId, "70de5b6f19ff9a0a")]
    // start_time
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","end_time":1717239601}""", SegmentErrorCode.MissingStartTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":"1717239600","end_time":1717239601}""", SegmentErrorCode.InvalidStartTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":-1,"end_time":1717239601}""", SegmentErrorCode.InvalidStartTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":1717250401,"in_progress":true}""", SegmentErrorCode.InvalidStartTime, "70de5b6f19ff9a0a")]
    // end_time and in_progress
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":1717239600}""", SegmentErrorCode.MissingEndTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":1717239600,"in_progress":false}""", SegmentErrorCode.MissingEndTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":1717239600,"end_time":1717239599}""", SegmentErrorCode.InvalidEndTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":1717239600,"end_time":"soon"}""", SegmentErrorCode.InvalidEndTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":1717239600,"end_time":1717239601,"in_progress":true}""", SegmentErrorCode.InvalidEndTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":1717239600,"in_progress":"yes"}""", SegmentErrorCode.InvalidEndTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":1717239600,"end_time":1748779200}""", SegmentErrorCode.InvalidEndTime, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"T","start_time":1717239600,"end_time":1717250400.5}""", SegmentErrorCode.InvalidEndTime, "70de5b6f19ff9a0a")]
    // independent subsegments and parent_id
    [InlineData("""{"type":"subsegment","id":"70de5b6f19ff9a0a","name":"db","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidSubsegment, "70de5b6f19ff9a0a")]
    [InlineData("""{"type":"subsegment","id":"70de5b6f19ff9a0a","name":"db","parent_id":"1111111111111111","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidSubsegment, "70de5b6f19ff9a0a")]
    [InlineData("""{"id":"70de5b6f19ff9a0a","name":"api","parent_id":"parent","trace_id":"T","start_time":1717239600,"end_time":1717239601}""", SegmentErrorCode.InvalidParentId, "70de5b6f19ff9a0a")]
    public void Parse_InvalidField_ReturnsItsErrorCode(string json, SegmentErrorCode expectedCode, string? expectedId)
    {
        var rejection = Parse(json.Replace("\"T\"", $"\"{TraceId}\"", StringComparison.Ordinal)).Rejection;

        Assert.NotNull(rejection);
        Assert.Equal(expectedCode, rejection.ErrorCode);
        Assert.Equal(expectedId, rejection.Id);
        Assert.Contains($"ErrorCode: {expectedCode}, Cause: ", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TimesUpToTheSkewAhead_AreValid()
    {
        Assert.True(Parse($$"""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"{{TraceId}}","start_time":1717250400,"end_time":1717250400}""").IsValid);
    }

    [Fact]
    public void Parse_EndTimeAYearAhead_SaysWhy()
    {
        var rejection = Parse($$"""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"{{TraceId}}","start_time":1717239600,"end_time":1748779200}""").Rejection;

        Assert.Contains("end_time 2025-06-01T12:00:00Z is more than 2 hours in the future", rejection?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NameLongerThan200Characters_ReturnsInvalidName()
    {
        var rejection = Parse($$"""{"id":"70de5b6f19ff9a0a","name":"{{new string('a', 201)}}","trace_id":"{{TraceId}}","start_time":1717239600,"end_time":1717239601}""").Rejection;

        Assert.Equal(SegmentErrorCode.InvalidName, rejection?.ErrorCode);
    }

    [Fact]
    public void Parse_NameOf200Characters_IsValid()
    {
        Assert.True(Parse($$"""{"id":"70de5b6f19ff9a0a","name":"{{new string('a', 200)}}","trace_id":"{{TraceId}}","start_time":1717239600,"end_time":1717239601}""").IsValid);
    }

    [Fact]
    public void Parse_OldTraceId_MessageExplainsTheAge()
    {
        var rejection = Parse("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"1-66265140-a006649127e371903a2de979","start_time":1717239600,"end_time":1717239601}""").Rejection;

        Assert.Equal(
            "Invalid segment. ErrorCode: InvalidTraceId, Cause: trace_id time 2024-04-22T12:00:00Z is more than 30 days in the past",
            rejection?.Message);
    }

    [Fact]
    public void Parse_InvalidIndependentSubsegment_MessageSaysSubsegment()
    {
        var rejection = Parse($$"""{"type":"subsegment","id":"70de5b6f19ff9a0a","name":"GET {id}","parent_id":"1111111111111111","trace_id":"{{TraceId}}","start_time":1717239600,"end_time":1717239601}""").Rejection;

        Assert.NotNull(rejection);
        Assert.StartsWith("Invalid subsegment. ErrorCode: InvalidName, Cause: ", rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OldTraceIdWithoutAgeLimit_IsValid()
    {
        var json = Encoding.UTF8.GetBytes("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"1-00000000-a006649127e371903a2de979","start_time":1717239600,"end_time":1717239601}""");

        var result = SegmentDocument.Parse(json, Now, new SegmentValidationOptions { MaxTraceIdAge = null });

        Assert.True(result.IsValid);
    }

    [Fact]
    public void Header_OfRejectedDocument_Throws()
    {
        var result = Parse("{}");

        Assert.False(result.IsValid);
        Assert.Throws<InvalidOperationException>(() => result.Header);
        Assert.Contains("MissingId", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValidDocument_AllocatesOnlyTheReturnedStrings()
    {
        var json = Encoding.UTF8.GetBytes(TraceCorpus.DocumentsA[3]);
        SegmentDocument.Parse(json, Now);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = SegmentDocument.Parse(json, Now);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(result.IsValid);
        // Four strings (trace id, id, parent id, name) of at most 35 characters each.
        Assert.InRange(allocated, 1, 4 * (22 + (2 * 35)));
    }

    [Fact]
    public void Options_NegativeLimit_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SegmentValidationOptions { MaxTraceIdAge = TimeSpan.FromDays(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new SegmentValidationOptions { MaxTraceIdSkew = TimeSpan.FromMinutes(-5) });
    }

    [Fact]
    public void Parse_TraceIdWithinStricterSkew_IsJudgedByTheOptions()
    {
        var json = Encoding.UTF8.GetBytes("""{"id":"70de5b6f19ff9a0a","name":"api","trace_id":"1-665b1b50-a006649127e371903a2de979","start_time":1717239600,"end_time":1717239601}""");
        var strict = new SegmentValidationOptions { MaxTraceIdSkew = TimeSpan.FromMinutes(5) };

        Assert.True(SegmentDocument.Parse(json, Now).IsValid);
        Assert.Equal(SegmentErrorCode.InvalidTraceId, SegmentDocument.Parse(json, Now, strict).Rejection?.ErrorCode);
    }

    [Theory]
    [InlineData("""{"name":"a\udc00b","id":"70de5b6f19ff9a0a","trace_id":"TRACE_ID","start_time":1717239600,"end_time":1717239601}""")]
    [InlineData("""{"name":"api","id":"70de5b6f19ff9a0a","trace_id":"TRACE_ID","start_time":1717239600,"end_time":1717239601,"user":"\ud800"}""")]
    [InlineData("""{"name":"api","id":"70de5b6f19ff9a0a","trace_id":"TRACE_ID","start_time":1717239600,"end_time":1717239601,"annotations":{"k":["\ud800"]}}""")]
    [InlineData("""{"name":"api","id":"70de5b6f19ff9a0a","trace_id":"TRACE_ID","start_time":1717239600,"end_time":1717239601,"metadata":{"\udc00":1}}""")]
    public void Parse_EscapedUnpairedSurrogateInAnyString_ReturnsInvalidJson(string json)
    {
        var result = Parse(json.Replace("TRACE_ID", TraceId, StringComparison.Ordinal));

        Assert.False(result.IsValid);
        Assert.Equal(SegmentErrorCode.InvalidJson, result.Rejection!.ErrorCode);
        Assert.Contains("unpaired surrogate", result.Rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BytesThatAreNotUtf8InAString_ReturnsInvalidJson()
    {
        byte[] document = [.. Encoding.UTF8.GetBytes($$"""{"name":"api","id":"70de5b6f19ff9a0a","trace_id":"{{TraceId}}","start_time":1717239600,"end_time":1717239601,"user":" """.TrimEnd()), 0xed, 0xa0, 0x80, .. "\"}"u8];

        var result = SegmentDocument.Parse(document, Now);

        Assert.False(result.IsValid);
        Assert.Equal(SegmentErrorCode.InvalidJson, result.Rejection!.ErrorCode);
        Assert.Contains("not valid UTF-8", result.Rejection.Message, StringComparison.Ordinal);
        Assert.Equal("70de5b6f19ff9a0a", result.Rejection.Id);
    }
}
