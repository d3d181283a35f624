namespace Tracevault.Benchmarks.Corpus;

/// <summary>One service of the simulated estate: its name, where it runs and which X-Ray SDK reports it.</summary>
/// <param name="Name">The segment name, e.g. <c>checkout-api</c>.</param>
/// <param name="Origin">The X-Ray origin, e.g. <c>AWS::ECS::Container</c>.</param>
/// <param name="Sdk">The SDK name reported in <c>aws.xray.sdk</c>.</param>
/// <param name="SdkVersion">The SDK version.</param>
/// <param name="Host">The host name its HTTP URLs use.</param>
/// <param name="InstanceId">The EC2 instance or container id it runs on.</param>
/// <param name="UsesSql">Whether it talks to a SQL database.</param>
public sealed record CorpusService(string Name, string Origin, string Sdk, string SdkVersion, string Host, string InstanceId, bool UsesSql);
