namespace Tracevault.Core.Traces;

/// <summary>One distinct value of an annotation key and the services whose segments carried it.</summary>
/// <param name="AnnotationValue">The annotation's value.</param>
/// <param name="ServiceIds">The services that recorded this value, in the order they were met.</param>
public sealed record ValueWithServiceIds(AnnotationValue AnnotationValue, IReadOnlyList<ServiceId> ServiceIds);
