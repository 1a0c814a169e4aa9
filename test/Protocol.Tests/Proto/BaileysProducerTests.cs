using System.Text.Json.Nodes;
using Google.Protobuf;
using WaOrleans.Protocol.Proto;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Proto;

/// <summary>
/// Parses what Baileys' own producers build (ClientPayload for registration and login, message
/// content from generateWAMessage) and checks nothing is lost: the C# view equals Baileys' view
/// field for field, and re-serializing gives Baileys' exact bytes. A field Baileys writes that
/// our schema omits would show up here as a JSON or byte difference.
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class BaileysProducerTests(InteropHarness harness)
{
    private static readonly string[] Samples =
        ["registration", "login", "deviceProps", "text", "groupText", "location", "contacts", "poll", "reaction", "revoke", "edit"];

    public static TheoryData<string> SampleNames => new(Samples);

    [Fact]
    public async Task Every_harness_sample_is_checked()
    {
        var names = (await harness.CallAsync("proto.samples"))!.AsArray().Select(n => n!.GetValue<string>());
        Assert.Equal(names.Order(StringComparer.Ordinal), Samples.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SampleNames))]
    public async Task Baileys_output_parses_without_loss(string sample)
    {
        var (message, bytes, json) = await ProduceAsync(sample);

        ProtoRoundTrip.AssertSameJson(JsonNode.Parse(ProtoRoundTrip.Formatter.Format(message))!, json, $"Baileys sample {sample}");
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(message.ToByteArray()));
    }

    [Fact]
    public async Task Registration_payload_carries_the_pairing_data_described_in_the_protocol_notes()
    {
        var (message, _, _) = await ProduceAsync("registration");
        var payload = (ClientPayload)message;

        Assert.True(payload.HasPassive);
        Assert.False(payload.Passive);
        Assert.Equal(ClientPayload.Types.UserAgent.Types.Platform.Web, payload.UserAgent.Platform);
        Assert.Equal(1043857760u, payload.UserAgent.AppVersion.Tertiary);
        var pairing = payload.DevicePairingData;
        Assert.Equal([0x05], pairing.EKeytype.ToByteArray());
        Assert.Equal(4, pairing.ERegid.Length);
        Assert.Equal([0x00, 0x00, 0x01], pairing.ESkeyId.ToByteArray());
        Assert.Equal(64, pairing.ESkeySig.Length);
        var props = DeviceProps.Parser.ParseFrom(pairing.DeviceProps);
        Assert.Equal("Mac OS", props.Os);
        Assert.Equal(DeviceProps.Types.PlatformType.Chrome, props.PlatformType);
        Assert.Equal(10240u, props.HistorySyncConfig.StorageQuotaMb);
    }

    [Fact]
    public async Task Reply_with_mention_exposes_the_quote_and_mentions()
    {
        var (message, _, _) = await ProduceAsync("text");
        var info = (WebMessageInfo)message;
        var context = info.Message.ExtendedTextMessage.ContextInfo;

        Assert.Equal("hello *world*", info.Message.ExtendedTextMessage.Text);
        Assert.Equal("3EB0AABBCCDDEEFF001122", context.StanzaId);
        Assert.Equal("the quoted text", context.QuotedMessage.Conversation);
        Assert.Equal(["15550003333@s.whatsapp.net"], context.MentionedJid);
        Assert.Equal(32, info.Message.MessageContextInfo.MessageSecret.Length);
    }

    [Fact]
    public async Task Edit_is_a_protocol_message_pointing_at_the_original()
    {
        var (message, _, _) = await ProduceAsync("edit");
        var protocol = ((WebMessageInfo)message).Message.ProtocolMessage;

        Assert.Equal(WaOrleans.Protocol.Proto.Message.Types.ProtocolMessage.Types.Type.MessageEdit, protocol.Type);
        Assert.Equal("3EB0AABBCCDDEEFF001122", protocol.Key.Id);
        Assert.Equal("fixed typo", protocol.EditedMessage.ExtendedTextMessage.Text);
    }

    private async Task<(IMessage Message, byte[] Bytes, JsonNode? Json)> ProduceAsync(string sample)
    {
        var result = (await harness.CallAsync("proto.baileys", new { sample }))!;
        var type = result["type"]!.GetValue<string>();
        var bytes = Convert.FromBase64String(result["data"]!.GetValue<string>());
        return (ProtoSchema.Find(type).Parser.ParseFrom(bytes), bytes, result["json"]);
    }
}
