namespace Tracevault.Core.Traces.Filters;

/// <summary>A recursive-descent parser for X-Ray filter expressions.</summary>
/// <remarks>
/// Grammar, loosest first: <c>or := and (('OR' | '||') and)*</c>; <c>and := unary ((('AND' | '&amp;&amp;')? unary)*</c>,
/// so terms side by side are joined with AND as the X-Ray console does; <c>unary := ('NOT' | '!') unary | primary</c>;
/// <c>primary := '(' or ')' | service | edge | annotation op value | keyword (op value)?</c>.
/// Nesting (each '(', NOT and '{') is counted and refused past <see cref="FilterExpression.MaxNestingDepth"/>, so the recursion
/// here, and every walk of the tree it builds, stays far within the stack whatever the input.
/// </remarks>
internal sealed class FilterParser
{
    private readonly List<FilterToken> _tokens;
    private readonly FilterGroupResolver? _groups;
    private int _index;
    private bool _inSubFilter;
    private (RootCauseKind Kind, RootCauseList List)? _rootCause;
    private int _depth;

    private FilterParser(List<FilterToken> tokens, FilterGroupResolver? groups)
    {
        _tokens = tokens;
        _groups = groups;
    }

    private FilterToken Current => _tokens[_index];

    private FilterToken Previous => _tokens[_index - 1];

    /// <summary>Parses a whole expression into its tree, looking up the groups it names with <paramref name="groups"/> (none may be named without).</summary>
    public static FilterNode Parse(string text, FilterGroupResolver? groups)
    {
        var parser = new FilterParser(FilterTokenizer.Tokenize(text), groups);
        if (parser.Current.Kind == FilterTokenKind.End)
        {
            throw new FilterExpressionException(parser.Current.Position, "the expression is empty");
        }

        var root = parser.ParseOr();
        if (parser.Current.Kind != FilterTokenKind.End)
        {
            throw new FilterExpressionException(parser.Current.Position, $"unexpected {parser.Current.Describe()}");
        }

        return root;
    }

    /// <summary>
    /// Parses an entity selector of <c>GetTimeSeriesServiceStatistics</c>: exactly one <c>service(...)</c>, <c>edge(..., ...)</c> or
    /// <c>id(...)</c>, without a sub-filter; <paramref name="destination"/> is set for an edge only.
    /// </summary>
    public static ServiceSelector? ParseEntitySelector(string text, out ServiceSelector? destination)
    {
        var parser = new FilterParser(FilterTokenizer.Tokenize(text), groups: null);
        destination = null;
        ServiceSelector? source;
        if (parser.Current.IsWord("service"))
        {
            parser.Advance();
            parser.Expect(FilterTokenKind.OpenParen, "'(' after 'service'");
            source = parser.Current.Kind == FilterTokenKind.CloseParen ? null : parser.ParseSelector();
            parser.Expect(FilterTokenKind.CloseParen, "')' after the service");
        }
        else if (parser.Current.IsWord("edge"))
        {
            parser.Advance();
            parser.Expect(FilterTokenKind.OpenParen, "'(' after 'edge'");
            source = parser.ParseSelector();
            parser.Expect(FilterTokenKind.Comma, "',' between the edge's source and destination");
            destination = parser.ParseSelector();
            parser.Expect(FilterTokenKind.CloseParen, "')' after the edge's destination");
        }
        else if (parser.Current.IsWord("id"))
        {
            source = parser.ParseSelector();
        }
        else
        {
            throw parser.Unexpected("service(...), edge(..., ...) or id(...)");
        }

        if (parser.Current.Kind != FilterTokenKind.End)
        {
            throw new FilterExpressionException(parser.Current.Position, $"unexpected {parser.Current.Describe()} after the entity selector");
        }

        return source;
    }

    private FilterNode ParseOr()
    {
        var first = ParseAnd();
        List<FilterNode>? terms = null;
        while (Current.Kind == FilterTokenKind.OrOr || Current.IsWord("OR"))
        {
            Advance();
            (terms ??= [first]).Add(ParseAnd());
        }

        return terms is null ? first : new OrNode(terms);
    }

    private FilterNode ParseAnd()
    {
        var first = ParseUnary();
        List<FilterNode>? terms = null;
        while (true)
        {
            if (Current.Kind == FilterTokenKind.AndAnd || Current.IsWord("AND"))
            {
                Advance();
            }
            else if (!StartsTerm(Current))
            {
                return terms is null ? first : new AndNode(terms);
            }

            (terms ??= [first]).Add(ParseUnary());
        }
    }

