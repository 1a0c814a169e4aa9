namespace WaOrleans.Api.Contracts;

/// <summary>A list answer: <c>{"items": [...]}</c>, so fields can be added beside the items later.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The items.</param>
public sealed record ListResponse<T>(IReadOnlyList<T> Items);

/// <summary>The answer of a health probe.</summary>
/// <param name="Status"><c>ok</c> or <c>unavailable</c>.</param>
/// <param name="Checks">Each check and its outcome.</param>
public sealed record HealthResponse(string Status, IReadOnlyDictionary<string, string> Checks);
