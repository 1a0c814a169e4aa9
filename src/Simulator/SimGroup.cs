using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>A group created through the control API: subject, creator and member accounts, addressed by LID as modern groups are.</summary>
/// <remarks>Mutable state is guarded by <see cref="SimState"/>'s lock.</remarks>
internal sealed class SimGroup(Jid jid, string subject, SimAccount creator, IEnumerable<SimAccount> members, DateTimeOffset created)
{
    /// <summary>Gets the group JID (<c>…@g.us</c>).</summary>
    public Jid Jid { get; } = jid;

    /// <summary>Gets the subject.</summary>
    public string Subject { get; } = subject;

    /// <summary>Gets the account that created the group; it is its super admin.</summary>
    public SimAccount Creator { get; } = creator;

    /// <summary>Gets the member accounts, the creator included.</summary>
    public List<SimAccount> Members { get; } = [.. members.Prepend(creator).Distinct()];

    /// <summary>Gets when the group was created.</summary>
    public DateTimeOffset Created { get; } = created;

    /// <summary>Describes the group by its JID.</summary>
    public override string ToString() => $"SimGroup({Jid})";
}
