namespace WaOrleans.Protocol.Signal;

/// <summary>A device number of a user: 0 is the primary (the phone), companions count up.</summary>
/// <param name="Value">The device number.</param>
public readonly record struct DeviceId(uint Value)
{
    /// <summary>Formats the device number.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The id of a one-time prekey (1 to <see cref="SignalConstants.MaxPreKeyId"/>).</summary>
/// <param name="Value">The id.</param>
public readonly record struct PreKeyId(uint Value)
{
    /// <summary>Formats the id.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The id of a signed prekey.</summary>
/// <param name="Value">The id.</param>
public readonly record struct SignedPreKeyId(uint Value)
{
    /// <summary>Formats the id.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A device's 14-bit registration id, sent in PreKeyWhisperMessages and bundles.</summary>
/// <param name="Value">The id.</param>
public readonly record struct RegistrationId(uint Value)
{
    /// <summary>Formats the id.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The id of a sender key (a group sending chain), random in [0, 2^31).</summary>
/// <param name="Value">The id.</param>
public readonly record struct SenderKeyId(uint Value)
{
    /// <summary>Formats the id.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
