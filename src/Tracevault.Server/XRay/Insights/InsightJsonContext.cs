using System.Text.Json.Serialization;
using Tracevault.Core.Insights;

namespace Tracevault.Server.XRay.Insights;

/// <summary>Source-generated JSON metadata for what insights seal: minutes, insights and events.</summary>
[JsonSerializable(typeof(InsightMinute))]
[JsonSerializable(typeof(InsightState))]
[JsonSerializable(typeof(InsightEventRecord))]
internal sealed partial class InsightJsonContext : JsonSerializerContext;
