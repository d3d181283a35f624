using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tracevault.Keys.RootKeys;

/// <summary>The file that holds the root keys, wherever it is kept, and the passphrase it is wrapped under, if any.</summary>
/// <remarks>
/// Format 1 holds the keys in base64 JSON. Format 2 holds them sealed (AES-256-GCM) under a key derived from the passphrase
/// with PBKDF2-HMAC-SHA256 at <see cref="Iterations"/> iterations and a random salt; the KDF's parameters are bound as
/// associated data. Every write is atomic and durable, readable and writable by its owner only. Immutable.
/// </remarks>
public sealed class RootKeyFile
{
    /// <summary>The PBKDF2 iteration count new files are written with (OWASP's figure for PBKDF2-HMAC-SHA256).</summary>
    public const int Iterations = 600_000;

    /// <summary>The KDF format-2 files name.</summary>
    public const string Kdf = "PBKDF2-HMAC-SHA256";

    /// <summary>The fewest characters a new passphrase may have.</summary>
    public const int MinimumPassphraseLength = 12;

    private const int MaximumIterations = 10_000_000;
    private const int SaltSize = 16;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly string? _passphrase;

    /// <summary>Names the root key file at <paramref name="path"/>, wrapped under <paramref name="passphrase"/> (null: not wrapped).</summary>
    public RootKeyFile(string path, string? passphrase)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (passphrase is { Length: 0 })
        {
            throw new ArgumentException("A passphrase must not be empty.", nameof(passphrase));
        }

