using Tracevault.Keys.Kms;
using Tracevault.Server.Http;

namespace Tracevault.Server.Kms;

internal static partial class KmsOperations
{
    /// <summary>Registers the operations of imported key material: GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial.</summary>
    private static void MapImport(ApiRouter router, KeyService keys)
    {
        Add(router, keys, "GetParametersForImport", (s, c, r, w) =>
        {
            var parameters = s.GetParametersForImport(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.RequiredString(r, "WrappingAlgorithm"), KmsJson.RequiredString(r, "WrappingKeySpec"));
            w.WriteString("KeyId", parameters.Key.Arn);
            w.WriteBase64String("ImportToken", parameters.ImportToken);
            w.WriteBase64String("PublicKey", parameters.PublicKey);
            KmsJson.Epoch(w, "ParametersValidTo", parameters.ParametersValidTo);
        });
        Add(router, keys, "ImportKeyMaterial", (s, c, r, w) =>
        {
            var key = s.ImportKeyMaterial(c, new ImportKeyMaterialRequest(
                KmsJson.RequiredString(r, "KeyId"),
                KmsJson.Blob(r, "ImportToken") ?? Required("importToken"),
                KmsJson.Blob(r, "EncryptedKeyMaterial") ?? Required("encryptedKeyMaterial"))
            {
                ExpirationModel = KmsJson.String(r, "ExpirationModel"),
                ValidTo = KmsJson.Date(r, "ValidTo"),
                ImportType = KmsJson.String(r, "ImportType"),
                KeyMaterialId = KmsJson.String(r, "KeyMaterialId"),
            });
            w.WriteString("KeyId", key.Arn);
            w.WriteString("KeyMaterialId", KeyService.KeyMaterialId(key.Arn, key.CurrentVersion));
        });
        Add(router, keys, "DeleteImportedKeyMaterial", (s, c, r, w) =>
        {
            var key = s.DeleteImportedKeyMaterial(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.String(r, "KeyMaterialId"));
            w.WriteString("KeyId", key.Arn);
            w.WriteString("KeyMaterialId", KeyService.KeyMaterialId(key.Arn, key.CurrentVersion));
        });
    }
}
