using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace WaOrleans.Protocol.Binary;

/// <summary>Decodes whole frames: the flag byte, then the node, zlib-compressed when the flag says so.</summary>
public ref partial struct NodeReader
{
    /// <summary>The first inflate buffer is this many times the compressed size; stanzas compress about that well.</summary>
    private const int InflateSizeGuess = 4;

    /// <summary>The smallest inflate buffer to rent.</summary>
    private const int MinInflateBuffer = 256;

    /// <summary>
    /// Decodes one frame: a flag byte, then one node, inflated first if the flag has
    /// <see cref="BinaryConstants.CompressedFlag"/>. Rejects leftover bytes.
    /// </summary>
    /// <exception cref="NodeDecodeException">The frame is empty, does not inflate (or inflates past 16 MiB), or is not exactly one node.</exception>
    public static Node DecodeFrame(ReadOnlySpan<byte> frame)
    {
        if (frame.IsEmpty)
        {
            ThrowHelper.ThrowDecode("the frame is empty (no flag byte)", 0);
        }

        if ((frame[0] & BinaryConstants.CompressedFlag) == 0)
        {
            return Decode(frame[1..]);
        }

        var buffer = Inflate(frame[1..], out var length);
        try
        {
            return Decode(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Decodes one frame like <see cref="DecodeFrame(ReadOnlySpan{byte})"/>, but byte content of an
    /// uncompressed frame is not copied: the node's byte strings are slices of <paramref name="frame"/>,
    /// so the caller must not change the array afterwards (a frame received from the socket is a
    /// fresh array that nothing else writes to).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="frame"/> is null.</exception>
    /// <exception cref="NodeDecodeException">The frame is empty, does not inflate (or inflates past 16 MiB), or is not exactly one node.</exception>
    public static Node DecodeFrame(byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return DecodeFrame(new ArraySegment<byte>(frame));
    }

    /// <summary>
    /// Decodes one frame like <see cref="DecodeFrame(byte[])"/>: when the memory is backed by an
    /// array, byte content of an uncompressed frame shares it, so the caller must not change it afterwards.
    /// </summary>
    /// <exception cref="NodeDecodeException">The frame is empty, does not inflate (or inflates past 16 MiB), or is not exactly one node.</exception>
    public static Node DecodeFrame(ReadOnlyMemory<byte> frame) =>
        MemoryMarshal.TryGetArray(frame, out var segment) ? DecodeFrame(segment) : DecodeFrame(frame.Span);

    private static Node DecodeFrame(ArraySegment<byte> frame)
    {
        // Compressed frames inflate into a pooled buffer, which must not be shared: copy as usual.
        if (frame.Count == 0 || (frame[0] & BinaryConstants.CompressedFlag) != 0)
        {
            return DecodeFrame(frame.AsSpan());
        }

        var reader = new NodeReader(frame.Array!, frame.Offset + 1, frame.Count - 1);
        return reader.ReadWhole();
    }

    private static byte[] Inflate(ReadOnlySpan<byte> compressed, out int length)
    {
        // One past the limit, so that reading a byte more than allowed is detected.
        const int capacityLimit = BinaryConstants.MaxInflatedSize + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Clamp(compressed.Length * InflateSizeGuess, MinInflateBuffer, capacityLimit));
        length = 0;
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed.ToArray(), writable: false), CompressionMode.Decompress);
            while (true)
            {
                // The pool may hand out more than asked for; never use more than the limit.
                var capacity = Math.Min(buffer.Length, capacityLimit);
                if (length == capacity)
                {
                    if (capacity == capacityLimit)
                    {
                        throw new NodeDecodeException($"the frame inflates to more than {BinaryConstants.MaxInflatedSize} bytes", 0);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(capacity * 2, capacityLimit));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    continue;
                }

                var read = zlib.Read(buffer, length, capacity - length);
                if (read == 0)
                {
                    return buffer;
                }

                length += read;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // Corrupt streams surface as InvalidDataException or, from zlib itself, ZLibException (an IOException).
            ArrayPool<byte>.Shared.Return(buffer);
            throw new NodeDecodeException("the frame is not a valid zlib stream", 0, ex);
        }
        catch (NodeDecodeException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
