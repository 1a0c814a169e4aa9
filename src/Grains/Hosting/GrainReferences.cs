namespace WaOrleans.Grains.Hosting;

/// <summary>
/// Grain references by string key without Orleans reading the interface's attributes again:
/// <see cref="IGrainFactory.GetGrain{TGrainInterface}(string, string?)"/> resolves the interface by
/// reflection at every call (its resolver keeps no cache), about 2% of a send's CPU in the API's
/// two lookups per request. The grain and interface types of each interface are
/// taken from the first reference made the ordinary way, then reused.
/// </summary>
public static class GrainReferences
{
    /// <summary>Gets a reference to the grain of <typeparamref name="TGrain"/> with <paramref name="key"/>.</summary>
    public static TGrain GetGrainByKey<TGrain>(this IGrainFactory grains, string key)
        where TGrain : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (Resolved<TGrain>.Types is { } types)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(key);
            return (TGrain)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        }

        var grain = grains.GetGrain<TGrain>(key);
        // A system type stands for an implementation not resolved yet (a client before it knows the
        // cluster's grain types): not one to keep.
        if (grain is GrainReference reference && !reference.GrainId.Type.ToString()!.StartsWith("sys.", StringComparison.Ordinal))
        {
            Resolved<TGrain>.Types = new(reference.GrainId.Type, reference.InterfaceType);
        }

        return grain;
    }

    private sealed record ResolvedTypes(GrainType Grain, GrainInterfaceType Interface);

    private static class Resolved<TGrain>
    {
        public static volatile ResolvedTypes? Types;
    }
}
