namespace WaOrleans.Api.Operations;

/// <summary>Example request bodies shown in the OpenAPI document, by operation id.</summary>
public static class ApiExamples
{
    /// <summary>Gets the examples.</summary>
    public static IReadOnlyDictionary<string, string> Requests { get; } = new Dictionary<string, string>
    {
        ["CreateTenant"] = """{"tenantId":"acme","name":"Acme Corp","maxSessions":10,"dailyMessageLimit":5000}""",
        ["CreateKey"] = """{"kind":"session","sessionId":"support","name":"support bot"}""",
        ["CreateSession"] = """{"id":"support","name":"Support line"}""",
        ["ConnectSession"] = """{"method":"pairing_code","phoneNumber":"+1 555 123 4567"}""",
        ["SendMessage"] = """{"to":"+1 555 123 4567","type":"text","text":"Your code is 123456","footer":"Acme"}""",
        ["Send"] = """{"to":"15551234567","message":"Your order has shipped"}""",
        ["StartBroadcast"] = """{"recipients":["+15551230001",{"phone":"+15551230002","name":"Ana"}],"message":{"type":"text","text":"Hi {{name}}!"},"delayMin":1000,"delayMax":3000}""",
        ["CheckNumbers"] = """{"phones":["+15551230001","+15551230002"]}""",
        ["CreateSessionWebhook"] = """{"url":"https://example.com/hooks/whatsapp","events":["message.received","session.status"]}""",
        ["CreateTenantWebhook"] = """{"url":"https://example.com/hooks/whatsapp","events":["*"]}""",
        ["UpdateWebhook"] = """{"enabled":true}""",
    };
}