    private static bool StartsTerm(FilterToken token) =>
        token.Kind is FilterTokenKind.OpenParen or FilterTokenKind.Bang
        || (token.Kind == FilterTokenKind.Word && !token.IsWord("AND") && !token.IsWord("OR")
            && FilterOperators.FromToken(token) is null);

    private FilterNode ParseUnary()
    {
        if (Current.Kind == FilterTokenKind.Bang || Current.IsWord("NOT"))
        {
            Enter(Advance());
            var operand = ParseUnary();
            _depth--;
            return new NotNode(operand);
        }

        return ParsePrimary();
    }

    private FilterNode ParsePrimary()
    {
        var token = Current;
        if (token.Kind == FilterTokenKind.OpenParen)
        {
            Enter(Advance());
            var inner = ParseOr();
            Expect(FilterTokenKind.CloseParen, "')' to close the '(' at position " + token.Position);
            _depth--;
            return inner;
        }

        if (token.Kind != FilterTokenKind.Word || token.IsWord("AND") || token.IsWord("OR"))
        {
            throw Unexpected("a filter");
        }

        var word = token.Text;
        if (token.IsWord("service") || token.IsWord("edge"))
        {
            if (_inSubFilter)
            {
                throw new FilterExpressionException(token.Position, $"'{word}' cannot be used inside a service() or edge() filter");
            }

            return token.IsWord("service") ? ParseService() : ParseEdge();
        }

        if (token.IsWord("id"))
        {
            throw new FilterExpressionException(token.Position, "id(...) can only name a service inside service() or edge()");
        }

        if (word.StartsWith("annotation.", StringComparison.OrdinalIgnoreCase) || token.IsWord("annotation"))
        {
            if (_inSubFilter)
            {
                throw new FilterExpressionException(token.Position, "annotations cannot be used inside a service() or edge() filter");
            }

            return ParseAnnotation();
        }

        if (FilterKeywords.IsUnsupported(word))
        {
            throw new FilterExpressionException(token.Position, $"the keyword '{word}' is not supported");
        }

        if (word.StartsWith("rootcause.", StringComparison.OrdinalIgnoreCase) || token.IsWord("rootcause")
            || token.IsWord("group.name") || token.IsWord("group.arn"))
        {
            if (_inSubFilter)
            {
                throw new FilterExpressionException(token.Position, $"'{word}' cannot be used inside a sub-filter");
            }

            return token.IsWord("group.name") || token.IsWord("group.arn") ? ParseGroup() : ParseRootCause();
        }

        if (FilterKeywords.TryGet(word, out var keyword, out var kind))
        {
            if (_rootCause is { } scope)
            {
                if (!FilterKeywords.AppliesTo(keyword, scope.Kind, scope.List))
                {
                    throw new FilterExpressionException(token.Position, $"'{word}' cannot be used inside {RootCauseNode.Spell(scope.Kind, scope.List)} {{ }}");
                }
            }
            else if (FilterKeywords.IsRootCauseOnly(keyword))
            {
                throw new FilterExpressionException(
                    token.Position, $"'{word}' describes an element of a root cause: it can only be used inside rootcause.fault.service {{ }} and its kin");
            }

            Advance();
            return ParseKeywordComparison(token, keyword, kind);
        }

        throw new FilterExpressionException(token.Position, $"unknown keyword '{word}'");
    }

    private FilterNode ParseKeywordComparison(FilterToken keywordToken, FilterKeyword keyword, FilterValueKind kind)
    {
        var name = keywordToken.Text;
        if (FilterOperators.FromToken(Current) is not { } op)
        {
            if (kind == FilterValueKind.Boolean)
            {
                return new FlagNode(keyword, expected: true);
            }

            throw Unexpected($"an operator after '{name}'");
        }

        if (!FilterOperators.Accepts(kind, op))
        {
            throw new FilterExpressionException(Current.Position, $"'{Current.Text}' cannot compare the {Describe(kind)} keyword '{name}'");
        }

        var opToken = Advance();
        var value = Current;
        switch (kind)
        {
            case FilterValueKind.Boolean when value.IsWord("true") || value.IsWord("false"):
                Advance();
                return new FlagNode(keyword, value.IsWord("true") == (op == FilterOperator.Equal));
            case FilterValueKind.Number when value.Kind == FilterTokenKind.Number:
                Advance();
                return new NumberComparisonNode(keyword, op, value.NumberValue);
            case FilterValueKind.String when value.Kind == FilterTokenKind.String:
                Advance();
                return new StringComparisonNode(keyword, op, value.StringValue!);
            default:
                throw ExpectedValue(opToken, kind switch
                {
                    FilterValueKind.Boolean => $"true or false for '{name}'",
                    FilterValueKind.Number => $"a number for '{name}'",
                    _ => $"a quoted string for '{name}'",
                });
        }
    }

