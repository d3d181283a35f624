using System.Text.Json;
using Tracevault.Keys.Settings;
using Tracevault.Server.Http;

namespace Tracevault.Server.XRay;

/// <summary>X-Ray's <c>PutEncryptionConfig</c> and <c>GetEncryptionConfig</c>.</summary>
public sealed class EncryptionConfigApi
{
    private readonly EncryptionSettingsService _settings;

    /// <summary>Creates the API.</summary>
    public EncryptionConfigApi(EncryptionSettingsService settings) => _settings = settings;

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "PutEncryptionConfig", PutAsync)
        .Map(ApiProtocol.XRay, "GetEncryptionConfig", GetAsync);

    private Task PutAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var root = body.RootElement;
        var type = root.TryGetProperty("Type", out var typeElement) && typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : null;
        var encryptionType = type switch
        {
            "NONE" => EncryptionType.None,
            "KMS" => EncryptionType.Kms,
            null => throw new ApiException("InvalidRequestException", "Type is required: NONE or KMS."),
            _ => throw new ApiException("InvalidRequestException", $"Type must be NONE or KMS, not '{type}'."),
        };
        string? keyId = null;
        if (root.TryGetProperty("KeyId", out var keyElement) && keyElement.ValueKind != JsonValueKind.Null)
        {
            keyId = keyElement.ValueKind == JsonValueKind.String ? keyElement.GetString() : throw new ApiException("InvalidRequestException", "KeyId must be a string.");
            if (keyId is not { Length: >= 1 and <= 3000 })
            {
                throw new ApiException("InvalidRequestException", "KeyId must be 1 to 3000 characters long.");
            }
        }

        (EncryptionSetting Setting, string Status) result;
        try
        {
            result = _settings.Put(request.Caller, encryptionType, keyId);
        }
        catch (EncryptionSettingException error)
        {
            throw new ApiException(error.Code, error.Message, error.Code == "AccessDeniedException" ? 403 : 400);
        }

        return WriteAsync(request, result.Setting, result.Status);
    }

    private Task GetAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        var (setting, status) = _settings.Get(request.Caller.AccountId);
        return WriteAsync(request, setting, status);
    }

    private static Task WriteAsync(ApiRequest request, EncryptionSetting setting, string status) => ApiResponses.WriteAsync(request, writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartObject("EncryptionConfig");
        if (setting.Type == EncryptionType.Kms)
        {
            writer.WriteString("KeyId", setting.KeyArn);
        }

        writer.WriteString("Status", status);
        writer.WriteString("Type", setting.Type == EncryptionType.Kms ? "KMS" : "NONE");
        writer.WriteEndObject();
        writer.WriteEndObject();
    });
}
