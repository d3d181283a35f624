using System.Text.Json;
using Tracevault.Keys.Kms;
using Tracevault.Server.Http;

namespace Tracevault.Server.Kms;

internal static partial class KmsOperations
{
    /// <summary>Registers GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext and DeriveSharedSecret.</summary>
    private static void MapPairs(ApiRouter router, KeyService keys)
    {
        Add(router, keys, "GenerateDataKeyPair", (s, c, r, w) =>
        {
            // UnsupportedOperationException is one of this operation's modelled errors.
            RefuseRecipient(r, "UnsupportedOperationException");
            var result = s.GenerateDataKeyPair(c, DataKeyPairRequest(r));
            w.WriteBase64String("PrivateKeyCiphertextBlob", result.PrivateKeyCiphertextBlob);
            w.WriteBase64String("PrivateKeyPlaintext", result.PrivateKeyPlaintext);
            WriteDataKeyPair(w, result);
        });
        Add(router, keys, "GenerateDataKeyPairWithoutPlaintext", (s, c, r, w) =>
        {
            var result = s.GenerateDataKeyPairWithoutPlaintext(c, DataKeyPairRequest(r));
            w.WriteBase64String("PrivateKeyCiphertextBlob", result.PrivateKeyCiphertextBlob);
            WriteDataKeyPair(w, result);
        });
        Add(router, keys, "DeriveSharedSecret", (s, c, r, w) =>
        {
            // DeriveSharedSecret models no UnsupportedOperationException: a request it cannot serve is invalid.
            RefuseRecipient(r, "ValidationException");
            var result = s.DeriveSharedSecret(c, new DeriveSharedSecretRequest(KmsJson.RequiredString(r, "KeyId"), KmsJson.RequiredString(r, "KeyAgreementAlgorithm"),
                KmsJson.Blob(r, "PublicKey") ?? Required("publicKey"))
            {
                GrantTokens = KmsJson.Strings(r, "GrantTokens"),
                DryRun = KmsJson.Bool(r, "DryRun"),
            });
            w.WriteString("KeyId", result.KeyArn);
            w.WriteBase64String("SharedSecret", result.SharedSecret);
            w.WriteString("KeyAgreementAlgorithm", result.KeyAgreementAlgorithm);
            w.WriteString("KeyOrigin", result.KeyOrigin);
        });
    }

    private static GenerateDataKeyPairRequest DataKeyPairRequest(JsonElement r) =>
        new(KmsJson.RequiredString(r, "KeyId"), KmsJson.RequiredString(r, "KeyPairSpec"), KmsJson.Context(r, "EncryptionContext"))
        {
            GrantTokens = KmsJson.Strings(r, "GrantTokens"),
            DryRun = KmsJson.Bool(r, "DryRun"),
        };

    private static void WriteDataKeyPair(Utf8JsonWriter w, DataKeyPairResult result)
    {
        w.WriteBase64String("PublicKey", result.PublicKey);
        w.WriteString("KeyId", result.KeyArn);
        w.WriteString("KeyPairSpec", result.KeyPairSpec);
        w.WriteString("KeyMaterialId", result.KeyMaterialId);
    }

    /// <summary>Refuses a Nitro Enclaves attestation (<c>Recipient</c>): Tracevault runs no enclaves to attest.</summary>
    private static void RefuseRecipient(JsonElement r, string code)
    {
        if (r.TryGetProperty("Recipient", out var recipient) && recipient.ValueKind != JsonValueKind.Null)
        {
            throw new KmsException(code, "Tracevault does not support Nitro Enclaves attestation (Recipient): it cannot encrypt the answer for an attested enclave.");
        }
    }
}