    private AnnotationComparisonNode ParseAnnotation()
    {
        var token = Advance();
        string key;
        if (token.Text.Length > "annotation".Length)
        {
            key = token.Text["annotation.".Length..];
            if (key.Length == 0)
            {
                throw new FilterExpressionException(token.Position + token.Text.Length, "expected an annotation key after 'annotation.'");
            }
        }
        else
        {
            Expect(FilterTokenKind.OpenBracket, "'.' or '[' after 'annotation'");
            if (Current.Kind is not (FilterTokenKind.Word or FilterTokenKind.String))
            {
                throw Unexpected("an annotation key after '['");
            }

            key = Current.StringValue ?? Current.Text;
            Advance();
            Expect(FilterTokenKind.CloseBracket, "']' after the annotation key");
        }

        if (FilterOperators.FromToken(Current) is not { } op)
        {
            throw Unexpected($"an operator after the annotation '{key}'");
        }

        var opToken = Advance();
        var value = Current;
        AnnotationValue literal;
        FilterValueKind kind;
        if (value.Kind == FilterTokenKind.String)
        {
            (literal, kind) = (AnnotationValue.FromString(value.StringValue!), FilterValueKind.String);
        }
        else if (value.Kind == FilterTokenKind.Number)
        {
            (literal, kind) = (AnnotationValue.FromNumber(value.NumberValue), FilterValueKind.Number);
        }
        else if (value.IsWord("true") || value.IsWord("false"))
        {
            (literal, kind) = (AnnotationValue.FromBoolean(value.IsWord("true")), FilterValueKind.Boolean);
        }
        else
        {
            throw new FilterExpressionException(
                value.Position, $"expected a value after '{opToken.Text}' (a quoted string, a number, true or false), found {value.Describe()}");
        }

        if (!FilterOperators.Accepts(kind, op))
        {
            throw new FilterExpressionException(value.Position, $"'{opToken.Text}' cannot compare the {Describe(kind)} value {value.Text}");
        }

        Advance();
        return new AnnotationComparisonNode(key, op, literal);
    }

    private ServiceNode ParseService()
    {
        Advance();
        Expect(FilterTokenKind.OpenParen, "'(' after 'service'");
        ServiceSelector? selector = null;
        if (Current.Kind != FilterTokenKind.CloseParen)
        {
            selector = ParseSelector();
        }

        Expect(FilterTokenKind.CloseParen, "')' after the service");
        return new ServiceNode(selector, ParseSubFilter());
    }

    private EdgeNode ParseEdge()
    {
        Advance();
        Expect(FilterTokenKind.OpenParen, "'(' after 'edge'");
        var source = ParseSelector();
        Expect(FilterTokenKind.Comma, "',' between the edge's source and destination");
        var destination = ParseSelector();
        Expect(FilterTokenKind.CloseParen, "')' after the edge's destination");
        return new EdgeNode(source, destination, ParseSubFilter());
    }

    private RootCauseNode ParseRootCause()
    {
        var token = Advance();
        var parts = token.Text.Split('.');
        RootCauseKind? kind = parts.Length != 3 ? null : parts[1].ToLowerInvariant() switch
        {
            "fault" => RootCauseKind.Fault,
            "error" => RootCauseKind.Error,
            "responsetime" => RootCauseKind.ResponseTime,
            _ => null,
        };
        RootCauseList? list = parts.Length != 3 ? null : parts[2].ToLowerInvariant() switch
        {
            "service" => RootCauseList.Service,
            "entity" => RootCauseList.Entity,
            "exception" => RootCauseList.Exception,
            _ => null,
        };
        if (kind is null || list is null)
        {
            throw new FilterExpressionException(token.Position, $"unknown keyword '{token.Text}': expected rootcause.fault, rootcause.error or rootcause.responsetime, then .service, .entity or .exception");
        }

        if (kind == RootCauseKind.ResponseTime && list == RootCauseList.Exception)
        {
            throw new FilterExpressionException(token.Position, $"'{token.Text}' is not a keyword: a response-time root cause records no exceptions");
        }

        return new RootCauseNode(kind.Value, list.Value, ParseSubFilter((kind.Value, list.Value)));
    }

