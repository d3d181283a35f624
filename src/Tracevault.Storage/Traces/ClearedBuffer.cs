using System.Buffers;

namespace Tracevault.Storage.Traces;

/// <summary>A growable byte buffer from the shared pool for trace data in the clear: what it held is zeroed before the pool gets it back.</summary>
internal sealed class ClearedBuffer : IDisposable
{
    private byte[] _array = [];

    /// <summary>The bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _array.AsSpan(0, Length);

    /// <summary>Appends <paramref name="count"/> bytes and returns them, to be filled.</summary>
    public Span<byte> Append(int count)
    {
        if (Length + count > _array.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + count, Math.Max(256, _array.Length * 2)));
            Written.CopyTo(larger);
            Return();
            _array = larger;
        }

        var appended = _array.AsSpan(Length, count);
        Length += count;
        return appended;
    }

    /// <summary>Appends <paramref name="value"/> as a <see cref="Varint"/>.</summary>
    public void AppendVarint(ulong value)
    {
        Span<byte> bytes = stackalloc byte[Varint.MaxLength];
        var length = Varint.Write(bytes, value);
        bytes[..length].CopyTo(Append(length));
    }

    public void Dispose()
    {
        Return();
        _array = [];
        Length = 0;
    }

    private void Return()
    {
        if (_array.Length > 0)
        {
            _array.AsSpan(0, Length).Clear();
            ArrayPool<byte>.Shared.Return(_array);
        }
    }
}
