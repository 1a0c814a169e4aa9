using Google.Protobuf;

namespace WaOrleans.Protocol.Signal.Messages;

/// <summary>Checks shared by the Signal wire messages: version byte, protobuf body, ciphertext shape.</summary>
internal static class WireFormat
{
    /// <summary>AES block size: CBC ciphertexts are a whole, non-zero number of blocks.</summary>
    private const int AesBlockSize = 16;

    /// <summary>Requires message version 3 in the version byte's high nibble.</summary>
    internal static void CheckVersion(byte versionByte, string what)
    {
        if (versionByte >> 4 != SignalConstants.CurrentVersion)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidVersion,
                $"{what} has version {versionByte >> 4}, not {SignalConstants.CurrentVersion}");
        }
    }

    /// <summary>Parses a protobuf body, turning malformed bytes into <see cref="SignalErrorKind.InvalidMessage"/>.</summary>
    internal static T ParseProto<T>(MessageParser<T> parser, ReadOnlySpan<byte> bytes, string what)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, $"{what} is not a valid protobuf", e);
            return default!;
        }
    }

    /// <summary>Requires a ciphertext of whole AES blocks.</summary>
    internal static void CheckCiphertext(ByteString ciphertext, string what)
    {
        if (ciphertext.Length == 0 || ciphertext.Length % AesBlockSize != 0)
        {
            SignalProtocolException.Throw(SignalErrorKind.InvalidMessage, $"{what} ciphertext is not whole AES blocks ({ciphertext.Length} bytes)");
        }
    }
}