        // A link (to a mounted secret, say) is followed, so a rewrite replaces the file it names rather than the link.
        var full = System.IO.Path.GetFullPath(path);
        Path = File.Exists(full) && new FileInfo(full).LinkTarget is not null ? File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full : full;
        _passphrase = passphrase;
    }

    /// <summary>The file's full path, symbolic links followed.</summary>
    public string Path { get; }

    /// <summary>Whether a passphrase was given: files written from here are wrapped under it, and only a wrapped file is read.</summary>
    public bool HasPassphrase => _passphrase is not null;

    /// <summary>Whether the file exists.</summary>
    public bool Exists => File.Exists(Path);

    /// <summary>The same file, wrapped under <paramref name="passphrase"/> (null: not wrapped) from the next write on.</summary>
    public RootKeyFile WithPassphrase(string? passphrase) => new(Path, passphrase);

    /// <summary>Whether the file as it is on disk is wrapped under a passphrase.</summary>
    /// <exception cref="InvalidDataException">The file is not a root key file.</exception>
    public bool IsWrappedOnDisk() => Read().FormatVersion == 2;

    /// <summary>Reads the ring from the file, unwrapping it with the passphrase.</summary>
    /// <exception cref="RootKeyPassphraseException">The file is wrapped and no passphrase or a wrong one was given, or a passphrase was given for a file that is not wrapped.</exception>
    /// <exception cref="InvalidDataException">The file is not a root key file Tracevault reads.</exception>
    public RootKeyRing Load()
    {
        var file = Read();
        switch (file.FormatVersion)
        {
            case 1:
                if (_passphrase is not null)
                {
                    throw new RootKeyPassphraseException("it is not wrapped under a passphrase, yet one was given");
                }

                return FromEntries(file.Keys);
            case 2:
                if (_passphrase is null)
                {
                    throw new RootKeyPassphraseException("it is wrapped under a passphrase, and none was given");
                }

                return FromEntries(Unwrap(file, _passphrase).Keys);
            default:
                throw new InvalidDataException($"its format version {file.FormatVersion} is not one this Tracevault reads");
        }
    }

    /// <summary>Writes <paramref name="ring"/> to the file atomically and durably, wrapped under the passphrase when one was given.</summary>
    public void Save(RootKeyRing ring) => Save(ring, static _ => { });

    /// <summary>Writes a temporary file and flushes it, renames it over the file and flushes the directory, telling <paramref name="reached"/> after each.</summary>
    internal void Save(RootKeyRing ring, Action<RootKeyRotationStep> reached)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var plain = new RootKeyFileJson
        {
            Keys = ring.Material.OrderBy(k => k.Key).Select(k => new RootKeyEntry { Id = k.Key, Key = Convert.ToBase64String(k.Value) }).ToList(),
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(plain, RootKeyFileContext.Default.RootKeyFileJson);
        if (_passphrase is not null)
        {
            var wrapped = Wrap(bytes, _passphrase);
            CryptographicOperations.ZeroMemory(bytes);
            bytes = JsonSerializer.SerializeToUtf8Bytes(wrapped, RootKeyFileContext.Default.RootKeyFileJson);
        }

        var temporary = Path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(temporary, options);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        reached(RootKeyRotationStep.NewRingWritten);
        File.Move(temporary, Path, overwrite: true);

        // Without this, a power cut can undo the rename after the database committed data sealed under the new key.
        DirectorySync.Flush(System.IO.Path.GetDirectoryName(Path)!);
        reached(RootKeyRotationStep.NewRingInPlace);
    }

    private RootKeyFileJson Read()
    {
        using var stream = File.OpenRead(Path);
        return JsonSerializer.Deserialize(stream, RootKeyFileContext.Default.RootKeyFileJson) ?? throw new InvalidDataException("it is empty");
    }

    private static RootKeyRing FromEntries(List<RootKeyEntry>? entries)
    {
        if (entries is not { Count: > 0 })
        {
            throw new InvalidDataException("it holds no keys");
        }

        return RootKeyRing.FromMaterial(entries.ToDictionary(k => k.Id, k => Convert.FromBase64String(k.Key)));
    }

    private static RootKeyFileJson Wrap(byte[] plain, string passphrase)
    {
        var parameters = new RootKeyFilePassphrase { Kdf = Kdf, Iterations = Iterations, Salt = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SaltSize)) };
        var key = DeriveKey(passphrase, parameters);
        try
        {
            var output = new byte[NonceSize + plain.Length + TagSize];
            RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
            using var gcm = new AesGcm(key, TagSize);
            gcm.Encrypt(output.AsSpan(0, NonceSize), plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length), AssociatedData(parameters));
            return new RootKeyFileJson { FormatVersion = 2, Passphrase = parameters, SealedKeys = Convert.ToBase64String(output) };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static RootKeyFileJson Unwrap(RootKeyFileJson file, string passphrase)
    {
        if (file.Passphrase is not { } parameters || file.SealedKeys is null)
        {
            throw new InvalidDataException("it is wrapped under a passphrase but lacks the passphrase's parameters or the sealed keys");
        }

        if (!string.Equals(parameters.Kdf, Kdf, StringComparison.Ordinal) || parameters.Iterations is < Iterations or > MaximumIterations)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"its passphrase is derived with {parameters.Kdf} at {parameters.Iterations} iterations; Tracevault reads {Kdf} at {Iterations} to {MaximumIterations}"));
        }

        var sealedKeys = Convert.FromBase64String(file.SealedKeys);
        if (sealedKeys.Length < NonceSize + TagSize)
        {
            throw new InvalidDataException("its sealed keys are cut short");
        }

        var key = DeriveKey(passphrase, parameters);
        var plain = new byte[sealedKeys.Length - NonceSize - TagSize];
        try
        {
            using (var gcm = new AesGcm(key, TagSize))
            {
                gcm.Decrypt(sealedKeys.AsSpan(0, NonceSize), sealedKeys.AsSpan(NonceSize, plain.Length), sealedKeys.AsSpan(NonceSize + plain.Length), plain, AssociatedData(parameters));
            }

            return JsonSerializer.Deserialize(plain, RootKeyFileContext.Default.RootKeyFileJson) ?? throw new InvalidDataException("its sealed keys are empty");
        }
        catch (AuthenticationTagMismatchException exception)
        {
            throw new RootKeyPassphraseException("the passphrase given does not open it", exception);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static byte[] DeriveKey(string passphrase, RootKeyFilePassphrase parameters)
    {
        var secret = Encoding.UTF8.GetBytes(passphrase.Normalize(NormalizationForm.FormC));
        try
        {
            return Rfc2898DeriveBytes.Pbkdf2(secret, Convert.FromBase64String(parameters.Salt), parameters.Iterations, HashAlgorithmName.SHA256, 32);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Binds the KDF's parameters to the sealed keys, so they cannot be swapped for weaker ones.</summary>
    private static byte[] AssociatedData(RootKeyFilePassphrase parameters) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"tracevault/root-key-file/v2\n{parameters.Kdf}\n{parameters.Iterations}\n{parameters.Salt}"));
}
