using System.Globalization;
using System.Security.Cryptography;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    private const string SymmetricDefault = "SYMMETRIC_DEFAULT";
    private const int MaxPlaintext = 4096;
    private const int MaxCiphertext = 6144;

    /// <summary>Encrypt: up to 4096 bytes under the key's newest version, the encryption context bound.</summary>
    public EncryptResult Encrypt(Caller caller, EncryptRequest request) => Run(caller, "Encrypt", true, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        call.RequestParameters["keyId"] = request.KeyId;
        call.RequestParameters["encryptionAlgorithm"] = request.EncryptionAlgorithm ?? SymmetricDefault;
        call.Context("encryptionContext", request.EncryptionContext);
        var key = call.Touch(ResolveKey(caller, request.KeyId, aliases: true));
        Authorize(caller, key, "Encrypt", request.EncryptionContext);
        if (request.Plaintext.Length is < 1 or > MaxPlaintext)
        {
            throw KmsErrors.Validation("plaintext", "'**Sensitive Data Redacted**'", request.Plaintext.Length == 0
                ? "Member must have length greater than or equal to 1"
                : "Member must have length less than or equal to 4096");
        }

        RequireUsable(key);
        RequireSymmetricEncryption(key, "Encrypt", request.EncryptionAlgorithm);
        return new EncryptResult(SealUnder(key, request.Plaintext, request.EncryptionContext), key.Arn, SymmetricDefault);
    });

    /// <summary>Decrypt: finds the key and version from the blob's header; the context must match exactly.</summary>
    public DecryptResult Decrypt(Caller caller, DecryptRequest request) => Run(caller, "Decrypt", true, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        call.ViaService = request.ViaService;
        call.RequestParameters["encryptionAlgorithm"] = request.EncryptionAlgorithm ?? SymmetricDefault;
        call.Context("encryptionContext", request.EncryptionContext);
        var (key, plaintext) = OpenBlob(caller, call, "Decrypt", request.CiphertextBlob, request.EncryptionContext, request.KeyId, request.EncryptionAlgorithm, request.ViaService);
        return new DecryptResult(plaintext, key.Arn, SymmetricDefault);
    });

    /// <summary>GenerateDataKey: a random data key, returned in plaintext and encrypted under the key.</summary>
    public DataKeyResult GenerateDataKey(Caller caller, GenerateDataKeyRequest request) => GenerateDataKeyCore(caller, request, withPlaintext: true);

    /// <summary>GenerateDataKeyWithoutPlaintext: a random data key, returned only encrypted under the key.</summary>
    public DataKeyResult GenerateDataKeyWithoutPlaintext(Caller caller, GenerateDataKeyRequest request) => GenerateDataKeyCore(caller, request, withPlaintext: false);

    private DataKeyResult GenerateDataKeyCore(Caller caller, GenerateDataKeyRequest request, bool withPlaintext)
    {
        ArgumentNullException.ThrowIfNull(request);
        var operation = withPlaintext ? "GenerateDataKey" : "GenerateDataKeyWithoutPlaintext";
        return Run(caller, operation, true, call =>
        {
            call.RequestParameters["keyId"] = request.KeyId;
            if (request.KeySpec is not null)
            {
                call.RequestParameters["keySpec"] = request.KeySpec;
            }

            if (request.NumberOfBytes is not null)
            {
                call.RequestParameters["numberOfBytes"] = request.NumberOfBytes.Value;
            }

            call.Context("encryptionContext", request.EncryptionContext);
            var key = call.Touch(ResolveKey(caller, request.KeyId, aliases: true));
            Authorize(caller, key, operation, request.EncryptionContext);
            if ((request.KeySpec is null) == (request.NumberOfBytes is null))
            {
                throw KmsErrors.Validation("Please specify either number of bytes or key spec.");
            }

            var size = request.KeySpec switch
            {
                null => request.NumberOfBytes!.Value,
                "AES_256" => 32,
                "AES_128" => 16,
                _ => throw KmsErrors.Validation("keySpec", $"'{request.KeySpec}'", "Member must satisfy enum value set: [AES_256, AES_128]"),
            };
            if (size is < 1 or > 1024)
            {
                throw KmsErrors.Validation("numberOfBytes", size.ToString(CultureInfo.InvariantCulture), size < 1
                    ? "Member must have value greater than or equal to 1"
                    : "Member must have value less than or equal to 1024");
            }

            RequireUsable(key);
            RequireSymmetricEncryption(key, operation, null);
            var dataKey = RandomNumberGenerator.GetBytes(size);
            var blob = SealUnder(key, dataKey, request.EncryptionContext);
            if (!withPlaintext)
            {
                CryptographicOperations.ZeroMemory(dataKey);
                return new DataKeyResult(blob, null, key.Arn);
            }

            return new DataKeyResult(blob, dataKey, key.Arn);
        });
    }

    /// <summary>ReEncrypt: decrypts under the source key and encrypts under the destination key, the plaintext never leaving the service.</summary>
    public ReEncryptResult ReEncrypt(Caller caller, ReEncryptRequest request) => Run(caller, "ReEncrypt", true, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        call.RequestParameters["destinationKeyId"] = request.DestinationKeyId;
        call.RequestParameters["sourceEncryptionAlgorithm"] = SymmetricDefault;
        call.RequestParameters["destinationEncryptionAlgorithm"] = SymmetricDefault;
        call.Context("sourceEncryptionContext", request.SourceEncryptionContext);
        call.Context("destinationEncryptionContext", request.DestinationEncryptionContext);
        var destination = ResolveKey(caller, request.DestinationKeyId, aliases: true, member: "destinationKeyId");
        var (source, plaintext) = OpenBlob(caller, call, "ReEncryptFrom", request.CiphertextBlob, request.SourceEncryptionContext, request.SourceKeyId, null, null);
        try
        {
            call.Touch(destination);
            Authorize(caller, destination, "ReEncryptTo", request.DestinationEncryptionContext);
            RequireUsable(destination);
            RequireSymmetricEncryption(destination, "ReEncrypt", null);
            return new ReEncryptResult(SealUnder(destination, plaintext, request.DestinationEncryptionContext), source.Arn, destination.Arn);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    });

    /// <summary>GenerateRandom: 1 to 1024 random bytes.</summary>
    public byte[] GenerateRandom(Caller caller, int? numberOfBytes) => Run(caller, "GenerateRandom", true, call =>
    {
        call.RequestParameters["numberOfBytes"] = numberOfBytes;
        AuthorizeWithoutKey(caller, "GenerateRandom");
        if (numberOfBytes is null or < 1 or > 1024)
        {
            throw KmsErrors.Validation("numberOfBytes", numberOfBytes?.ToString(CultureInfo.InvariantCulture) ?? "null", "Member must have value between 1 and 1024");
        }

        return RandomNumberGenerator.GetBytes(numberOfBytes.Value);
    });

    private byte[] SealUnder(KmsKey key, ReadOnlySpan<byte> plaintext, IReadOnlyDictionary<string, string> context)
    {
        var material = Material(key, key.CurrentVersion) ?? throw KmsErrors.KeyDoesNotExist(key.Arn);
        return KmsCiphertext.Seal(material, key.KeyId, key.CurrentVersion, plaintext, context);
    }

    private (KmsKey Key, byte[] Plaintext) OpenBlob(Caller caller, KmsCall call, string operation, byte[] blob, IReadOnlyDictionary<string, string> context, string? expectedKeyId, string? algorithm, string? viaService)
    {
        if (blob.Length is < 1 or > MaxCiphertext)
        {
            throw KmsErrors.Validation("ciphertextBlob", "'**Sensitive Data Redacted**'", blob.Length == 0
                ? "Member must have length greater than or equal to 1"
                : "Member must have length less than or equal to 6144");
        }

        if (algorithm is not null and not SymmetricDefault)
        {
            throw KmsErrors.IncorrectKey();
        }

        if (!KmsCiphertext.TryReadHeader(blob, out var keyId, out var version))
        {
            throw KmsErrors.InvalidCiphertext();
        }

        var key = LoadKey(keyId);
        if (key is null || key.State == KeyState.Deleted)
        {
            throw KmsErrors.UnknownKeyInCiphertext();
        }

        call.RequestParameters["keyId"] = key.Arn;
        call.Touch(key);
        if (expectedKeyId is not null)
        {
            var expected = ResolveKey(caller, expectedKeyId, aliases: true);
            if (expected.KeyId != key.KeyId)
            {
                throw KmsErrors.IncorrectKey();
            }
        }

        Authorize(caller, key, operation, context, viaService: viaService);
        RequireUsable(key);
        if (version > key.CurrentVersion)
        {
            throw KmsErrors.InvalidCiphertext();
        }

        var material = Material(key, version) ?? throw KmsErrors.UnknownKeyInCiphertext();
        try
        {
            return (key, KmsCiphertext.Open(material, blob, context));
        }
        catch (CryptographicException)
        {
            throw KmsErrors.InvalidCiphertext();
        }
    }

    private static void RequireSymmetricEncryption(KmsKey key, string operation, string? algorithm)
    {
        if (key.KeyUsage != "ENCRYPT_DECRYPT")
        {
            throw KmsErrors.InvalidKeyUsage(key.Arn, key.KeyUsage, operation);
        }

        if (!key.IsSymmetric)
        {
            throw KmsErrors.Unsupported($"{key.Arn} is an asymmetric key: Tracevault encrypts only with symmetric keys (use the key's public key from GetPublicKey).");
        }

        if (algorithm is not null and not SymmetricDefault)
        {
            throw KmsErrors.InvalidKeyUsage(key.Arn, key.KeyUsage, operation + " with " + algorithm);
        }
    }
}
