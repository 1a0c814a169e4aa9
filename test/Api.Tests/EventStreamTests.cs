using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>The server-sent event stream of a session: the current status first, then what happens, live.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class EventStreamTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public async Task The_stream_starts_with_the_status_then_carries_the_qr_the_connection_and_messages()
    {
        var phone = await gateway.NewPhoneAsync();
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/sessions/{session}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await gateway.Admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new SseReader(reader);

        var first = await events.NextAsync();
        Assert.Equal("status", first.Type);
        Assert.Equal("created", first.Data["status"]!.GetValue<string>());

        await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/connect", new { method = "qr" });
        var qr = await events.NextOfAsync("session.qr");
        Assert.Equal(session, qr.Data["sessionId"]!.GetValue<string>());
        Assert.NotNull(qr.Id);

        var raw = (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/qr"))["qr"]!.GetValue<string>();
        await gateway.Sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr = raw });
        await events.NextOfAsync("session.connected");

        var peer = await gateway.NewPhoneAsync();
        await GatewayFixture.WaitUntilAsync(async () => (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}"))["status"]!.GetValue<string>() == "connected", "connected");
        var sent = await gateway.Sim.PostOkAsync($"sim/phones/{peer}/send", new { to = phone, text = "live" });
        var message = await events.NextOfAsync("message.received");
        Assert.Equal(sent!["id"]!.GetValue<string>(), message.Data["data"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_tenants_session_stream_is_a_404()
    {
        var (_, key) = await gateway.NewKeyAsync("tenant", await gateway.NewTenantAsync());
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var client = gateway.Client(key);
        using var response = await client.GetAsync($"api/sessions/{session}/events", HttpCompletionOption.ResponseHeadersRead);
        await response.AssertErrorAsync(404, "session_not_found");
    }

    /// <summary>Reads server-sent events: <c>id</c>, <c>event</c> and <c>data</c> lines up to a blank line; comments skipped.</summary>
    private sealed class SseReader(StreamReader reader)
    {
        public async Task<(string Type, string? Id, JsonNode Data)> NextAsync()
        {
            using var timeout = new CancellationTokenSource(GatewayFixture.WaitTimeout);
            string? type = null;
            string? id = null;
            var data = new System.Text.StringBuilder();
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("the event stream ended");
                if (line.Length == 0)
                {
                    if (type is not null)
                    {
                        return (type, id, JsonNode.Parse(data.ToString())!);
                    }

                    continue;
                }

                if (line.StartsWith(':'))
                {
                    continue;
                }

                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line[6..]);
                }
            }
        }

        public async Task<(string Type, string? Id, JsonNode Data)> NextOfAsync(string type)
        {
            while (true)
            {
                var next = await NextAsync();
                if (next.Type == type)
                {
                    return next;
                }
            }
        }
    }
}
