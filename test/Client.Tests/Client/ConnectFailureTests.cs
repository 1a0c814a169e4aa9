using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Binary;
using WaOrleans.Protocol.Client;
using WaOrleans.Protocol.Events;
using WaOrleans.Protocol.Signal;
using WaOrleans.Protocol.Store;

namespace WaOrleans.Client.Tests.Client;

/// <summary>Login refusals WaSim has no fault for, from a server that answers with one fixed <c>failure</c>.</summary>
public sealed class ConnectFailureTests
{
    [Theory]
    [InlineData("405", null, "client outdated")]
    [InlineData("402", "3600", "temporarily banned")]
    public async Task A_permanent_failure_fails_the_client_without_retrying(string reason, string? expire, string description)
    {
        var attrs = new Dictionary<string, AttrValue> { ["reason"] = reason };
        if (expire is not null)
        {
            attrs["expire"] = expire;
        }

        await using var server = await RefusingServer.StartAsync(new Node("failure", attrs));
        var store = new InMemoryDeviceStore();
        await store.SaveCredentialsAsync(DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System) with { Me = Jid.Parse("15550001111:2@s.whatsapp.net") });
        await using var client = new WaClient(store, new WaClientOptions { Endpoint = server.Endpoint, RootKey = server.RootKey, ReconnectBaseDelay = TimeSpan.FromMilliseconds(20) });
        using var events = new EventRecorder(client);
        await client.StartAsync();

        var failure = await events.NextAsync<ConnectFailureEvent>();
        Assert.Equal(int.Parse(reason, System.Globalization.CultureInfo.InvariantCulture), failure.Code);
        Assert.Equal(description, failure.Reason);
        Assert.Equal(expire is not null, failure.Expire is not null);
        Assert.IsAssignableFrom<IPermanentDisconnect>(failure);
        Assert.Equal(WaConnectionState.Failed, client.State);
        await Task.Delay(200);
        Assert.Equal(1, server.Connections);
        Assert.NotNull(await store.LoadCredentialsAsync());
    }

    [Fact]
    public async Task A_transient_failure_503_is_retried()
    {
        await using var server = await RefusingServer.StartAsync(new Node("failure", new Dictionary<string, AttrValue> { ["reason"] = "503" }));
        var store = new InMemoryDeviceStore();
        await store.SaveCredentialsAsync(DeviceCredentials.Create(SystemSignalRandom.Instance, TimeProvider.System) with { Me = Jid.Parse("15550001111:2@s.whatsapp.net") });
        await using var client = new WaClient(store, new WaClientOptions { Endpoint = server.Endpoint, RootKey = server.RootKey, ReconnectBaseDelay = TimeSpan.FromMilliseconds(20) });
        using var events = new EventRecorder(client);
        await client.StartAsync();

        Assert.True((await events.NextAsync<DisconnectedEvent>()).WillReconnect);
        Assert.True((await events.NextAsync<DisconnectedEvent>()).WillReconnect);
        Assert.True(server.Connections >= 2);
    }
}
