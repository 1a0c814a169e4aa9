using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace WaOrleans.Protocol.Noise;

/// <summary>
/// Splits a byte stream into WhatsApp frames, each a 3-byte big-endian length then that many bytes
/// (PROTOCOL.md §1.2), with no I/O: feed whatever arrived (part of a frame, several frames, one
/// WebSocket message) and take out the frames that are complete.
/// </summary>
/// <remarks>
/// A length at or above the maximum is rejected as soon as its 3 bytes arrive, and the buffer
/// only ever grows by bytes actually received, so a hostile length allocates nothing. The
/// responder side also checks the client's 4-byte intro before the first frame. The buffer comes
/// from <see cref="ArrayPool{T}.Shared"/> and goes back with <see cref="ReleaseBuffer"/> once
/// drained, so an idle connection holds none. Not thread-safe.
/// </remarks>
public sealed class FrameCodec
{
    private const int InitialCapacity = 4096;

    /// <summary>
    /// A buffer larger than this is replaced by a small one once drained, and dropped rather than
    /// pooled, so one huge frame pins memory neither here nor in the shared pool.
    /// </summary>
    private const int ShrinkThreshold = 1 << 20;

    /// <summary>
    /// How far ahead of the received bytes <see cref="GetMemory"/> reserves for a frame in progress:
    /// enough to read a typical large frame in few calls, without letting a peer that announces a
    /// 16 MiB frame and stalls make us allocate all of it up front.
    /// </summary>
    private const int ReserveAheadLimit = 1 << 20;

    private readonly int _maxFrameSize;
    private byte[] _buffer = [];
    private int _start;
    private int _end;
    private bool _expectIntro;

