namespace Tracevault.Core.Traces.Statistics;

/// <summary>Reads counts that must not be negative.</summary>
internal static class BinaryReaderChecks
{
    /// <summary>Reads a 7-bit encoded count, refusing a negative one.</summary>
    public static int ReadInt32Checked(this BinaryReader reader)
    {
        var value = reader.Read7BitEncodedInt();
        return value < 0 ? throw new InvalidDataException("Negative count.") : value;
    }
}
