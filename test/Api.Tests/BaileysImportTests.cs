using System.Net.Http.Json;
using System.Text.Json.Nodes;
using WaOrleans.Api.Tests.Support;
using WaOrleans.Client.Tests.Support;
using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>Moving a device a real Baileys client linked into a gateway session: no QR, and messages flow both ways.</summary>
[Collection(SqliteGatewayCollection.Name)]
[Trait("Category", "Interop")]
public sealed class BaileysImportInteropTests(SqliteGatewayFixture gateway, InteropHarness harness) : IClassFixture<InteropHarness>
{
    [Fact]
    public async Task A_Baileys_auth_folder_imported_through_the_api_connects_without_a_qr_and_messages_flow()
    {
        var linked = "1555" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var peer = await gateway.NewPhoneAsync("Peer Phone");
        string auth;
        await using (var baileys = await BaileysPeer.LinkAsync(harness, gateway.Server, gateway.Sim, linked))
        {
            auth = baileys.Auth;

            // The peer opens a Signal session with the Baileys device, so the import must carry it over.
            await gateway.Sim.PostOkAsync($"sim/phones/{peer}/send", new { to = linked, text = "before the move" });
            await baileys.WaitForAsync("message");
        }

        // The old gateway is stopped; the script users run moves its folder into a new session.
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        var imported = await RunImportScriptAsync(auth, session);
        Assert.StartsWith(linked, imported["meJid"]!.GetValue<string>(), StringComparison.Ordinal);

        var connecting = await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/connect", new { });
        Assert.NotEqual("qr", connecting["status"]!.GetValue<string>());
        await GatewayFixture.WaitUntilAsync(async () =>
        {
            var status = (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}"))["status"]!.GetValue<string>();
            Assert.NotEqual("qr", status);
            return status == "connected";
        }, $"{session} to connect with the imported credentials");
        using (var qr = await gateway.Admin.GetAsync($"api/sessions/{session}/qr"))
        {
            Assert.NotEqual(200, (int)qr.StatusCode);
        }

        // Inbound: the peer's next message rides the Signal session Baileys had.
        var inbound = await gateway.Sim.PostOkAsync($"sim/phones/{peer}/send", new { to = linked, text = "still linked?" });
        var inboundId = inbound!["id"]!.GetValue<string>();
        await GatewayFixture.WaitUntilAsync(async () =>
            (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}/messages?direction=in"))["items"]!.AsArray()
                .Any(m => m!["messageId"]!.GetValue<string>() == inboundId && m["text"]?.GetValue<string>() == "still linked?"),
            "the peer's message in the gateway's log");

        // Outbound: the gateway's answer reaches the phone.
        var sent = await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/messages", new { to = peer, text = "yes, no rescan" }, 201);
        var sentId = sent["messageId"]!.GetValue<string>();
        await GatewayFixture.WaitUntilAsync(async () =>
            (await gateway.InboxAsync(peer)).Any(m => m!["id"]!.GetValue<string>() == sentId && m["text"]?.GetValue<string>() == "yes, no rescan"),
            "the gateway's answer in the phone's inbox");

        // Importing over a linked, online session is refused and changes nothing.
        var files = Directory.EnumerateFiles(auth, "*.json").ToDictionary(f => Path.GetFileName(f)!, f => JsonNode.Parse(File.ReadAllText(f)));
        using var again = await gateway.Admin.PostAsJsonAsync($"api/sessions/{session}/import/baileys", new { files });
        await again.AssertErrorAsync(409, "session_already_paired");
        var after = await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}");
        Assert.Equal("connected", after["status"]!.GetValue<string>());
        Assert.Equal(imported["meJid"]!.GetValue<string>(), after["meJid"]!.GetValue<string>());
        Directory.Delete(auth, recursive: true);
    }

    /// <summary>Runs <c>deploy/import-baileys.sh</c> against the gateway with the admin key; returns the session status it prints.</summary>
    private async Task<JsonNode> RunImportScriptAsync(string auth, string session)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(RepoRoot.Path, "deploy", "import-baileys.sh"), auth, session])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["WAORLEANS_URL"] = gateway.Gateway.BaseUri.ToString();
        start.Environment["WAORLEANS_KEY"] = gateway.AdminKey;
        using var script = System.Diagnostics.Process.Start(start)!;
        var output = script.StandardOutput.ReadToEndAsync();
        var errors = script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync().WaitAsync(GatewayFixture.WaitTimeout);
        Assert.True(script.ExitCode == 0, $"import-baileys.sh exited {script.ExitCode}: {await errors} {await output}");
        return JsonNode.Parse(await output)!;
    }
}

