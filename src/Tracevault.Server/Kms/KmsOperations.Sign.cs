using System.Text.Json;
using Tracevault.Keys.Kms;
using Tracevault.Server.Http;

namespace Tracevault.Server.Kms;

internal static partial class KmsOperations
{
    /// <summary>Registers Sign, Verify, GenerateMac and VerifyMac.</summary>
    private static void MapSign(ApiRouter router, KeyService keys)
    {
        Add(router, keys, "Sign", (s, c, r, w) =>
        {
            var result = s.Sign(c, new SignRequest(KmsJson.RequiredString(r, "KeyId"), KmsJson.Blob(r, "Message") ?? Required("message"), KmsJson.RequiredString(r, "SigningAlgorithm"))
            {
                MessageType = KmsJson.String(r, "MessageType"),
                GrantTokens = KmsJson.Strings(r, "GrantTokens"),
                DryRun = KmsJson.Bool(r, "DryRun"),
            });
            w.WriteString("KeyId", result.KeyArn);
            w.WriteBase64String("Signature", result.Signature);
            w.WriteString("SigningAlgorithm", result.SigningAlgorithm);
        });
        Add(router, keys, "Verify", (s, c, r, w) =>
        {
            var result = s.Verify(c, new VerifyRequest(KmsJson.RequiredString(r, "KeyId"), KmsJson.Blob(r, "Message") ?? Required("message"),
                KmsJson.Blob(r, "Signature") ?? Required("signature"), KmsJson.RequiredString(r, "SigningAlgorithm"))
            {
                MessageType = KmsJson.String(r, "MessageType"),
                GrantTokens = KmsJson.Strings(r, "GrantTokens"),
                DryRun = KmsJson.Bool(r, "DryRun"),
            });
            w.WriteString("KeyId", result.KeyArn);
            w.WriteBoolean("SignatureValid", result.SignatureValid);
            w.WriteString("SigningAlgorithm", result.SigningAlgorithm);
        });
        Add(router, keys, "GenerateMac", (s, c, r, w) =>
        {
            var result = s.GenerateMac(c, MacRequest(r));
            w.WriteBase64String("Mac", result.Mac);
            w.WriteString("MacAlgorithm", result.MacAlgorithm);
            w.WriteString("KeyId", result.KeyArn);
        });
        Add(router, keys, "VerifyMac", (s, c, r, w) =>
        {
            var result = s.VerifyMac(c, MacRequest(r), KmsJson.Blob(r, "Mac") ?? Required("mac"));
            w.WriteString("KeyId", result.KeyArn);
            w.WriteBoolean("MacValid", result.MacValid);
            w.WriteString("MacAlgorithm", result.MacAlgorithm);
        });
    }

    private static MacRequest MacRequest(JsonElement r) =>
        new(KmsJson.RequiredString(r, "KeyId"), KmsJson.Blob(r, "Message") ?? Required("message"), KmsJson.RequiredString(r, "MacAlgorithm"))
        {
            GrantTokens = KmsJson.Strings(r, "GrantTokens"),
            DryRun = KmsJson.Bool(r, "DryRun"),
        };
}