    private GroupNode ParseGroup()
    {
        var token = Advance();
        var byArn = token.IsWord("group.arn");
        if (Current.Kind != FilterTokenKind.Equal)
        {
            throw Unexpected($"'=' after '{token.Text}'");
        }

        var op = Advance();
        if (Current.Kind != FilterTokenKind.String)
        {
            throw ExpectedValue(op, $"a quoted group {(byArn ? "ARN" : "name")} for '{token.Text}'");
        }

        var value = Advance();
        var group = new FilterGroupReference(byArn, value.StringValue!);
        if (_groups is null)
        {
            throw new FilterExpressionException(token.Position, $"'{token.Text}' cannot be used here: a group's filter expression cannot refer to a group");
        }

        var text = _groups(group) ?? throw new FilterExpressionException(
            value.Position, byArn ? $"there is no group with the ARN '{group.Value}'" : $"there is no group named '{group.Value}'");
        if (string.IsNullOrWhiteSpace(text))
        {
            return new GroupNode(group, null);
        }

        try
        {
            // A group's expression was checked when it was saved; it names no group, so this cannot recurse further.
            return new GroupNode(group, Parse(text, groups: null));
        }
        catch (FilterExpressionException exception)
        {
            throw new FilterExpressionException(value.Position, $"the filter expression of the group '{group.Value}' is not valid: {exception.Reason}");
        }
    }

    private FilterNode? ParseSubFilter((RootCauseKind Kind, RootCauseList List)? rootCause = null)
    {
        if (Current.Kind != FilterTokenKind.OpenBrace)
        {
            return null;
        }

        var open = Advance();
        if (Current.Kind == FilterTokenKind.CloseBrace)
        {
            throw new FilterExpressionException(Current.Position, "expected a filter inside '{ }'");
        }

        Enter(open);
        _inSubFilter = true;
        _rootCause = rootCause;
        var filter = ParseOr();
        _inSubFilter = false;
        _rootCause = null;
        _depth--;
        Expect(FilterTokenKind.CloseBrace, "'}' to close the '{' at position " + open.Position);
        return filter;
    }

    private ServiceSelector ParseSelector()
    {
        if (Current.Kind == FilterTokenKind.String)
        {
            return new ServiceSelector(Advance().StringValue, null, IsId: false);
        }

        if (!Current.IsWord("id"))
        {
            throw Unexpected("a quoted service name or id(...)");
        }

        Advance();
        Expect(FilterTokenKind.OpenParen, "'(' after 'id'");
        string? name = null, type = null;
        while (Current.Kind != FilterTokenKind.CloseParen)
        {
            if (name is not null || type is not null)
            {
                Expect(FilterTokenKind.Comma, "',' or ')' in id(...)");
            }

            var argument = Current;
            if (!argument.IsWord("name") && !argument.IsWord("type"))
            {
                throw Unexpected("'name:' or 'type:' in id(...)");
            }

            Advance();
            Expect(FilterTokenKind.Colon, $"':' after '{argument.Text}'");
            if (Current.Kind != FilterTokenKind.String)
            {
                throw Unexpected($"a quoted string after '{argument.Text}:'");
            }

            var value = Advance().StringValue;
            if (argument.IsWord("name") ? name is not null : type is not null)
            {
                throw new FilterExpressionException(argument.Position, $"'{argument.Text}' is given twice in id(...)");
            }

            if (argument.IsWord("name"))
            {
                name = value;
            }
            else
            {
                type = value;
            }
        }

        Advance();
        return new ServiceSelector(name, type, IsId: true);
    }

    private FilterToken Advance() => _tokens[_index++];

    /// <summary>Goes one level deeper at <paramref name="opening"/>; refuses the expression past the nesting limit.</summary>
    private void Enter(FilterToken opening)
    {
        if (++_depth > FilterExpression.MaxNestingDepth)
        {
            throw new FilterExpressionException(opening.Position, string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"the expression nests more than {FilterExpression.MaxNestingDepth} levels deep (each '(', NOT, '!' and '{{' opens a level)"));
        }
    }

    private void Expect(FilterTokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Unexpected(what);
        }

        Advance();
    }

    private FilterExpressionException Unexpected(string what)
    {
        var after = _index > 0 && what == "a filter" ? $" after '{Previous.Text}'" : string.Empty;
        return new FilterExpressionException(Current.Position, $"expected {what}{after}, found {Current.Describe()}");
    }

    private FilterExpressionException ExpectedValue(FilterToken opToken, string what) =>
        new(Current.Position, $"expected {what} after '{opToken.Text}', found {Current.Describe()}");

    private static string Describe(FilterValueKind kind) => kind switch
    {
        FilterValueKind.Boolean => "Boolean",
        FilterValueKind.Number => "number",
        _ => "string",
    };
}
