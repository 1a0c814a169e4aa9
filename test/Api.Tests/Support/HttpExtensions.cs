using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace WaOrleans.Api.Tests.Support;

/// <summary>JSON requests and the API's error shape, asserted the same way everywhere.</summary>
public static class HttpExtensions
{
    /// <summary>Reads the body as JSON.</summary>
    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonNode.Parse(text) ?? throw new InvalidOperationException("null body");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} with a body that is not JSON: {Excerpt(text)}", e);
        }
    }

    /// <summary>Posts JSON and returns the answer's JSON, failing unless the status is <paramref name="expected"/>.</summary>
    public static async Task<JsonNode> PostJsonOkAsync(this HttpClient client, string path, object? body, int expected = 200)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsJsonAsync(path, body);
        return await ExpectAsync(response, expected);
    }

    /// <summary>Gets JSON, failing unless the status is <paramref name="expected"/>.</summary>
    public static async Task<JsonNode> GetJsonOkAsync(this HttpClient client, string path, int expected = 200)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync(path);
        return await ExpectAsync(response, expected);
    }

    /// <summary>Sends a raw body (malformed JSON and the like).</summary>
    public static Task<HttpResponseMessage> SendRawAsync(this HttpClient client, HttpMethod method, string path, string? body, string contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(client);
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        return client.SendAsync(request);
    }

    /// <summary>Sends JSON with any method.</summary>
    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object? body)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) });
    }

    /// <summary>Asserts the API's error shape with the status, and the code and field when given; returns the error object.</summary>
    public static async Task<JsonNode> AssertErrorAsync(this HttpResponseMessage response, int status, string? code = null, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {Excerpt(text)}");
        var error = JsonNode.Parse(text)?["error"] ?? throw new Xunit.Sdk.XunitException($"no error object: {Excerpt(text)}");
        Assert.Equal(status, error["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(error["code"]?.GetValue<string>()), "the error has no code");
        Assert.False(string.IsNullOrEmpty(error["message"]?.GetValue<string>()), "the error has no message");
        if (code is not null)
        {
            Assert.Equal(code, error["code"]!.GetValue<string>());
        }

        if (field is not null)
        {
            Assert.Equal(field, error["field"]?.GetValue<string>());
        }

        return error;
    }

    private static async Task<JsonNode> ExpectAsync(HttpResponseMessage response, int expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {expected}, got {(int)response.StatusCode}: {Excerpt(text)}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    private static string Excerpt(string text) => text.Length > 600 ? text[..600] + "…" : text;
}
