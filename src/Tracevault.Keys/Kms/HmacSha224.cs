using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Tracevault.Keys.Kms;

/// <summary>HMAC-SHA-224 (RFC 2104 over FIPS 180-4's SHA-224), which .NET does not offer, for HMAC_224 keys.</summary>
/// <remarks>SHA-224 is SHA-256 with its own initial values, cut to 28 bytes; tested against RFC 4231's vectors.</remarks>
internal static class HmacSha224
{
    private const int BlockSize = 64;

    private static readonly uint[] InitialValues = [0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4];

    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>The 28-byte HMAC-SHA-224 of <paramref name="message"/> under <paramref name="key"/>.</summary>
    public static byte[] HashData(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        block.Clear();
        if (key.Length > BlockSize)
        {
            Hash(key).CopyTo(block);
        }
        else
        {
            key.CopyTo(block);
        }

        var inner = new byte[BlockSize + message.Length];
        var outer = new byte[BlockSize + 28];
        try
        {
            for (var i = 0; i < BlockSize; i++)
            {
                inner[i] = (byte)(block[i] ^ 0x36);
                outer[i] = (byte)(block[i] ^ 0x5c);
            }

            message.CopyTo(inner.AsSpan(BlockSize));
            Hash(inner).CopyTo(outer.AsSpan(BlockSize));
            return Hash(outer);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(inner);
            CryptographicOperations.ZeroMemory(outer);
        }
    }

    /// <summary>The 28-byte SHA-224 digest of <paramref name="data"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        // The message, a 1 bit, zeros, and the length in bits: a whole number of blocks.
        var padded = new byte[(data.Length + 8) / BlockSize * BlockSize + BlockSize];
        data.CopyTo(padded);
        padded[data.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(padded.AsSpan(padded.Length - 8), (ulong)data.Length * 8);
        Span<uint> state = stackalloc uint[8];
        InitialValues.CopyTo(state);
        Span<uint> w = stackalloc uint[64];
        for (var offset = 0; offset < padded.Length; offset += BlockSize)
        {
            for (var t = 0; t < 16; t++)
            {
                w[t] = BinaryPrimitives.ReadUInt32BigEndian(padded.AsSpan(offset + (t * 4)));
            }

            for (var t = 16; t < 64; t++)
            {
                var s0 = BitOperations.RotateRight(w[t - 15], 7) ^ BitOperations.RotateRight(w[t - 15], 18) ^ (w[t - 15] >> 3);
                var s1 = BitOperations.RotateRight(w[t - 2], 17) ^ BitOperations.RotateRight(w[t - 2], 19) ^ (w[t - 2] >> 10);
                w[t] = w[t - 16] + s0 + w[t - 7] + s1;
            }

            uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
            for (var t = 0; t < 64; t++)
            {
                var sum1 = BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25);
                var choose = (e & f) ^ (~e & g);
                var t1 = h + sum1 + choose + RoundConstants[t] + w[t];
                var sum0 = BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22);
                var majority = (a & b) ^ (a & c) ^ (b & c);
                var t2 = sum0 + majority;
                h = g;
                g = f;
                f = e;
                e = d + t1;
                d = c;
                c = b;
                b = a;
                a = t1 + t2;
            }

            state[0] += a;
            state[1] += b;
            state[2] += c;
            state[3] += d;
            state[4] += e;
            state[5] += f;
            state[6] += g;
            state[7] += h;
        }

        CryptographicOperations.ZeroMemory(padded);
        var digest = new byte[28];
        for (var i = 0; i < 7; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(i * 4), state[i]);
        }

        return digest;
    }
}
