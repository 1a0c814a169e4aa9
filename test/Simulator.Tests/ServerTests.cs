using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using WaOrleans.Protocol.Crypto;
using WaOrleans.Simulator.Tests.Support;

namespace WaOrleans.Simulator.Tests;

public sealed class ServerTests : IAsyncLifetime
{
    private WaSimServer _server = null!;
    private SimClient _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await WaSimServer.StartAsync(new WaSimOptions());
        _sim = new SimClient(_server);
    }

    public async Task DisposeAsync()
    {
        _sim.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Serves_its_root_key_and_websocket_url()
    {
        using var response = await _sim.GetAsync("sim/root-key");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(Convert.ToHexStringLower(_server.RootPublicKey), body["rootKey"]!.GetValue<string>());
        Assert.Equal(_server.WebSocketUri.ToString(), body["webSocketUrl"]!.GetValue<string>());
        Assert.Equal(Curve25519.KeySize, _server.RootPublicKey.Length);
    }

    [Fact]
    public async Task Keeps_the_certificate_authority_in_its_data_directory()
    {
        var data = Directory.CreateTempSubdirectory("wasim-test-").FullName;
        try
        {
            byte[] first;
            await using (var server = await WaSimServer.StartAsync(new WaSimOptions { DataDirectory = data }))
            {
                first = server.RootPublicKey;
            }

            await using var again = await WaSimServer.StartAsync(new WaSimOptions { DataDirectory = data });
            Assert.Equal(first, again.RootPublicKey);
            Assert.NotEqual(_server.RootPublicKey, again.RootPublicKey);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Creates_a_phone_with_a_lid_and_refuses_duplicates_and_bad_numbers()
    {
        var phone = await _sim.CreatePhoneAsync("+15550001111", "Alice");
        Assert.Equal("15550001111@s.whatsapp.net", phone["jid"]!.GetValue<string>());
        Assert.EndsWith("@lid", phone["lid"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(phone["devices"]!.AsArray());

        using var duplicate = await _sim.PostAsync("sim/phones", new { phone = "15550001111" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        using var bad = await _sim.PostAsync("sim/phones", new { phone = "12ab" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var missing = await _sim.GetAsync("sim/phones/19990000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Refuses_malformed_and_unknown_qr_scans()
    {
        await _sim.CreatePhoneAsync("15550002222");
        using var malformed = await _sim.PostAsync("sim/phones/15550002222/scan", new { qr = "not a qr" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        var key = Convert.ToBase64String(new byte[32]);
        using var unknown = await _sim.PostAsync("sim/phones/15550002222/scan", new { qr = $"2@nope,{key},{key},{key},1" });
        Assert.Equal(HttpStatusCode.Gone, unknown.StatusCode);
    }

    [Fact]
    public async Task Closes_a_client_that_sends_garbage_and_keeps_serving_others()
    {
        using var garbage = new ClientWebSocket();
        await garbage.ConnectAsync(_server.WebSocketUri, CancellationToken.None);
        await garbage.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        var buffer = new byte[64];
        var result = await garbage.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);

        using var response = await _sim.GetAsync("sim/root-key");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var login = await NoiseLogin.TryLoginAsync(_server, username: 15550009999, device: 1);
        Assert.Equal("failure", login.Tag);
        Assert.Equal("401", login.GetAttr("reason"));
    }

    [Fact]
    public async Task Closes_a_client_that_sends_an_undecodable_node_with_a_stream_error()
    {
        await using var client = await NoiseLogin.ConnectAsync(_server, NoiseLogin.RegistrationPayload());
        var pairDevice = await NoiseLogin.ReceiveNodeAsync(client);
        Assert.Equal(6, pairDevice!.GetChild("pair-device")!.GetChildren("ref").Count);

        await client.SendFrameAsync(new byte[] { 0, 0xF8, 0x07 });
        var error = await NoiseLogin.ReceiveNodeAsync(client);
        Assert.Equal("stream:error", error!.Tag);
        Assert.NotNull(error.GetChild("xml-not-well-formed"));
        Assert.Null(await NoiseLogin.ReceiveNodeAsync(client));
    }

    [Fact]
    public async Task Refuses_a_registration_whose_signed_prekey_signature_does_not_verify()
    {
        var payload = NoiseLogin.RegistrationPayload();
        payload.DevicePairingData.ESkeySig = Google.Protobuf.ByteString.CopyFrom(new byte[64]);
        await using var client = await NoiseLogin.ConnectAsync(_server, payload);
        var failure = await NoiseLogin.ReceiveNodeAsync(client);
        Assert.Equal("failure", failure!.Tag);
        Assert.Equal("400", failure.GetAttr("reason"));
    }

    [Fact]
    public async Task Faults_need_a_known_kind_and_a_connected_device()
    {
        using var unknown = await _sim.PostAsync("sim/devices/15550001111:1@s.whatsapp.net/fault", new { kind = "close" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var restart = await _sim.PostAsync("sim/devices/any/fault", new { kind = "restart-server" });
        Assert.Equal(HttpStatusCode.NoContent, restart.StatusCode);
        using var bad = await _sim.PostAsync("sim/devices/any/fault", new { kind = "meteor" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
