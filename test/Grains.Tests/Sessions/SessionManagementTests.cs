using System.Net;
using System.Text.Json.Nodes;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Tests.Support;

namespace WaOrleans.Grains.Tests.Sessions;

/// <summary>
/// The session's lifecycle in the API (tenants, quota, rename, delete, restart), its status
/// events, and what it looks up on WhatsApp (numbers, groups, profile), against WaSim.
/// </summary>
public sealed class SessionManagementTests
{
    private const string Me = "15550109001";
    private const string Peer = "15550109002";
    private const string Other = "15550109003";

    [Fact]
    public async Task A_session_enters_the_qr_state_only_once_it_has_a_code_to_show()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "qr-state-" + Guid.NewGuid().ToString("N");
        await harness.PairSessionAsync(sessionId, "15550109301");

        // Whoever learns of the state (status, webhook, event stream) can fetch the code: the code comes first.
        var firstCode = await harness.ScalarAsync("SELECT MIN(sequence) FROM events WHERE session_id = @s AND type = 'session.qr'", ("@s", sessionId));
        var firstQrState = await harness.ScalarAsync(
            "SELECT MIN(sequence) FROM events WHERE session_id = @s AND type = 'session.status' AND data LIKE '%\"status\":\"qr\"%'", ("@s", sessionId));
        Assert.True(firstCode > 0 && firstQrState > firstCode, $"session.qr at {firstCode}, status qr at {firstQrState}");
    }

    [Fact]
    public async Task Sessions_belong_to_a_tenant_within_its_quota_and_can_be_renamed_listed_and_deleted()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var tenant = "t-" + Guid.NewGuid().ToString("N");
        await harness.ScalarAsync($"INSERT INTO tenants (tenant_id, name, max_sessions, created_at) VALUES ('{tenant}', 'Acme', 2, 0)");
        var first = harness.Grains.GetGrain<ISessionGrain>(tenant + "-a");
        Assert.Null(await first.FindAsync());

        var created = await first.CreateAsync(new CreateSessionRequest { TenantId = tenant, Name = "support line" });
        Assert.Equal((tenant, "support line", SessionState.Created), (created.TenantId, created.Name, created.State));
        Assert.NotNull(created.CreatedAt);
        Assert.Equal(created, await first.CreateAsync(new CreateSessionRequest { TenantId = tenant, Name = "support line" }));

        var taken = await Assert.ThrowsAsync<GatewayException>(() => first.CreateAsync(new CreateSessionRequest { TenantId = "default" }));
        Assert.Equal((GatewayErrorKind.Conflict, "session_exists"), (taken.Kind, taken.Code));
        var unknown = await Assert.ThrowsAsync<GatewayException>(() => harness.Grains.GetGrain<ISessionGrain>("x-" + tenant).CreateAsync(new CreateSessionRequest { TenantId = "no-such-tenant" }));
        Assert.Equal((GatewayErrorKind.NotFound, "tenantId"), (unknown.Kind, unknown.Field));

        await harness.Grains.GetGrain<ISessionGrain>(tenant + "-b").CreateAsync(new CreateSessionRequest { TenantId = tenant });
        var quota = await Assert.ThrowsAsync<GatewayException>(() => harness.Grains.GetGrain<ISessionGrain>(tenant + "-c").CreateAsync(new CreateSessionRequest { TenantId = tenant }));
        Assert.Equal((GatewayErrorKind.LimitExceeded, "session_quota_reached", 2L, 2L), (quota.Kind, quota.Code, quota.Limit, quota.Used));

        var renamed = await first.UpdateAsync(new SessionPatch { Name = "sales line" });
        Assert.Equal("sales line", renamed.Name);
        var directory = harness.Grains.GetGrain<ISessionDirectoryGrain>(0);
        var listed = await directory.ListAsync(tenant);
        Assert.Equal([tenant + "-a", tenant + "-b"], listed.Select(s => s.SessionId));
        Assert.Equal("sales line", listed[0].Name);
        Assert.Equal(2, await directory.CountAsync(tenant));
        Assert.DoesNotContain(await directory.ListAsync("default"), s => s.TenantId == tenant);

        await first.DeleteAsync();
        Assert.Null(await harness.Grains.GetGrain<ISessionGrain>(tenant + "-a").FindAsync());
        Assert.Equal(1, await directory.CountAsync(tenant));
        // The freed id can be created again, and the quota has room again.
        Assert.Equal(tenant, (await harness.Grains.GetGrain<ISessionGrain>(tenant + "-c").CreateAsync(new CreateSessionRequest { TenantId = tenant })).TenantId);
    }

    [Fact]
    public async Task A_linked_session_checks_numbers_reads_groups_and_profile_raises_status_events_and_deletes_everything()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var sessionId = "manage-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        await harness.Sim.CreatePhoneAsync(Other);

        var checks = await session.CheckNumbersAsync(["+1 555 010 9002", "15559999999"]);
        Assert.Equal(("15550109002", true, $"{Peer}@s.whatsapp.net"), (checks[0].Phone, checks[0].Exists, checks[0].Jid));
        Assert.Equal(("15559999999", false), (checks[1].Phone, checks[1].Exists));
        var badNumber = await Assert.ThrowsAsync<GatewayException>(() => session.CheckNumbersAsync(["call me"]));
        Assert.Equal("phones", badNumber.Field);

        var created = await harness.Sim.PostOkAsync("sim/groups", new { subject = "Team", creator = Peer, participants = new[] { Me, Other } }, 201);
        var groupJid = created!["jid"]!.GetValue<string>();
        var groups = await session.GetGroupsAsync();
        var team = Assert.Single(groups);
        Assert.Equal((groupJid, "Team"), (team.Jid, team.Subject));
        Assert.Equal(3, (await session.GetGroupAsync(groupJid)).Participants.Count);
        var notAGroup = await Assert.ThrowsAsync<GatewayException>(() => session.GetGroupAsync("15550109002@s.whatsapp.net"));
        Assert.Equal((GatewayErrorKind.Invalid, "jid"), (notAGroup.Kind, notAGroup.Field));

        var profile = await session.GetProfileAsync();
        Assert.Equal(Me, profile.Phone);
        Assert.StartsWith(Me, profile.Jid, StringComparison.Ordinal);

        // Sending to the group works as to a user.
        var toGroup = await session.SendAsync(new SendMessageRequest { To = groupJid, Content = new MessageContent { Kind = MessageKind.Text, Text = "hi team" } });
        Assert.Equal("sent", toGroup.Status);
        await harness.WaitForInboxAsync(Peer, toGroup.MessageId);

        var restarted = await session.RestartAsync();
        Assert.Equal(sessionId, restarted.SessionId);
        await GatewayHarness.WaitForStateAsync(session, SessionState.Connected);

        Assert.True(await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'session.qr'", ("@s", sessionId)) >= 1);
        Assert.Equal(2, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'session.connected'", ("@s", sessionId)));
        Assert.True(await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'session.status'", ("@s", sessionId)) >= 4);

        await session.DeleteAsync();
        Assert.Null(await session.FindAsync());
        Assert.Equal(0, await harness.ScalarAsync("SELECT COUNT(*) FROM messages WHERE session_id = @s", ("@s", sessionId)));
        Assert.Equal(0, await harness.ScalarAsync("SELECT COUNT(*) FROM sessions WHERE session_id = @s", ("@s", sessionId)));
        Assert.Equal(0, await harness.ScalarAsync("SELECT COUNT(*) FROM device_credentials WHERE session_id = @s", ("@s", sessionId)));
        await GatewayHarness.WaitUntilAsync(async () => !(await harness.Sim.GetJsonAsync($"sim/phones/{Me}"))["devices"]!.AsArray().Any(d => d!["online"]!.GetValue<bool>()),
            "the deleted session's socket to close");
    }

    [Fact]
    public async Task Media_is_fetched_from_a_url_and_a_url_that_fails_is_a_typed_error()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var session = await harness.PairSessionAsync("url-" + Guid.NewGuid().ToString("N"), Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        var picture = Enumerable.Range(0, 4096).Select(i => (byte)(i % 251)).ToArray();
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                if (context.Request.Url!.AbsolutePath == "/photo.png")
                {
                    context.Response.ContentType = "image/png";
                    await context.Response.OutputStream.WriteAsync(picture);
                }
                else
                {
                    context.Response.StatusCode = 404;
                }

                context.Response.Close();
            }
        });

        var sent = await session.SendAsync(new SendMessageRequest
        {
            To = Peer,
            Content = new MessageContent { Kind = MessageKind.Image, Text = "from a url", Media = new MediaSource { Url = $"http://127.0.0.1:{port}/photo.png" } },
        });
        var entry = await harness.WaitForInboxAsync(Peer, sent.MessageId);
        Assert.Equal(picture.Length, entry["media"]!["size"]!.GetValue<int>());
        Assert.True(entry["media"]!["verified"]!.GetValue<bool>());
        Assert.Equal("image/png", JsonNode.Parse(entry["message"]!.GetValue<string>())!["imageMessage"]!["mimetype"]!.GetValue<string>());

        var missing = await Assert.ThrowsAsync<GatewayException>(() => session.SendAsync(new SendMessageRequest
        {
            To = Peer,
            Content = new MessageContent { Kind = MessageKind.Document, Media = new MediaSource { Url = $"http://127.0.0.1:{port}/gone.pdf" } },
        }));
        Assert.Equal((GatewayErrorKind.Unprocessable, "media_download_failed", "content.media.url"), (missing.Kind, missing.Code, missing.Field));
        listener.Stop();
        await serving;
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
