using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>Distinct traces for ingest under stress: each a few segments carrying a canary and some incompressible text.</summary>
public static class IngestDocuments
{
    /// <summary>One trace's documents: <paramref name="segments"/> segments, each with the canary and <paramref name="noiseBytes"/> random hex characters.</summary>
    public static (string TraceId, List<string> Documents) Trace(long now, string canary, int segments, int noiseBytes)
    {
        var traceId = TraceId(now, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)));
        var documents = new List<string>(segments);
        for (var i = 0; i < segments; i++)
        {
            var id = (0xb000000000000000UL + (ulong)i).ToString("x16", CultureInfo.InvariantCulture);
            documents.Add(Segment(traceId, id, "svc-" + i.ToString(CultureInfo.InvariantCulture), now - 2, now - 1, s =>
            {
                if (i > 0)
                {
                    s["parent_id"] = "b000000000000000";
                }

                s["metadata"] = new JsonObject { ["default"] = new JsonObject { ["note"] = canary, ["noise"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(noiseBytes / 2)) } };
            }).ToJsonString());
        }

        return (traceId, documents);
    }
}
