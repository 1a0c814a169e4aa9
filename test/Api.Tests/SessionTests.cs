using System.Net.Http.Json;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>Sessions through the API: the lifecycle, pairing by QR and by code, the QR renderings, the profile.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class SessionTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public async Task A_session_is_created_listed_renamed_and_deleted()
    {
        var id = GatewayFixture.NewId("s-");
        var created = await gateway.Admin.PostJsonOkAsync("api/sessions", new { id, name = "Support" }, 201);
        Assert.Equal(id, created["id"]!.GetValue<string>());
        Assert.Equal("created", created["status"]!.GetValue<string>());
        Assert.Equal("default", created["tenantId"]!.GetValue<string>());

        Assert.Contains((await gateway.Admin.GetJsonOkAsync("api/sessions"))["items"]!.AsArray(), s => s!["id"]!.GetValue<string>() == id);
        using (var duplicate = await gateway.Admin.PostAsJsonAsync("api/sessions", new { id }))
        {
            await duplicate.AssertErrorAsync(409, "session_exists", "id");
        }

        using (var patch = await gateway.Admin.SendJsonAsync(HttpMethod.Patch, $"api/sessions/{id}", new { name = "Sales" }))
        {
            Assert.Equal("Sales", (await patch.ReadJsonAsync())["name"]!.GetValue<string>());
        }

        Assert.Equal("Sales", (await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}"))["name"]!.GetValue<string>());
        using (var delete = await gateway.Admin.DeleteAsync($"api/sessions/{id}"))
        {
            Assert.Equal(204, (int)delete.StatusCode);
        }

        using var gone = await gateway.Admin.GetAsync($"api/sessions/{id}");
        await gone.AssertErrorAsync(404, "session_not_found");
    }

    [Fact]
    public async Task A_session_without_an_id_gets_one()
    {
        var created = await gateway.Admin.PostJsonOkAsync("api/sessions", new { name = "anonymous" }, 201);
        Assert.StartsWith("ses_", created["id"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"id":"has space"}""", "invalid_session_id", "id")]
    [InlineData("""{"id":"../etc"}""", "invalid_session_id", "id")]
    [InlineData("""{"id":""}""", "invalid_session_id", "id")]
    [InlineData("""{"id":["a"]}""", "invalid_json", "id")]
    [InlineData("""{"id":"ok","tenantId":"No Such"}""", "invalid_tenant_id", "tenantId")]
    public async Task Bad_session_bodies_are_400s(string body, string code, string field)
    {
        using var response = await gateway.Admin.SendRawAsync(HttpMethod.Post, "api/sessions", body);
        await response.AssertErrorAsync(400, code, field);
    }

    [Fact]
    public async Task A_session_in_an_unknown_tenant_is_refused()
    {
        using var response = await gateway.Admin.PostAsJsonAsync("api/sessions", new { id = GatewayFixture.NewId("s-"), tenantId = "no-such-tenant" });
        await response.AssertErrorAsync(404, "tenant_not_found", "tenantId");
    }

    [Fact]
    public async Task The_qr_route_is_a_409_before_connecting_and_a_404_for_an_unknown_session()
    {
        var id = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using (var notShowing = await gateway.Admin.GetAsync($"api/sessions/{id}/qr"))
        {
            await notShowing.AssertErrorAsync(409, "no_qr");
        }

        using var unknown = await gateway.Admin.GetAsync("api/sessions/no-such-session/qr");
        await unknown.AssertErrorAsync(404, "session_not_found");
    }

    [Fact]
    public async Task Pairing_by_QR_shows_the_code_in_every_format_then_connects_and_the_profile_names_the_phone()
    {
        var phone = await gateway.NewPhoneAsync("Api Phone");
        var id = await GatewayFixture.NewSessionAsync(gateway.Admin);
        var connecting = await gateway.Admin.PostJsonOkAsync($"api/sessions/{id}/connect", new { method = "qr" });
        Assert.Contains(connecting["status"]!.GetValue<string>(), new[] { "connecting", "qr" });

        System.Text.Json.Nodes.JsonNode? qr = null;
        await GatewayFixture.WaitUntilAsync(async () =>
        {
            using var response = await gateway.Admin.GetAsync($"api/sessions/{id}/qr");
            qr = response.IsSuccessStatusCode ? await response.ReadJsonAsync() : null;
            return qr is not null;
        }, "a QR code");
        var raw = qr!["qr"]!.GetValue<string>();
        Assert.StartsWith("data:image/png;base64,", qr["dataUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("qr", (await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}"))["status"]!.GetValue<string>());

        using (var png = await gateway.Admin.GetAsync($"api/sessions/{id}/qr?format=png"))
        {
            Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
            var bytes = await png.Content.ReadAsByteArrayAsync();
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }

        using (var svg = await gateway.Admin.GetAsync($"api/sessions/{id}/qr?format=svg"))
        {
            Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
            Assert.Contains("<svg", await svg.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var text = await gateway.Admin.GetAsync($"api/sessions/{id}/qr?format=text"))
        {
            Assert.Equal("text/plain", text.Content.Headers.ContentType!.MediaType);
            Assert.Contains("█", await text.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var bad = await gateway.Admin.GetAsync($"api/sessions/{id}/qr?format=gif"))
        {
            await bad.AssertErrorAsync(400, "invalid_format", "format");
        }

        await gateway.Sim.PostOkAsync($"sim/phones/{phone}/scan", new { qr = raw });
        await GatewayFixture.WaitUntilAsync(async () => (await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}"))["status"]!.GetValue<string>() == "connected", "connected");
        var session = await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}");
        Assert.StartsWith(phone, session["meJid"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(session["hasQr"]!.GetValue<bool>());
        Assert.Null(session["qr"]);

        var me = await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}/me");
        Assert.Equal(phone, me["phone"]!.GetValue<string>());
        using var afterPairing = await gateway.Admin.GetAsync($"api/sessions/{id}/qr");
        await afterPairing.AssertErrorAsync(409, "no_qr");
    }

    [Fact]
    public async Task Disconnect_restart_and_logout_move_the_status_as_documented()
    {
        var (id, _) = await gateway.NewPairedSessionAsync();
        var disconnected = await gateway.Admin.PostJsonOkAsync($"api/sessions/{id}/disconnect", null);
        Assert.Equal("disconnected", disconnected["status"]!.GetValue<string>());

        await gateway.Admin.PostJsonOkAsync($"api/sessions/{id}/connect", new { });
        await GatewayFixture.WaitUntilAsync(async () => (await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}"))["status"]!.GetValue<string>() == "connected", "reconnected");

        await gateway.Admin.PostJsonOkAsync($"api/sessions/{id}/restart", null);
        await GatewayFixture.WaitUntilAsync(async () => (await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}"))["status"]!.GetValue<string>() == "connected", "connected after restart");

        var loggedOut = await gateway.Admin.PostJsonOkAsync($"api/sessions/{id}/logout", null);
        Assert.Equal("logged_out", loggedOut["status"]!.GetValue<string>());
        Assert.Null(loggedOut["meJid"]);
        using var me = await gateway.Admin.GetAsync($"api/sessions/{id}/me");
        await me.AssertErrorAsync(409);
    }

    [Fact]
    public async Task Connecting_with_a_pairing_code_answers_the_code_and_the_phone_entering_it_links_the_session()
    {
        var phone = await gateway.NewPhoneAsync();
        var id = await GatewayFixture.NewSessionAsync(gateway.Admin);
        var status = await gateway.Admin.PostJsonOkAsync($"api/sessions/{id}/connect", new { method = "pairing_code", phoneNumber = "+" + phone });
        Assert.Equal("pairing_code", status["status"]!.GetValue<string>());
        var code = status["pairingCode"]!.GetValue<string>();
        Assert.Equal(8, code.Replace("-", "", StringComparison.Ordinal).Length);

        await gateway.Sim.PostOkAsync($"sim/phones/{phone}/pair-code", new { code });
        await GatewayFixture.WaitUntilAsync(async () => (await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}"))["status"]!.GetValue<string>() == "connected", "connected by code");
    }

    [Theory]
    [InlineData("""{"method":"pairing_code"}""", "missing_field", "phoneNumber")]
    [InlineData("""{"method":"pairing_code","phoneNumber":"abc"}""", "invalid_phone", "phoneNumber")]
    [InlineData("""{"method":"pairing_code","phoneNumber":"123@g.us"}""", "invalid_phone", "phoneNumber")]
    [InlineData("""{"method":"carrier_pigeon"}""", "invalid_json", "method")]
    [InlineData("""{"method":1}""", "invalid_json", "method")]
    public async Task Bad_connect_bodies_are_400s_and_leave_the_session_as_it_was(string body, string code, string field)
    {
        var id = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var response = await gateway.Admin.SendRawAsync(HttpMethod.Post, $"api/sessions/{id}/connect", body);
        await response.AssertErrorAsync(400, code, field);
        Assert.Equal("created", (await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Renaming_to_a_blank_name_is_a_400()
    {
        var id = await GatewayFixture.NewSessionAsync(gateway.Admin);
        using var response = await gateway.Admin.SendJsonAsync(HttpMethod.Patch, $"api/sessions/{id}", new { name = "   " });
        await response.AssertErrorAsync(400, "invalid_name", "name");
        Assert.Equal("test session", (await gateway.Admin.GetJsonOkAsync($"api/sessions/{id}"))["name"]!.GetValue<string>());
    }
}