    /// <summary>Creates a decoder.</summary>
    /// <param name="maxFrameSize">The exclusive upper bound of a frame body's length.</param>
    /// <param name="expectIntro">Whether the stream starts with the client's <c>WA 06 03</c> intro (the responder side).</param>
    public FrameCodec(int maxFrameSize = NoiseConstants.FrameMaxSize, bool expectIntro = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrameSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFrameSize, NoiseConstants.FrameMaxSize);
        _maxFrameSize = maxFrameSize;
        _expectIntro = expectIntro;
    }

    /// <summary>Gets the exclusive upper bound of a frame body's length.</summary>
    public int MaxFrameSize => _maxFrameSize;

    /// <summary>Gets how many received bytes are waiting (a partial frame, or frames not yet taken).</summary>
    public int BufferedLength => _end - _start;

    /// <summary>Writes the 3-byte big-endian length prefix of a frame body.</summary>
    /// <exception cref="TransportException">The length is at or above <paramref name="maxFrameSize"/> (<see cref="TransportErrorKind.FrameTooLarge"/>).</exception>
    public static void WriteLength(Span<byte> destination, int length, int maxFrameSize = NoiseConstants.FrameMaxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length >= maxFrameSize)
        {
            ThrowTooLarge(length, maxFrameSize);
        }

        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
    }

    /// <summary>Returns <paramref name="body"/> with its length prefix, as one frame on the wire.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> body, int maxFrameSize = NoiseConstants.FrameMaxSize)
    {
        var frame = new byte[NoiseConstants.FrameLengthSize + body.Length];
        WriteLength(frame, body.Length, maxFrameSize);
        body.CopyTo(frame.AsSpan(NoiseConstants.FrameLengthSize));
        return frame;
    }

    /// <summary>Appends received bytes.</summary>
    /// <exception cref="TransportException">The bytes complete an oversized length or a wrong intro.</exception>
    public void Feed(ReadOnlySpan<byte> data)
    {
        data.CopyTo(GetMemory(data.Length).Span);
        Advance(data.Length);
    }

    /// <summary>
    /// Returns space for at least <paramref name="sizeHint"/> bytes to receive into directly, to be
    /// committed with <see cref="Advance"/>; when a frame is in progress the space covers more of it.
    /// </summary>
    public Memory<byte> GetMemory(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var wanted = Math.Max(sizeHint, Math.Min(RemainingOfCurrentFrame(), ReserveAheadLimit));
        if (BufferedLength == 0 && _buffer.Length > ShrinkThreshold && wanted < ShrinkThreshold)
        {
            ReleaseBuffer();
        }

        if (_buffer.Length - _end < wanted)
        {
            MakeRoom(wanted);
        }

        return _buffer.AsMemory(_end);
    }

    /// <summary>
    /// Gives the buffer back to the pool when no received bytes wait in it (between frames), so an
    /// idle connection holds no receive buffer; the next <see cref="GetMemory"/> rents one again.
    /// Spans from <c>TryReadFrame</c> are invalid afterwards.
    /// </summary>
    public void ReleaseBuffer()
    {
        if (BufferedLength != 0 || _buffer.Length == 0)
        {
            return;
        }

        Return(_buffer);
        _buffer = [];
        _start = _end = 0;
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the space <see cref="GetMemory"/> returned.</summary>
    /// <exception cref="TransportException">The bytes complete an oversized length or a wrong intro.</exception>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _end);
        _end += count;
        CheckIntro();
        TryPeekLength(out _);
    }

    /// <summary>
    /// Takes the next complete frame body, if one is buffered. The span points into the codec's
    /// buffer and stays valid only until the next <see cref="Feed"/>, <see cref="GetMemory"/> or
    /// <c>TryReadFrame</c> call.
    /// </summary>
    /// <exception cref="TransportException">The next length is too large, or the intro is wrong.</exception>
    public bool TryReadFrame(out ReadOnlySpan<byte> frame)
    {
        frame = default;
        if (_expectIntro || !TryPeekLength(out var length) || BufferedLength < NoiseConstants.FrameLengthSize + length)
        {
            return false;
        }

        var bodyStart = _start + NoiseConstants.FrameLengthSize;
        frame = _buffer.AsSpan(bodyStart, length);
        _start = bodyStart + length;
        if (_start == _end)
        {
            // Resetting here keeps the returned span intact: the bytes are only reused on the next write.
            _start = _end = 0;
        }

        return true;
    }

    /// <summary>Takes the next complete frame body as a new array; see <see cref="TryReadFrame(out ReadOnlySpan{byte})"/>.</summary>
    public bool TryReadFrame([NotNullWhen(true)] out byte[]? frame)
    {
        frame = TryReadFrame(out ReadOnlySpan<byte> span) ? span.ToArray() : null;
        return frame is not null;
    }

    private bool TryPeekLength(out int length)
    {
        length = 0;
        if (_expectIntro || BufferedLength < NoiseConstants.FrameLengthSize)
        {
            return false;
        }

        length = (_buffer[_start] << 16) | (_buffer[_start + 1] << 8) | _buffer[_start + 2];
        if (length >= _maxFrameSize)
        {
            ThrowTooLarge(length, _maxFrameSize);
        }

        return true;
    }

    private int RemainingOfCurrentFrame() =>
        TryPeekLength(out var length) ? Math.Max(0, NoiseConstants.FrameLengthSize + length - BufferedLength) : 0;

    private void CheckIntro()
    {
        if (!_expectIntro || BufferedLength < NoiseConstants.IntroHeaderSize)
        {
            return;
        }

        if (!_buffer.AsSpan(_start, NoiseConstants.IntroHeaderSize).SequenceEqual(NoiseConstants.IntroHeader))
        {
            throw new TransportException(TransportErrorKind.InvalidIntro,
                $"unexpected intro {Convert.ToHexString(_buffer, _start, NoiseConstants.IntroHeaderSize)} (expected 57410603)");
        }

        _start += NoiseConstants.IntroHeaderSize;
        _expectIntro = false;
    }

    private void MakeRoom(int wanted)
    {
        var buffered = BufferedLength;
        var needed = buffered + wanted;
        if (needed > _buffer.Length)
        {
            var doubled = (int)Math.Min(2L * _buffer.Length, Array.MaxLength);
            var size = Math.Max(needed, Math.Max(InitialCapacity, doubled));
            var grown = size > ShrinkThreshold ? GC.AllocateUninitializedArray<byte>(size) : ArrayPool<byte>.Shared.Rent(size);
            _buffer.AsSpan(_start, buffered).CopyTo(grown);
            Return(_buffer);
            _buffer = grown;
        }
        else
        {
            _buffer.AsSpan(_start, buffered).CopyTo(_buffer);
        }

        _start = 0;
        _end = buffered;
    }

    /// <summary>Returns a pooled buffer; the empty one and huge ones are left to the collector.</summary>
    private static void Return(byte[] buffer)
    {
        if (buffer.Length is > 0 and <= ShrinkThreshold)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [DoesNotReturn]
    private static void ThrowTooLarge(int length, int maxFrameSize) =>
        throw new TransportException(TransportErrorKind.FrameTooLarge,
            $"frame of {length} bytes is not below the {maxFrameSize}-byte limit");
}
