namespace WaOrleans.Protocol.Events;

/// <summary>
/// Fires when an unpaired client has a QR code to show, and again each time the previous one
/// expires (the first lives 60 s, later ones 20 s, as WhatsApp Web does). Show <see cref="Code"/>
/// as a QR image in place of the previous one; the phone scans it under Linked devices. After the
/// server's last ref the client disconnects (<see cref="DisconnectedEvent"/>); start it again for new codes.
/// </summary>
/// <param name="Code">The raw QR string (<c>https://wa.me/settings/linked_devices#ref,noise,identity,adv,platform</c>); it carries public keys and the ADV secret, so show it only to the user.</param>
/// <param name="Lifetime">How long this code stays valid.</param>
public sealed record QrCodeEvent(string Code, TimeSpan Lifetime) : WaEvent
{
    /// <summary>Describes the event without the code, which holds the ADV secret.</summary>
    public override string ToString() => $"QrCodeEvent(lifetime {Lifetime})";
}
