namespace WaOrleans.Protocol.Binary;

/// <summary>
/// Lists the tag bytes of the binary node format that are not single-byte tokens (Baileys
/// <c>TAGS</c>, whatsmeow <c>token</c>). Bytes 1 to 235 index <see cref="Tokens"/>' single-byte table.
/// </summary>
internal enum TokenTag : byte
{
    /// <summary>Marks an empty list, or a missing string (the user part of a server JID).</summary>
    ListEmpty = 0,

    /// <summary>Selects double-byte dictionary 0; the next byte is the index.</summary>
    Dictionary0 = 236,

    /// <summary>Selects double-byte dictionary 1; the next byte is the index.</summary>
    Dictionary1 = 237,

    /// <summary>Selects double-byte dictionary 2; the next byte is the index.</summary>
    Dictionary2 = 238,

    /// <summary>Selects double-byte dictionary 3; the next byte is the index.</summary>
    Dictionary3 = 239,

    /// <summary>Starts an interop JID: user string, device u16, integrator u16, server string.</summary>
    InteropJid = 245,

    /// <summary>Starts a Messenger JID: user string, device u16, server string.</summary>
    FbJid = 246,

    /// <summary>Starts a device JID: domain type u8, device u8, user string.</summary>
    AdJid = 247,

    /// <summary>Starts a list whose size follows as one byte.</summary>
    List8 = 248,

    /// <summary>Starts a list whose size follows as a big-endian u16.</summary>
    List16 = 249,

    /// <summary>Starts a user@server JID: user string (or <see cref="ListEmpty"/>), server string.</summary>
    JidPair = 250,

    /// <summary>Starts a packed string of upper-case hex digits.</summary>
    Hex8 = 251,

    /// <summary>Starts a byte string whose length follows as one byte.</summary>
    Binary8 = 252,

    /// <summary>Starts a byte string whose length follows as three bytes, of which the low 20 bits count.</summary>
    Binary20 = 253,

    /// <summary>Starts a byte string whose length follows as a big-endian u32.</summary>
    Binary32 = 254,

    /// <summary>Starts a packed string of decimal digits, '-' and '.'.</summary>
    Nibble8 = 255,
}
