namespace Tracevault.Core.Traces.Filters;

/// <summary>The type of value a filter keyword has, which decides the operators and literals it accepts.</summary>
internal enum FilterValueKind
{
    /// <summary>True or false; used alone or with <c>=</c>/<c>!=</c> and <c>true</c>/<c>false</c>.</summary>
    Boolean,

    /// <summary>A number; compared with <c>=</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>.</summary>
    Number,

    /// <summary>A string; compared with <c>=</c>, <c>!=</c>, <c>CONTAINS</c>, <c>BEGINSWITH</c>, <c>ENDSWITH</c>.</summary>
    String,
}
