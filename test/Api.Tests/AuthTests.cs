using System.Net.Http.Json;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>Keys and tenants as a boundary: who may call what, and that nobody learns of another tenant's sessions.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class AuthTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public async Task No_key_is_a_401_with_WWW_Authenticate_in_the_error_shape()
    {
        using var anonymous = gateway.Client(null);
        using var response = await anonymous.GetAsync("api/sessions");
        await response.AssertErrorAsync(401, "unauthorized");
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wao_not_a_real_key")]
    [InlineData("")]
    [InlineData("x")]
    public async Task An_unknown_or_malformed_key_is_a_401(string key)
    {
        using var client = gateway.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/sessions");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        using var response = await client.SendAsync(request);
        await response.AssertErrorAsync(401);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task A_key_too_long_to_be_one_is_a_401_not_a_crash()
    {
        using var client = gateway.Client(new string('k', 5000));
        using var response = await client.GetAsync("api/sessions");
        await response.AssertErrorAsync(401, "invalid_key");
    }

    [Fact]
    public async Task The_X_API_Key_header_works_like_a_bearer_token()
    {
        using var client = gateway.Client(null);
        client.DefaultRequestHeaders.Add("X-API-Key", gateway.AdminKey);
        await client.GetJsonOkAsync("api/tenants");
    }

    [Fact]
    public async Task A_revoked_key_is_a_401_at_once_and_a_rotated_key_replaces_the_old_one()
    {
        var tenant = await gateway.NewTenantAsync();
        var (id, key) = await gateway.NewKeyAsync("tenant", tenant);
        using var client = gateway.Client(key);
        await client.GetJsonOkAsync("api/sessions");

        var rotated = await gateway.Admin.PostJsonOkAsync($"api/keys/{id}/rotate", null);
        var newKey = rotated["key"]!.GetValue<string>();
        Assert.NotEqual(key, newKey);
        using (var old = await client.GetAsync("api/sessions"))
        {
            await old.AssertErrorAsync(401, "invalid_key");
        }

        using var fresh = gateway.Client(newKey);
        await fresh.GetJsonOkAsync("api/sessions");

        using var revoke = await gateway.Admin.DeleteAsync($"api/keys/{rotated["id"]}");
        Assert.Equal(204, (int)revoke.StatusCode);
        using (var revoked = await fresh.GetAsync("api/sessions"))
        {
            await revoked.AssertErrorAsync(401, "invalid_key");
        }

        // Revoking again, or rotating a revoked key, is a 404: nothing is left to act on.
        using (var again = await gateway.Admin.DeleteAsync($"api/keys/{rotated["id"]}"))
        {
            await again.AssertErrorAsync(404, "key_not_found");
        }

        using var rotateRevoked = await gateway.Admin.PostAsync($"api/keys/{id}/rotate", null);
        await rotateRevoked.AssertErrorAsync(404, "key_not_found");
    }

    [Fact]
    public async Task A_tenant_key_sees_only_its_tenant_and_another_tenants_session_is_a_404()
    {
        var mine = await gateway.NewTenantAsync();
        var theirs = await gateway.NewTenantAsync();
        var (_, myKey) = await gateway.NewKeyAsync("tenant", mine);
        var (_, theirKey) = await gateway.NewKeyAsync("tenant", theirs);
        using var me = gateway.Client(myKey);
        using var them = gateway.Client(theirKey);
        var mySession = await GatewayFixture.NewSessionAsync(me);
        var theirSession = await GatewayFixture.NewSessionAsync(them);

        var listed = (await me.GetJsonOkAsync("api/sessions"))["items"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();
        Assert.Equal([mySession], listed);
        var created = await me.GetJsonOkAsync($"api/sessions/{mySession}");
        Assert.Equal(mine, created["tenantId"]!.GetValue<string>());

        // Every route on another tenant's session answers exactly like a session that does not exist.
        var connect = new { method = "qr" };
        // A send checks the tenant in the session's own grain call, not in a lookup before it.
        var send = new { to = "15551234567", text = "hello" };
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, $"api/sessions/{theirSession}", null),
            (HttpMethod.Delete, $"api/sessions/{theirSession}", null),
            (HttpMethod.Post, $"api/sessions/{theirSession}/connect", connect),
            (HttpMethod.Get, $"api/sessions/{theirSession}/qr", null),
            (HttpMethod.Get, $"api/sessions/{theirSession}/messages", null),
            (HttpMethod.Post, $"api/sessions/{theirSession}/messages", send),
            (HttpMethod.Get, $"api/sessions/{theirSession}/webhooks", null),
        })
        {
            using var response = await me.SendJsonAsync(method, path, body);
            var error = await response.AssertErrorAsync(404, "session_not_found");
            using var missing = await me.SendJsonAsync(method, path.Replace(theirSession, "no-such-session", StringComparison.Ordinal), body);
            var missingError = await missing.AssertErrorAsync(404, "session_not_found");
            Assert.Equal(missingError["message"]!.GetValue<string>().Replace("no-such-session", "X", StringComparison.Ordinal), error["message"]!.GetValue<string>().Replace(theirSession, "X", StringComparison.Ordinal));
        }

        // The other tenant's session is untouched.
        Assert.Equal("created", (await them.GetJsonOkAsync($"api/sessions/{theirSession}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_tenant_key_cannot_reach_admin_routes_or_other_tenants_keys()
    {
        var tenant = await gateway.NewTenantAsync();
        var other = await gateway.NewTenantAsync();
        var (_, key) = await gateway.NewKeyAsync("tenant", tenant);
        var (otherKeyId, _) = await gateway.NewKeyAsync("tenant", other);
        using var client = gateway.Client(key);

        using (var tenants = await client.GetAsync("api/tenants"))
        {
            await tenants.AssertErrorAsync(403, "forbidden");
        }

        using (var create = await client.PostAsJsonAsync("api/tenants", new { tenantId = GatewayFixture.NewId("x-") }))
        {
            await create.AssertErrorAsync(403, "forbidden");
        }

        using (var admin = await client.PostAsJsonAsync("api/keys", new { kind = "admin" }))
        {
            await admin.AssertErrorAsync(403, "forbidden");
        }

        using (var foreignKey = await client.PostAsJsonAsync("api/keys", new { kind = "tenant", tenantId = other }))
        {
            await foreignKey.AssertErrorAsync(404, "tenant_not_found");
        }

        using (var revokeForeign = await client.DeleteAsync($"api/keys/{otherKeyId}"))
        {
            await revokeForeign.AssertErrorAsync(404, "key_not_found");
        }

        var keys = (await client.GetJsonOkAsync("api/keys"))["items"]!.AsArray();
        Assert.All(keys, k => Assert.Equal(tenant, k!["tenantId"]!.GetValue<string>()));
        Assert.DoesNotContain(keys, k => k!["id"]!.GetValue<string>() == otherKeyId);
    }

    [Fact]
    public async Task A_session_key_reads_and_sends_for_its_session_only_and_gets_403_on_management_routes()
    {
        var tenant = await gateway.NewTenantAsync();
        var (_, tenantKey) = await gateway.NewKeyAsync("tenant", tenant);
        using var owner = gateway.Client(tenantKey);
        var session = await GatewayFixture.NewSessionAsync(owner);
        var sibling = await GatewayFixture.NewSessionAsync(owner);
        var created = await owner.PostJsonOkAsync("api/keys", new { kind = "session", sessionId = session }, 201);
        Assert.Equal(tenant, created["tenantId"]!.GetValue<string>());
        using var client = gateway.Client(created["key"]!.GetValue<string>());

        await client.GetJsonOkAsync($"api/sessions/{session}");
        var listed = (await client.GetJsonOkAsync("api/sessions"))["items"]!.AsArray();
        Assert.Equal(session, Assert.Single(listed)!["id"]!.GetValue<string>());
        await client.GetJsonOkAsync($"api/sessions/{session}/messages");
        using (var otherSession = await client.GetAsync($"api/sessions/{sibling}"))
        {
            await otherSession.AssertErrorAsync(404, "session_not_found");
        }

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "api/tenants"),
            (HttpMethod.Get, "api/keys"),
            (HttpMethod.Get, "api/usage"),
            (HttpMethod.Get, "api/webhooks"),
            (HttpMethod.Post, "api/sessions"),
            (HttpMethod.Delete, $"api/sessions/{session}"),
            (HttpMethod.Post, $"api/sessions/{session}/connect"),
            (HttpMethod.Post, $"api/sessions/{session}/logout"),
            (HttpMethod.Get, $"api/sessions/{session}/webhooks"),
        })
        {
            using var response = await client.SendJsonAsync(method, path, method == HttpMethod.Post ? new { id = "x" } : null);
            await response.AssertErrorAsync(403, "forbidden");
        }

        Assert.Equal("created", (await owner.GetJsonOkAsync($"api/sessions/{session}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_session_key_for_a_session_the_caller_cannot_see_is_refused_as_unknown()
    {
        var tenant = await gateway.NewTenantAsync();
        var other = await gateway.NewTenantAsync();
        var (_, key) = await gateway.NewKeyAsync("tenant", tenant);
        var (_, otherKey) = await gateway.NewKeyAsync("tenant", other);
        using var otherClient = gateway.Client(otherKey);
        var foreignSession = await GatewayFixture.NewSessionAsync(otherClient);
        using var client = gateway.Client(key);
        using var response = await client.PostAsJsonAsync("api/keys", new { kind = "session", sessionId = foreignSession });
        await response.AssertErrorAsync(404, "session_not_found");
    }

    [Fact]
    public async Task Key_lists_show_the_prefix_and_never_the_key()
    {
        var tenant = await gateway.NewTenantAsync();
        var (id, key) = await gateway.NewKeyAsync("tenant", tenant);
        using var response = await gateway.Admin.GetAsync($"api/keys?tenantId={tenant}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)response.StatusCode);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.DoesNotContain(key[12..], text, StringComparison.Ordinal);
        var listed = System.Text.Json.Nodes.JsonNode.Parse(text)!["items"]!.AsArray().Single(k => k!["id"]!.GetValue<string>() == id)!;
        Assert.Equal(key[..12], listed["prefix"]!.GetValue<string>());
        Assert.Equal("tenant", listed["kind"]!.GetValue<string>());
    }
}
