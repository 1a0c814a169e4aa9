using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace WaOrleans.Simulator.Tests.Support;

/// <summary>Drives a <see cref="WaSimServer"/>'s control API over HTTP, as a test or an operator would.</summary>
public sealed class SimClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates a client for the server's control API.</summary>
    public SimClient(WaSimServer server) => _http = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Creates a simulated phone and returns its account.</summary>
    public async Task<JsonNode> CreatePhoneAsync(string phone, string pushName = "Sim Phone")
    {
        using var response = await _http.PostAsJsonAsync("sim/phones", new { phone, pushName });
        return await ReadAsync(response, 201);
    }

    /// <summary>Posts a JSON body and returns the response (the caller checks the status).</summary>
    public Task<HttpResponseMessage> PostAsync(string path, object body) => _http.PostAsJsonAsync(path, body);

    /// <summary>Gets a path and returns its JSON, failing unless the status is 200.</summary>
    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        return await ReadAsync(response, 200);
    }

    /// <summary>Gets a path and returns the response.</summary>
    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    /// <summary>Posts a JSON body and returns the JSON answer, failing unless the status is <paramref name="expectedStatus"/>.</summary>
    public async Task<JsonNode?> PostOkAsync(string path, object body, int expectedStatus = 200)
    {
        using var response = await _http.PostAsJsonAsync(path, body);
        return expectedStatus == 204 ? null : await ReadAsync(response, expectedStatus);
    }

    /// <summary>Disposes the HTTP client.</summary>
    public void Dispose() => _http.Dispose();

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, int expectedStatus)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }
}
