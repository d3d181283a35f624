using System.Text.Json;

namespace Tracevault.Benchmarks.Load;

/// <summary>The lines a client process and the harness exchange: the client prints READY, waits for GO, then prints RESULT with its JSON.</summary>
internal static class ClientProtocol
{
    public const string Ready = "READY";
    public const string Go = "GO";
    public const string ResultPrefix = "RESULT ";

    public static async Task WaitForGoAsync()
    {
        await Console.Out.WriteLineAsync(Ready).ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line.Trim() == Go)
            {
                return;
            }
        }

        throw new InvalidOperationException("The harness closed the client's input before GO.");
    }

    public static async Task WriteResultAsync(ClientResult result)
    {
        await Console.Out.WriteLineAsync(ResultPrefix + JsonSerializer.Serialize(result)).ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
    }

    public static ClientResult ParseResult(string line) =>
        JsonSerializer.Deserialize<ClientResult>(line[ResultPrefix.Length..]) ?? throw new InvalidDataException("Empty client result.");
}
