using System.Net.Http.Json;
using WaOrleans.Api.Tests.Support;

namespace WaOrleans.Api.Tests;

/// <summary>Tenants, their quotas and the usage report.</summary>
[Collection(SqliteGatewayCollection.Name)]
public sealed class TenantTests(SqliteGatewayFixture gateway)
{
    [Fact]
    public async Task The_admin_creates_lists_and_gets_tenants_and_a_duplicate_is_a_409()
    {
        var id = GatewayFixture.NewId("t-");
        var created = await gateway.Admin.PostJsonOkAsync("api/tenants", new { tenantId = id, name = "Acme", maxSessions = 3, dailyMessageLimit = 100 }, 201);
        Assert.Equal("Acme", created["name"]!.GetValue<string>());
        Assert.Equal(3, created["maxSessions"]!.GetValue<int>());

        var listed = (await gateway.Admin.GetJsonOkAsync("api/tenants"))["items"]!.AsArray();
        Assert.Contains(listed, t => t!["tenantId"]!.GetValue<string>() == id);
        Assert.Contains(listed, t => t!["tenantId"]!.GetValue<string>() == "default");
        Assert.Equal(100, (await gateway.Admin.GetJsonOkAsync($"api/tenants/{id}"))["dailyMessageLimit"]!.GetValue<int>());

        using var again = await gateway.Admin.PostAsJsonAsync("api/tenants", new { tenantId = id });
        await again.AssertErrorAsync(409, "tenant_exists", "tenantId");
        Assert.Equal("Acme", (await gateway.Admin.GetJsonOkAsync($"api/tenants/{id}"))["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"tenantId":"Upper"}""", "invalid_tenant_id", "tenantId")]
    [InlineData("""{"tenantId":"has space"}""", "invalid_tenant_id", "tenantId")]
    [InlineData("""{"tenantId":"-lead"}""", "invalid_tenant_id", "tenantId")]
    [InlineData("""{"name":"no id"}""", "missing_field", "tenantId")]
    [InlineData("""{"tenantId":"ok-id","maxSessions":-1}""", "invalid_limit", "maxSessions")]
    [InlineData("""{"tenantId":"ok-id","dailyMessageLimit":"ten"}""", "invalid_json", "dailyMessageLimit")]
    [InlineData("""{"tenantId":7}""", "invalid_json", "tenantId")]
    [InlineData("""{"tenantId":"ok-id",""", "invalid_json", null)]
    public async Task Bad_tenant_bodies_are_400s_naming_the_field_and_create_nothing(string body, string code, string? field)
    {
        var before = (await gateway.Admin.GetJsonOkAsync("api/tenants"))["items"]!.AsArray().Count;
        using var response = await gateway.Admin.SendRawAsync(HttpMethod.Post, "api/tenants", body);
        await response.AssertErrorAsync(400, code, field);
        Assert.Equal(before, (await gateway.Admin.GetJsonOkAsync("api/tenants"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task An_unknown_tenant_is_a_404()
    {
        using var response = await gateway.Admin.GetAsync("api/tenants/no-such-tenant");
        await response.AssertErrorAsync(404, "tenant_not_found");
    }

    [Fact]
    public async Task Usage_counts_sessions_against_the_quota_and_the_quota_refuses_one_more_with_a_429()
    {
        var tenant = await gateway.NewTenantAsync(maxSessions: 1, dailyMessageLimit: 50);
        var (_, key) = await gateway.NewKeyAsync("tenant", tenant);
        using var client = gateway.Client(key);
        var empty = await client.GetJsonOkAsync("api/usage");
        Assert.Equal(tenant, empty["tenantId"]!.GetValue<string>());
        Assert.Equal(0, empty["sessions"]!["used"]!.GetValue<long>());
        Assert.Equal(1, empty["sessions"]!["allowed"]!.GetValue<long>());
        Assert.Equal(0, empty["messagesToday"]!["used"]!.GetValue<long>());
        Assert.Equal(50, empty["messagesToday"]!["allowed"]!.GetValue<long>());

        await GatewayFixture.NewSessionAsync(client);
        using var over = await client.PostAsJsonAsync("api/sessions", new { id = GatewayFixture.NewId("s-") });
        var error = await over.AssertErrorAsync(429, "session_quota_reached");
        Assert.Equal(1, error["limit"]!.GetValue<long>());
        Assert.Equal(1, error["used"]!.GetValue<long>());

        var used = await client.GetJsonOkAsync("api/usage");
        Assert.Equal(1, used["sessions"]!["used"]!.GetValue<long>());
        var byAdmin = await gateway.Admin.GetJsonOkAsync($"api/usage?tenantId={tenant}");
        Assert.Equal(1, byAdmin["sessions"]!["used"]!.GetValue<long>());
    }

    [Fact]
    public async Task Usage_of_an_unknown_tenant_is_a_404()
    {
        using var response = await gateway.Admin.GetAsync("api/usage?tenantId=no-such-tenant");
        await response.AssertErrorAsync(404, "tenant_not_found");
    }
}
