using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    private const string MaterialExpires = "KEY_MATERIAL_EXPIRES";
    private const string MaterialDoesNotExpire = "KEY_MATERIAL_DOES_NOT_EXPIRE";
    private const int SymmetricMaterialSize = 32;
    private const int MaxImportBlob = 6144;

    // Format version, wrapping algorithm, wrapping key spec, ParametersValidTo (Unix milliseconds): authenticated as associated data.
    private const int ImportTokenHeaderSize = 11;
    private const byte ImportTokenFormat = 1;

    private static readonly TimeSpan ImportParametersLifetime = TimeSpan.FromHours(24);
    private static readonly TimeSpan MaxMaterialLifetime = TimeSpan.FromDays(365);
    private static readonly string[] WrappingAlgorithms = ["RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256", "SM2PKE"];
    private static readonly string[] WrappingKeySpecs = ["RSA_2048", "RSA_3072", "RSA_4096", "SM2"];

    /// <summary>GetParametersForImport: a fresh RSA wrapping key and an import token for one key of origin EXTERNAL, valid 24 hours.</summary>
    /// <remarks>
    /// The wrapping private key is never stored: it travels inside the import token, sealed under the root key with the key ARN and
    /// the token's header (algorithm, wrapping key spec, expiry) as associated data, so the token is authenticated, bound to its key,
    /// wrapping key and algorithm, and works on any node sharing the root key.
    /// </remarks>
    public ImportParameters GetParametersForImport(Caller caller, string keyId, string wrappingAlgorithm, string wrappingKeySpec) =>
        OnKey(caller, "GetParametersForImport", true, keyId, [("wrappingAlgorithm", wrappingAlgorithm), ("wrappingKeySpec", wrappingKeySpec)], (_, key) =>
        {
            var algorithm = Array.IndexOf(WrappingAlgorithms, wrappingAlgorithm);
            if (algorithm < 0)
            {
                throw KmsErrors.Validation("wrappingAlgorithm", $"'{wrappingAlgorithm}'", "Member must satisfy enum value set: [" + string.Join(", ", WrappingAlgorithms) + "]");
            }

            var spec = Array.IndexOf(WrappingKeySpecs, wrappingKeySpec);
            if (spec < 0)
            {
                throw KmsErrors.Validation("wrappingKeySpec", $"'{wrappingKeySpec}'", "Member must satisfy enum value set: [" + string.Join(", ", WrappingKeySpecs) + "]");
            }

            RequireExternal(key);
            RequireNotPendingDeletion(key);
            if (wrappingAlgorithm is "RSAES_PKCS1_V1_5" or "SM2PKE")
            {
                throw KmsErrors.Unsupported($"The wrapping algorithm {wrappingAlgorithm} is not supported: use RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_256 or RSA_AES_KEY_WRAP_SHA_1.");
            }

            if (wrappingKeySpec == "SM2")
            {
                throw KmsErrors.Unsupported("The wrapping key spec SM2 is offered only in China Regions: use RSA_2048, RSA_3072 or RSA_4096.");
            }

            var validTo = _time.GetUtcNow() + ImportParametersLifetime;
            var header = new byte[ImportTokenHeaderSize];
            header[0] = ImportTokenFormat;
            header[1] = (byte)algorithm;
            header[2] = (byte)spec;
            BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(3), validTo.ToUnixTimeMilliseconds());
            using var rsa = RSA.Create(int.Parse(wrappingKeySpec["RSA_".Length..], CultureInfo.InvariantCulture));
            var privateKey = rsa.ExportPkcs8PrivateKey();
            try
            {
                byte[] token = [.. header, .. _rootKeys.Seal(privateKey, ImportTokenAssociatedData(key.Arn, header))];
                return new ImportParameters(key, token, rsa.ExportSubjectPublicKeyInfo(), DateTimeOffset.FromUnixTimeMilliseconds(validTo.ToUnixTimeMilliseconds()));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(privateKey);
            }
        });

    /// <summary>ImportKeyMaterial: unwraps 32 bytes of material for a SYMMETRIC_DEFAULT key of origin EXTERNAL, seals them under the root key and enables the key.</summary>
    /// <remarks>Only the material first imported is ever taken again (checked against <see cref="KmsKey.ImportedMaterialCheck"/>); importing it again while the key holds it changes only its expiry.</remarks>
    public KmsKey ImportKeyMaterial(Caller caller, ImportKeyMaterialRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = request.ExpirationModel ?? MaterialExpires;
        (string, System.Text.Json.Nodes.JsonNode?)[] parameters = request.ValidTo is { } validTo
            ? [("expirationModel", model), ("validTo", FormatDate(validTo))]
            : [("expirationModel", model)];
        return OnKey(caller, "ImportKeyMaterial", false, request.KeyId, parameters, (call, key) =>
        {
            ValidateImportBlob("importToken", request.ImportToken);
            ValidateImportBlob("encryptedKeyMaterial", request.EncryptedKeyMaterial);
            var now = _time.GetUtcNow();
            switch (model)
            {
                case MaterialExpires when request.ValidTo is null:
                    throw KmsErrors.Validation("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES");
                case MaterialExpires when request.ValidTo <= now:
                    throw KmsErrors.Validation("The validTo date must be in the future.");
                case MaterialExpires when request.ValidTo > now + MaxMaterialLifetime:
                    throw KmsErrors.Validation("The validTo date must be no more than 365 days from now.");
                case MaterialDoesNotExpire when request.ValidTo is not null:
                    throw KmsErrors.Validation("A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE");
                case MaterialExpires or MaterialDoesNotExpire:
                    break;
                default:
                    throw KmsErrors.Validation("expirationModel", $"'{model}'", $"Member must satisfy enum value set: [{MaterialExpires}, {MaterialDoesNotExpire}]");
            }

            if (request.ImportType is not null and not "NEW_KEY_MATERIAL" and not "EXISTING_KEY_MATERIAL")
            {
                throw KmsErrors.Validation("importType", $"'{request.ImportType}'", "Member must satisfy enum value set: [NEW_KEY_MATERIAL, EXISTING_KEY_MATERIAL]");
            }

            RequireExternal(key);
            RequireNotPendingDeletion(key);
            if (request.ImportType == "NEW_KEY_MATERIAL" && key.ImportedMaterialCheck is not null)
            {
                throw KmsErrors.Unsupported("Tracevault does not rotate imported key material: a key of origin EXTERNAL keeps the material first imported into it (import it again with EXISTING_KEY_MATERIAL).");
            }

            if (request.KeyMaterialId is not null && (key.ImportedMaterialCheck is null || request.KeyMaterialId != KeyMaterialId(key.Arn, key.CurrentVersion)))
            {
                throw KmsErrors.IncorrectKeyMaterial($"The key material id {request.KeyMaterialId} is not associated with {key.Arn}.");
            }

            var material = UnwrapImportedMaterial(key, request.ImportToken, request.EncryptedKeyMaterial, now);
            try
            {
                if (material.Length != SymmetricMaterialSize)
                {
                    throw KmsErrors.IncorrectKeyMaterial("The key material of a SYMMETRIC_DEFAULT key must be 256 bits (32 bytes).");
                }

                var check = ImportedMaterialCheck(key.Arn, material);
                lock (_gate)
                {
                    var current = CurrentForChange(call, key.KeyId);
                    RequireNotPendingDeletion(current);
                    if (current.ImportedMaterialCheck is { } expected && !CryptographicOperations.FixedTimeEquals(expected, check))
                    {
                        throw KmsErrors.IncorrectKeyMaterial("The key material is not the key material previously imported into this KMS key.");
                    }

                    var version = current.HasMaterial
                        ? null
                        : new KeyVersion(current.KeyId, current.CurrentVersion, _rootKeys.Seal(material, KeyMaterialAssociatedData(current.Arn, current.CurrentVersion)), now, null);
                    return Save(call, current with
                    {
                        State = current.HasMaterial ? current.State : KeyState.Enabled,
                        ExpirationModel = model,
                        ValidTo = model == MaterialExpires ? request.ValidTo : null,
                        ImportedMaterialCheck = check,
                    }, version);
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(material);
            }
        });
    }

    /// <summary>DeleteImportedKeyMaterial: deletes a key's imported material (its sealed versions are erased from storage); the key is PendingImport until the same material is imported again.</summary>
    public KmsKey DeleteImportedKeyMaterial(Caller caller, string keyId, string? keyMaterialId)
    {
        var removed = false;
        var key = OnKey(caller, "DeleteImportedKeyMaterial", false, keyId, keyMaterialId is null ? [] : [("keyMaterialId", keyMaterialId)], (call, key) =>
        {
            RequireExternal(key);
            if (keyMaterialId is not null && keyMaterialId != KeyMaterialId(key.Arn, key.CurrentVersion))
            {
                throw KmsErrors.Validation($"The key material id {keyMaterialId} is not associated with {key.Arn}.");
            }

            lock (_gate)
            {
                var current = CurrentForChange(call, key.KeyId);
                if (!current.HasMaterial)
                {
                    return current;
                }

                removed = true;
                return RemoveMaterial(call, current);
            }
        });
        if (removed)
        {
            MaterialRemoved(key);
        }

        return key;
    }

    /// <summary>Deletes the imported material of every key whose <see cref="KmsKey.ValidTo"/> has passed; returns how many it deleted.</summary>
    /// <remarks>Called by the deletion sweep before <see cref="DestroyDueKeys"/>, which then erases what storage still holds of it.</remarks>
    public int ExpireDueMaterial()
    {
        var now = _time.GetUtcNow();
        var count = 0;
        foreach (var key in _keys.ListKeysWithExpiringMaterial())
        {
            if (MaterialExpired(key, now) && !Maintain(key).HasMaterial)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The non-secret check of imported material: HMAC-SHA256 keyed by the material over a label naming the key, so it reveals nothing of the material yet tells the same material from another.</summary>
    private static byte[] ImportedMaterialCheck(string keyArn, byte[] material) =>
        HMACSHA256.HashData(material, Encoding.UTF8.GetBytes("tracevault/imported-key-material-check/" + keyArn));

    private static byte[] ImportTokenAssociatedData(string keyArn, ReadOnlySpan<byte> header) =>
        [.. Encoding.UTF8.GetBytes("tracevault/kms-import-token/" + keyArn + "/"), .. header];

    private static bool MaterialExpired(KmsKey key, DateTimeOffset now) => key.IsExternal && key.HasMaterial && key.State != KeyState.Deleted && key.ValidTo <= now;

    /// <summary>Opens the import token (refusing one of another key, altered or expired) and unwraps the material with its wrapping key and algorithm.</summary>
    private byte[] UnwrapImportedMaterial(KmsKey key, byte[] token, byte[] wrapped, DateTimeOffset now)
    {
        if (token.Length <= ImportTokenHeaderSize || token[0] != ImportTokenFormat || token[1] >= WrappingAlgorithms.Length || token[2] >= WrappingKeySpecs.Length)
        {
            throw KmsErrors.InvalidImportToken();
        }

        byte[] privateKey;
        try
        {
            privateKey = _rootKeys.Open(token.AsSpan(ImportTokenHeaderSize), ImportTokenAssociatedData(key.Arn, token.AsSpan(0, ImportTokenHeaderSize)));
        }
        catch (CryptographicException)
        {
            throw KmsErrors.InvalidImportToken();
        }

        try
        {
            if (DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(token.AsSpan(3, 8))) <= now)
            {
                throw KmsErrors.ExpiredImportToken();
            }

            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(privateKey, out _);
            var algorithm = WrappingAlgorithms[token[1]];
            var padding = algorithm.EndsWith("SHA_1", StringComparison.Ordinal) ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;
            try
            {
                if (algorithm.StartsWith("RSAES_OAEP", StringComparison.Ordinal))
                {
                    return rsa.Decrypt(wrapped, padding);
                }

                // RSA_AES_KEY_WRAP: an ephemeral AES key wrapped with RSA-OAEP, then the material wrapped with AES-KWP (RFC 5649).
                var modulus = rsa.KeySize / 8;
                if (wrapped.Length <= modulus)
                {
                    throw KmsErrors.InvalidCiphertext();
                }

                var aesKey = rsa.Decrypt(wrapped[..modulus], padding);
                try
                {
                    using var aes = Aes.Create();
                    aes.Key = aesKey;
                    return aes.DecryptKeyWrapPadded(wrapped.AsSpan(modulus));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(aesKey);
                }
            }
            catch (CryptographicException)
            {
                throw KmsErrors.InvalidCiphertext();
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    /// <summary>Appends the revision without material and the deletion of its sealed versions to the call's changes. Call with the lock held.</summary>
    private KmsKey RemoveMaterial(KmsCall call, KmsKey current)
    {
        var revision = current with
        {
            State = current.State is KeyState.Enabled or KeyState.Disabled ? KeyState.PendingImport : current.State,
            ExpirationModel = null,
            ValidTo = null,
            Revision = current.Revision + 1,
            RevisedAt = _time.GetUtcNow(),
        };
        Changes(call).DeleteMaterial(revision);
        Cache(call, revision);
        call.ChangedKeyArns.Add(revision.Arn);
        ForgetMaterial(revision.KeyId);
        return revision;
    }

    /// <summary>Once a key's material deletion is committed: forgets the opened material, tells whoever caches what it protected, and leaves the erasing of storage's copies to the next sweep.</summary>
    private void MaterialRemoved(KmsKey key)
    {
        ForgetMaterial(key.KeyId);
        Volatile.Write(ref _erasePending, 1);
        KeyDestroyed?.Invoke(this, new KeyChangedEventArgs(key.Arn, Generation));
    }

    private static void ValidateImportBlob(string member, byte[] blob)
    {
        if (blob.Length is < 1 or > MaxImportBlob)
        {
            throw KmsErrors.Validation(member, "'**Sensitive Data Redacted**'", blob.Length == 0
                ? "Member must have length greater than or equal to 1"
                : "Member must have length less than or equal to 6144");
        }
    }

    private static void RequireExternal(KmsKey key)
    {
        if (!key.IsExternal)
        {
            throw KmsErrors.Unsupported($"{key.Arn} origin is {key.Origin} which is not valid for this operation.");
        }
    }

    private static void RequireNotPendingImport(KmsKey key)
    {
        if (key.State == KeyState.PendingImport)
        {
            throw KmsErrors.PendingImport(key.Arn);
        }
    }

    private static void RefuseImportedRotation(KmsKey key)
    {
        if (key.IsExternal)
        {
            throw KmsErrors.Unsupported($"{key.Arn} has imported key material: Tracevault does not rotate imported key material.");
        }
    }
}
