namespace Tracevault.Core.Traces.Filters;

/// <summary>The comparison operators of X-Ray's filter language.</summary>
internal enum FilterOperator
{
    /// <summary><c>=</c></summary>
    Equal,

    /// <summary><c>!=</c></summary>
    NotEqual,

    /// <summary><c>&lt;</c></summary>
    Less,

    /// <summary><c>&lt;=</c></summary>
    LessOrEqual,

    /// <summary><c>&gt;</c></summary>
    Greater,

    /// <summary><c>&gt;=</c></summary>
    GreaterOrEqual,

    /// <summary><c>CONTAINS</c></summary>
    Contains,

    /// <summary><c>BEGINSWITH</c></summary>
    BeginsWith,

    /// <summary><c>ENDSWITH</c></summary>
    EndsWith,
}
