using WaOrleans.Protocol.Binary;

namespace WaOrleans.Protocol.Tests.Binary;

public sealed class JidTests
{
    [Theory]
    [InlineData("15550002222@s.whatsapp.net", "15550002222", JidServer.PhoneNumber, 0, 0)]
    [InlineData("15550002222:7@s.whatsapp.net", "15550002222", JidServer.PhoneNumber, 7, 0)]
    [InlineData("15550002222_1:7@s.whatsapp.net", "15550002222", JidServer.PhoneNumber, 7, 1)]
    [InlineData("99990000111:255@lid", "99990000111", JidServer.Lid, 255, 0)]
    [InlineData("123-456@g.us", "123-456", JidServer.Group, 0, 0)]
    [InlineData("status@broadcast", "status", JidServer.Broadcast, 0, 0)]
    [InlineData("120363000000000000@newsletter", "120363000000000000", JidServer.Newsletter, 0, 0)]
    [InlineData("5511999:99@hosted", "5511999", JidServer.Hosted, 99, 0)]
    [InlineData("@s.whatsapp.net", "", JidServer.PhoneNumber, 0, 0)]
    [InlineData("a_b@c.us", "a_b", JidServer.LegacyUser, 0, 0)]
    [InlineData("123:300@msgr", "123", JidServer.Messenger, 300, 0)]
    public void Parse_splits_the_parts_and_formats_back(string text, string user, string server, int device, int agent)
    {
        var jid = Jid.Parse(text);

        Assert.Equal(user, jid.User);
        Assert.Equal(server, jid.Server);
        Assert.Equal(device, jid.Device);
        Assert.Equal(agent, jid.Agent);
        Assert.Equal(text, jid.ToString());
        Assert.Equal(jid, Jid.Parse(jid.ToString()));
    }

    [Fact]
    public void Interop_jid_carries_its_integrator_in_front()
    {
        var jid = Jid.Parse("7-123:2@interop");

        Assert.Equal(("123", (ushort)2, (ushort)7), (jid.User, jid.Device, jid.Integrator));
        Assert.Equal("7-123:2@interop", jid.ToString());
    }

    [Fact]
    public void Device_zero_and_agent_zero_are_dropped()
    {
        Assert.Equal(Jid.Parse("1555@s.whatsapp.net"), Jid.Parse("1555:0@s.whatsapp.net"));
        Assert.Equal("1555@s.whatsapp.net", Jid.Parse("1555_0:0@s.whatsapp.net").ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1555")]
    [InlineData("1555@")]
    [InlineData("1555@a@b")]
    [InlineData("1555:x@s.whatsapp.net")]
    [InlineData("1555:@s.whatsapp.net")]
    [InlineData("1555:256@s.whatsapp.net")]
    [InlineData("1555:70000@msgr")]
    public void TryParse_rejects_what_is_not_a_jid(string? text)
    {
        Assert.False(Jid.TryParse(text, out var jid));
        Assert.True(jid.IsEmpty);
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => Jid.Parse(text));
        }
    }

    [Fact]
    public void Constructor_rejects_parts_the_wire_cannot_carry()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Jid("1", JidServer.PhoneNumber, device: 256));
        Assert.Throws<ArgumentException>(() => new Jid("1", JidServer.PhoneNumber, integrator: 1));
        Assert.Throws<ArgumentException>(() => new Jid("1", ""));
    }

    [Fact]
    public void Predicates_follow_the_server()
    {
        Assert.True(Jid.Parse("1555:3@s.whatsapp.net").IsPhoneNumber);
        Assert.False(Jid.ServerJid.IsPhoneNumber);
        Assert.True(Jid.ServerJid.IsServer);
        Assert.True(Jid.GroupServerJid.IsServer);
        Assert.True(Jid.Parse("1@lid").IsLid);
        Assert.True(Jid.Parse("1-2@g.us").IsGroup);
        Assert.True(Jid.StatusBroadcast.IsStatusBroadcast);
        Assert.True(Jid.StatusBroadcast.IsBroadcast);
        Assert.False(Jid.Parse("123@broadcast").IsStatusBroadcast);
        Assert.True(Jid.Parse("123@broadcast").IsBroadcast);
        Assert.True(Jid.Parse("1@newsletter").IsNewsletter);
        Assert.True(Jid.Parse("1:99@hosted").IsHosted);
        Assert.True(Jid.Parse("1@hosted.lid").IsHosted);
        Assert.False(Jid.Parse("1@lid").IsServer);
        Assert.True(default(Jid).IsEmpty);
        Assert.False(default(Jid).IsServer);
        Assert.Equal("", default(Jid).ToString());
    }

    [Fact]
    public void Well_known_jids_format_like_baileys()
    {
        Assert.Equal("@s.whatsapp.net", Jid.ServerJid.ToString());
        Assert.Equal("status@broadcast", Jid.StatusBroadcast.ToString());
        Assert.Equal("0@c.us", Jid.Psa.ToString());
        Assert.Equal("16505361212@c.us", Jid.OfficialBusiness.ToString());
    }

    [Fact]
    public void Device_helpers_keep_user_and_server()
    {
        var jid = Jid.Parse("1555_1:7@s.whatsapp.net");

        Assert.Equal("1555@s.whatsapp.net", jid.WithoutDevice().ToString());
        Assert.Equal("1555_1:9@s.whatsapp.net", jid.WithDevice(9).ToString());
    }
}
