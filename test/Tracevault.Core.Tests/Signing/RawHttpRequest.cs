using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Signing;

namespace Tracevault.Core.Tests.Signing;

/// <summary>An HTTP/1.1 request as written in the test suite's <c>.req</c> and <c>.sreq</c> files.</summary>
internal sealed record RawHttpRequest(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>Parses a request line, headers (folded continuation lines joined with one space, RFC 7230 §3.2.4), a blank line and a body.</summary>
    public static RawHttpRequest Parse(byte[] bytes)
    {
        var (headEnd, bodyStart) = FindBlankLine(bytes);
        var lines = Encoding.UTF8.GetString(bytes, 0, headEnd).Split('\n').Select(line => line.TrimEnd('\r')).ToList();

        // The target may contain spaces (normalize-path/get-space), so it runs from the first space to the last " HTTP/".
        var requestLine = lines[0];
        var firstSpace = requestLine.IndexOf(' ');
        var version = requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal);
        var method = requestLine[..firstSpace];
        var target = requestLine[(firstSpace + 1)..version];

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1).Where(line => line.Length > 0))
        {
            if (line[0] == ' ' || line[0] == '\t')
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + " " + line.Trim());
                continue;
            }

            var colon = line.IndexOf(':');
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }

        var body = bodyStart < 0 ? [] : bytes[bodyStart..];
        return new RawHttpRequest(method, target, headers, body);
    }

    /// <summary>Returns this request with the first header named <paramref name="name"/> given <paramref name="value"/>, or the header appended.</summary>
    public RawHttpRequest WithHeader(string name, string value)
    {
        var headers = Headers.ToList();
        var index = headers.FindIndex(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            headers.Add(new(name, value));
        }
        else
        {
            headers[index] = new(headers[index].Key, value);
        }

        return this with { Headers = headers };
    }

    /// <summary>Returns the first value of the header named <paramref name="name"/>, or null.</summary>
    public string? Header(string name) =>
        Headers.Where(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Select(header => header.Value).FirstOrDefault();

    /// <summary>Converts the request to what the host hands the verifier.</summary>
    public SignedRequest ToSignedRequest()
    {
        var question = Target.IndexOf('?');
        var path = question < 0 ? Target : Target[..question];
        var query = question < 0 ? string.Empty : Target[(question + 1)..];
        return new SignedRequest(Method, path, query, Headers, Convert.ToHexStringLower(SHA256.HashData(Body)));
    }

    private static (int HeadEnd, int BodyStart) FindBlankLine(byte[] bytes)
    {
        for (var i = 0; i + 1 < bytes.Length; i++)
        {
            if (bytes[i] == '\n' && bytes[i + 1] == '\n')
            {
                return (i, i + 2);
            }

            if (bytes[i] == '\n' && bytes[i + 1] == '\r' && i + 2 < bytes.Length && bytes[i + 2] == '\n')
            {
                return (i, i + 3);
            }
        }

        return (bytes.Length, -1);
    }
}
