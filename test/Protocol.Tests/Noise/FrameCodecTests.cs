using System.Security.Cryptography;
using WaOrleans.Protocol.Noise;

namespace WaOrleans.Protocol.Tests.Noise;

public sealed class FrameCodecTests
{
    [Fact]
    public void Encode_prefixes_a_3_byte_big_endian_length()
    {
        var frame = FrameCodec.Encode(new byte[0x010203]);

        Assert.Equal([0x01, 0x02, 0x03], frame[..3]);
        Assert.Equal(3 + 0x010203, frame.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1 << 20)]
    public void A_frame_round_trips(int size)
    {
        var body = RandomNumberGenerator.GetBytes(size);
        var codec = new FrameCodec();

        codec.Feed(FrameCodec.Encode(body));

        Assert.True(codec.TryReadFrame(out byte[]? frame));
        Assert.Equal(body, frame);
        Assert.False(codec.TryReadFrame(out byte[]? _));
        Assert.Equal(0, codec.BufferedLength);
    }

    [Fact]
    public void Releasing_the_buffer_keeps_a_partial_frame_and_frees_the_buffer_once_drained()
    {
        var codec = new FrameCodec();
        var second = FrameCodec.Encode([4, 5, 6, 7]);
        codec.Feed([.. FrameCodec.Encode([1, 2, 3]), .. second.AsSpan(0, 5)]);
        Assert.True(codec.TryReadFrame(out byte[]? frame));
        Assert.Equal([1, 2, 3], frame);

        codec.ReleaseBuffer();
        Assert.Equal(5, codec.BufferedLength);
        codec.Feed(second.AsSpan(5));
        Assert.True(codec.TryReadFrame(out frame));
        Assert.Equal([4, 5, 6, 7], frame);

        codec.ReleaseBuffer();
        Assert.Equal(0, codec.GetMemory(0).Length);
        codec.Feed(FrameCodec.Encode([8]));
        Assert.True(codec.TryReadFrame(out frame));
        Assert.Equal([8], frame);
    }

    [Fact]
    public void A_frame_split_at_every_byte_boundary_is_reassembled()
    {
        var body = RandomNumberGenerator.GetBytes(40);
        var wire = FrameCodec.Encode(body);

        for (var split = 0; split <= wire.Length; split++)
        {
            var codec = new FrameCodec();
            codec.Feed(wire.AsSpan(0, split));
            if (split < wire.Length)
            {
                Assert.False(codec.TryReadFrame(out byte[]? _));
            }

            codec.Feed(wire.AsSpan(split));
            Assert.True(codec.TryReadFrame(out byte[]? frame), $"split at {split}");
            Assert.Equal(body, frame);
        }
    }

    [Fact]
    public void A_stream_fed_one_byte_at_a_time_yields_every_frame()
    {
        var bodies = Enumerable.Range(0, 20).Select(i => RandomNumberGenerator.GetBytes(i * 7)).ToList();
        var wire = bodies.SelectMany(b => FrameCodec.Encode(b)).ToArray();
        var codec = new FrameCodec();
        var frames = new List<byte[]>();

        foreach (var b in wire)
        {
            codec.Feed([b]);
            while (codec.TryReadFrame(out byte[]? frame))
            {
                frames.Add(frame);
            }
        }

        Assert.Equal(bodies, frames);
    }

    [Fact]
    public void Many_coalesced_small_frames_come_out_in_order()
    {
        var bodies = Enumerable.Range(0, 1000).Select(i => RandomNumberGenerator.GetBytes(i % 17)).ToList();
        var codec = new FrameCodec();

        codec.Feed(bodies.SelectMany(b => FrameCodec.Encode(b)).ToArray());

        var frames = new List<byte[]>();
        while (codec.TryReadFrame(out byte[]? frame))
        {
            frames.Add(frame);
        }

        Assert.Equal(bodies, frames);
    }

