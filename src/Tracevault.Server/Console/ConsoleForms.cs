using Microsoft.AspNetCore.Http.Features;

namespace Tracevault.Server.Console;

/// <summary>Reads the console's form posts within small limits, so an oversized post is refused instead of buffered.</summary>
public static class ConsoleForms
{
    /// <summary>The largest form post the console reads, in bytes: 64 KiB, far above any of its forms.</summary>
    public const long MaxFormBytes = 64 * 1024;

    private static readonly FormOptions Limits = new()
    {
        ValueCountLimit = 64,
        KeyLengthLimit = 128,
        ValueLengthLimit = (int)MaxFormBytes,
        MultipartBodyLengthLimit = MaxFormBytes,
    };

    /// <summary>The posted form, or null when the request is not a form post within the limits.</summary>
    public static async Task<IFormCollection?> TryReadAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!request.HasFormContentType || request.ContentLength is > MaxFormBytes)
        {
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxFormBytes;
        }

        try
        {
            return await request.ReadFormAsync(Limits, context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            return null;
        }
        catch (BadHttpRequestException)
        {
            return null;
        }
    }
}
