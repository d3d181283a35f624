using Tracevault.Keys.Kms;
using Tracevault.Server.Http;

namespace Tracevault.Server.Kms;

internal static partial class KmsOperations
{
    /// <summary>Registers ListRetirableGrants, GetKeyLastUsage, and the operations Tracevault answers with UnsupportedOperationException: custom key stores and multi-Region keys.</summary>
    private static void MapGrants(ApiRouter router, KeyService keys)
    {
        Add(router, keys, "ListRetirableGrants", (s, c, r, w) =>
        {
            var page = s.ListRetirableGrants(c, KmsJson.String(r, "RetiringPrincipal"), KmsJson.String(r, "RetiringServicePrincipal"), KmsJson.Int(r, "Limit"), KmsJson.String(r, "Marker"));
            w.WriteStartArray("Grants");
            foreach (var grant in page.Items)
            {
                WriteGrant(w, grant);
            }

            w.WriteEndArray();
            KmsJson.Paging(w, page);
        });
        Add(router, keys, "GetKeyLastUsage", (s, c, r, w) =>
        {
            var usage = s.GetKeyLastUsage(c, KmsJson.RequiredString(r, "KeyId"));
            w.WriteString("KeyId", usage.Key.KeyId);
            if (usage.LastUse is { } last)
            {
                w.WriteStartObject("KeyLastUsage");
                w.WriteString("Operation", last.Operation);
                KmsJson.Epoch(w, "Timestamp", last.Time);
                w.WriteString("CloudTrailEventId", last.EventId);
                w.WriteString("KmsRequestId", last.RequestId);
                w.WriteEndObject();
            }

            KmsJson.Epoch(w, "TrackingStartDate", usage.TrackingStartDate);
            KmsJson.Epoch(w, "KeyCreationDate", usage.Key.CreationDate);
        });
        Add(router, keys, "CreateCustomKeyStore", (s, c, r, w) =>
            s.RefuseCustomKeyStore(c, "CreateCustomKeyStore", null, KmsJson.RequiredString(r, "CustomKeyStoreName")));
        Add(router, keys, "UpdateCustomKeyStore", (s, c, r, w) =>
            s.RefuseCustomKeyStore(c, "UpdateCustomKeyStore", KmsJson.RequiredString(r, "CustomKeyStoreId"), KmsJson.String(r, "NewCustomKeyStoreName")));
        foreach (var operation in (string[])["ConnectCustomKeyStore", "DeleteCustomKeyStore", "DisconnectCustomKeyStore"])
        {
            Add(router, keys, operation, (s, c, r, w) => s.RefuseCustomKeyStore(c, operation, KmsJson.RequiredString(r, "CustomKeyStoreId"), null));
        }

        Add(router, keys, "DescribeCustomKeyStores", (s, c, r, w) =>
            s.RefuseCustomKeyStore(c, "DescribeCustomKeyStores", KmsJson.String(r, "CustomKeyStoreId"), KmsJson.String(r, "CustomKeyStoreName"), KmsJson.Int(r, "Limit")));
        Add(router, keys, "ReplicateKey", (s, c, r, w) =>
            s.RefuseMultiRegion(c, "ReplicateKey", KmsJson.RequiredString(r, "KeyId"), KmsJson.RequiredString(r, "ReplicaRegion")));
        Add(router, keys, "UpdatePrimaryRegion", (s, c, r, w) =>
            s.RefuseMultiRegion(c, "UpdatePrimaryRegion", KmsJson.RequiredString(r, "KeyId"), KmsJson.RequiredString(r, "PrimaryRegion")));
    }
}
