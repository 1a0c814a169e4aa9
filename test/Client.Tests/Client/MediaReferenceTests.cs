using Google.Protobuf;
using WaOrleans.Protocol.Media;
using WaOrleans.Protocol.Proto;

namespace WaOrleans.Client.Tests.Client;

/// <summary>Finding a message's media inside the wrappers WhatsApp puts around it.</summary>
public sealed class MediaReferenceTests
{
    [Fact]
    public void Media_is_found_inside_device_sent_ephemeral_and_view_once_wrappers()
    {
        var audio = new Message { AudioMessage = new Message.Types.AudioMessage { DirectPath = "/mms/audio/x", MediaKey = ByteString.CopyFrom(new byte[32]), Ptt = true } };
        var wrapped = new Message
        {
            DeviceSentMessage = new Message.Types.DeviceSentMessage
            {
                Message = new Message { EphemeralMessage = new Message.Types.FutureProofMessage { Message = new Message { ViewOnceMessageV2 = new Message.Types.FutureProofMessage { Message = audio } } } },
            },
        };

        var reference = MediaReference.From(wrapped);

        Assert.NotNull(reference);
        Assert.Equal(MediaType.Audio, reference.Type);
        Assert.Equal("/mms/audio/x", reference.DirectPath);
        Assert.Null(reference.Url);
        Assert.DoesNotContain("MediaKey", reference.ToString(), StringComparison.Ordinal);
        Assert.Null(MediaReference.From(new Message { Conversation = "text" }));
        Assert.Equal(MediaType.Sticker, MediaReference.From(new Message { StickerMessage = new Message.Types.StickerMessage() })!.Type);
    }
}
