using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Server.Otlp;

/// <summary>Binds <c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c> to <see cref="OtlpGrpcService"/>, with a request marshaller that answers a message that is not protobuf with INVALID_ARGUMENT.</summary>
/// <remarks>gRPC's generated binding would answer such a message UNKNOWN ("Exception was thrown by handler"), which exporters cannot tell from a server fault.</remarks>
internal sealed class OtlpGrpcMethods : IServiceMethodProvider<OtlpGrpcService>
{
    /// <summary>The gRPC service name.</summary>
    public const string ServiceName = "opentelemetry.proto.collector.trace.v1.TraceService";

    /// <summary>The gRPC method name.</summary>
    public const string ExportMethod = "Export";

    private readonly Method<ExportTraceServiceRequest, ExportTraceServiceResponse> _export;
    private readonly OtlpCounters _counters;

    /// <summary>Creates the binding; a message that is not protobuf is counted as a malformed export.</summary>
    public OtlpGrpcMethods(OtlpCounters counters)
    {
        _counters = counters;
        _export = new(MethodType.Unary, ServiceName, ExportMethod, Marshallers.Create(SerializeRequest, DeserializeRequest), Marshallers.Create(SerializeResponse, DeserializeResponse));
    }

    /// <inheritdoc />
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<OtlpGrpcService> context) =>
        context.AddUnaryMethod(_export, [], (service, request, call) => service.Export(request, call));

    private ExportTraceServiceRequest DeserializeRequest(DeserializationContext context)
    {
        try
        {
            return ExportTraceServiceRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidProtocolBufferException exception)
        {
            _counters.AddRefused(OtlpRefusal.Malformed);
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"The message is not a protobuf ExportTraceServiceRequest: {exception.Message}"));
        }
    }

    private static void SerializeRequest(ExportTraceServiceRequest message, SerializationContext context) => Write(message, context);

    private static void SerializeResponse(ExportTraceServiceResponse message, SerializationContext context) => Write(message, context);

    private static ExportTraceServiceResponse DeserializeResponse(DeserializationContext context) =>
        ExportTraceServiceResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence());

    private static void Write(IMessage message, SerializationContext context)
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
