using WaOrleans.Protocol.Tests.Support;

namespace WaOrleans.Protocol.Tests.Proto;

/// <summary>
/// Round-trips messages between Google.Protobuf and Baileys/libsignal-node: every message type
/// with every field set, and hand-written samples of what the gateway really sends and receives.
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class ProtoRoundTripTests(InteropHarness harness)
{
    public static TheoryData<string> MessageNames => new(ProtoSchema.Messages.Select(m => m.FullName));

    public static TheoryData<string> SampleNames => new(ProtoSamples.All.Keys);

    [Theory]
    [MemberData(nameof(MessageNames))]
    public Task Every_field_survives_a_round_trip(string fullName) =>
        ProtoRoundTrip.AssertAsync(harness, ProtoFiller.Fill(ProtoSchema.Find(fullName)));

    [Theory]
    [MemberData(nameof(SampleNames))]
    public Task Gateway_sample_survives_a_round_trip(string name) =>
        ProtoRoundTrip.AssertAsync(harness, ProtoSamples.All[name]());
}
