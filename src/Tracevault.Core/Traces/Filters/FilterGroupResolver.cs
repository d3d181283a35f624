namespace Tracevault.Core.Traces.Filters;

/// <summary>Looks up the filter expression of a group a filter names: its text (empty when the group has none), or <see langword="null"/> when there is no such group.</summary>
public delegate string? FilterGroupResolver(FilterGroupReference group);