    [Fact]
    public void Coalesced_frames_with_a_trailing_partial_frame_keep_the_partial()
    {
        var wire = FrameCodec.Encode([1, 2, 3]).Concat(FrameCodec.Encode([4, 5, 6, 7])).ToArray();
        var codec = new FrameCodec();

        codec.Feed(wire.AsSpan(0, wire.Length - 2));
        Assert.True(codec.TryReadFrame(out byte[]? first));
        Assert.False(codec.TryReadFrame(out byte[]? _));
        codec.Feed(wire.AsSpan(wire.Length - 2));
        Assert.True(codec.TryReadFrame(out byte[]? second));

        Assert.Equal([1, 2, 3], first);
        Assert.Equal([4, 5, 6, 7], second);
    }

    [Fact]
    public void An_oversized_length_is_rejected_as_soon_as_it_arrives()
    {
        var codec = new FrameCodec(maxFrameSize: 1024);

        var ex = Assert.Throws<TransportException>(() => codec.Feed([0x00, 0x04, 0x00]));

        Assert.Equal(TransportErrorKind.FrameTooLarge, ex.Kind);
    }

    [Fact]
    public void An_oversized_length_after_a_good_frame_is_rejected()
    {
        var codec = new FrameCodec(maxFrameSize: 1024);
        codec.Feed(FrameCodec.Encode([9]).Concat(new byte[] { 0x10, 0x00, 0x00 }).ToArray());

        Assert.True(codec.TryReadFrame(out byte[]? _));
        var ex = Assert.Throws<TransportException>(() => codec.TryReadFrame(out byte[]? _));
        Assert.Equal(TransportErrorKind.FrameTooLarge, ex.Kind);
    }

    [Fact]
    public void The_largest_announced_length_does_not_allocate_the_whole_frame_up_front()
    {
        var codec = new FrameCodec();
        codec.Feed([0xFF, 0xFF, 0xFF, 0x01]);

        var room = codec.GetMemory(64 * 1024);

        Assert.InRange(room.Length, 64 * 1024, 4 << 20);
        Assert.False(codec.TryReadFrame(out byte[]? _));
    }

    [Fact]
    public void Writing_a_length_at_the_limit_is_rejected()
    {
        var prefix = new byte[3];

        var ex = Assert.Throws<TransportException>(() => FrameCodec.WriteLength(prefix, NoiseConstants.FrameMaxSize));

        Assert.Equal(TransportErrorKind.FrameTooLarge, ex.Kind);
        FrameCodec.WriteLength(prefix, NoiseConstants.FrameMaxSize - 1);
        Assert.Equal([0xFF, 0xFF, 0xFF], prefix);
    }

    [Fact]
    public void The_responder_side_strips_the_intro_even_when_it_arrives_in_pieces()
    {
        var wire = NoiseConstants.IntroHeader.ToArray().Concat(FrameCodec.Encode([42])).ToArray();
        var codec = new FrameCodec(expectIntro: true);

        foreach (var b in wire[..^1])
        {
            codec.Feed([b]);
            Assert.False(codec.TryReadFrame(out byte[]? _));
        }

        codec.Feed(wire.AsSpan(wire.Length - 1));
        Assert.True(codec.TryReadFrame(out byte[]? frame));
        Assert.Equal([42], frame);
    }

    [Fact]
    public void The_responder_side_rejects_a_wrong_intro()
    {
        var codec = new FrameCodec(expectIntro: true);

        var ex = Assert.Throws<TransportException>(() => codec.Feed("WA\x05\x03"u8));

        Assert.Equal(TransportErrorKind.InvalidIntro, ex.Kind);
    }

    [Fact]
    public void Receiving_directly_into_the_codec_buffer_works_like_feeding()
    {
        var body = RandomNumberGenerator.GetBytes(100_000);
        var wire = FrameCodec.Encode(body);
        var codec = new FrameCodec();

        for (var offset = 0; offset < wire.Length;)
        {
            var room = codec.GetMemory(1000).Span;
            var count = Math.Min(room.Length, Math.Min(1000, wire.Length - offset));
            wire.AsSpan(offset, count).CopyTo(room);
            codec.Advance(count);
            offset += count;
        }

        Assert.True(codec.TryReadFrame(out byte[]? frame));
        Assert.Equal(body, frame);
    }
}