/// <summary>The import refuses bad folders with a 4xx naming the problem, and stores nothing.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class BaileysImportValidationTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public async Task Bad_folders_are_refused_with_the_field_and_leave_the_session_unpaired()
    {
        var session = await GatewayFixture.NewSessionAsync(gateway.Admin);
        var path = $"api/sessions/{session}/import/baileys";
        var creds = new JsonObject { ["registrationId"] = 1 };

        async Task RefusedAsync(object files, int status, string code, string field)
        {
            using var response = await gateway.Admin.PostAsJsonAsync(path, new { files });
            await response.AssertErrorAsync(status, code, field);
        }

        await RefusedAsync(new Dictionary<string, JsonNode> { ["creds.json"] = creds.DeepClone(), ["../../etc/evil.json"] = new JsonObject() }, 400, "invalid_file_name", "files");
        await RefusedAsync(new Dictionary<string, JsonNode> { ["creds.json"] = creds.DeepClone(), ["pre-key-1.txt"] = new JsonObject() }, 400, "invalid_file_name", "files");
        await RefusedAsync(new Dictionary<string, JsonNode> { ["pre-key-1.json"] = new JsonObject() }, 400, "missing_creds", "files[\"creds.json\"]");
        await RefusedAsync(new Dictionary<string, JsonNode> { ["creds.json"] = JsonValue.Create("not an object") }, 400, "invalid_baileys_auth", "files[\"creds.json\"]");
        await RefusedAsync(new Dictionary<string, JsonNode> { ["creds.json"] = creds.DeepClone() }, 400, "invalid_baileys_auth", "files[\"creds.json\"]");
        await RefusedAsync(new Dictionary<string, JsonNode>(), 400, "invalid_files", "files");
        using (var notJson = await gateway.Admin.SendRawAsync(HttpMethod.Post, path, "{\"files\":{\"creds.json\": not json}}"))
        {
            await notJson.AssertErrorAsync(400, "invalid_json");
        }

        // Expect: 100-continue lets the gateway refuse by the declared length before 33 MiB are on the wire.
        using (var tooLarge = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{\"files\":{\"creds.json\":\"" + new string('x', 33 * 1024 * 1024) + "\"}}") })
        {
            tooLarge.Headers.ExpectContinue = true;
            tooLarge.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var huge = await gateway.Admin.SendAsync(tooLarge);
            await huge.AssertErrorAsync(413, "body_too_large");
        }

        var (_, sessionKey) = await gateway.NewKeyAsync("session", sessionId: session);
        using (var withSessionKey = gateway.Client(sessionKey))
        using (var forbidden = await withSessionKey.PostAsJsonAsync(path, new { files = new Dictionary<string, JsonNode> { ["creds.json"] = creds.DeepClone() } }))
        {
            await forbidden.AssertErrorAsync(403);
        }

        // Nothing was stored: the session is still unpaired, and connecting asks for a QR.
        var status = await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}");
        Assert.Equal("created", status["status"]!.GetValue<string>());
        Assert.Null(status["meJid"]);
        await gateway.Admin.PostJsonOkAsync($"api/sessions/{session}/connect", new { method = "qr" });
        await GatewayFixture.WaitUntilAsync(async () =>
            (await gateway.Admin.GetJsonOkAsync($"api/sessions/{session}"))["status"]!.GetValue<string>() == "qr", $"{session} to show a QR");
    }
}
