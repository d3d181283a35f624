namespace Tracevault.Benchmarks.Load;

/// <summary>The admin access key the server wrote to <c>DIR/credentials</c>; the secret is never printed.</summary>
internal sealed record AdminCredentials(string AccessKeyId, string SecretAccessKey)
{
    public static AdminCredentials Read(string path)
    {
        string? id = null;
        string? secret = null;
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                continue;
            }

            if (parts[0] == "aws_access_key_id")
            {
                id = parts[1];
            }
            else if (parts[0] == "aws_secret_access_key")
            {
                secret = parts[1];
            }
        }

        return id is not null && secret is not null ? new AdminCredentials(id, secret) : throw new InvalidDataException($"{path} holds no access key.");
    }

    public override string ToString() => $"AdminCredentials {{ AccessKeyId = {AccessKeyId} }}";
}
