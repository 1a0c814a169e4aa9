namespace WaOrleans.Simulator;

/// <summary>A control-API request the simulator refuses; carries the HTTP status to answer with.</summary>
internal sealed class SimRequestException(int statusCode, string message) : Exception(message)
{
    /// <summary>Gets the HTTP status code.</summary>
    public int StatusCode { get; } = statusCode;
}
