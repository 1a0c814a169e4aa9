using QRCoder;
using WaOrleans.Grains.Sessions;

namespace WaOrleans.Api.Endpoints;

/// <summary>Renders a pairing QR string as PNG, SVG or terminal text with QRCoder.</summary>
public static class QrRendering
{
    /// <summary>Gets a PNG data URL of the code.</summary>
    public static string DataUrl(string qr) => "data:image/png;base64," + Convert.ToBase64String(Png(qr));

    /// <summary>Renders the code as a PNG.</summary>
    public static byte[] Png(string qr)
    {
        using var data = Encode(qr);
        return new PngByteQRCode(data).GetGraphic(ApiConstants.QrPixelsPerModule);
    }

    /// <summary>Renders the code as an SVG document.</summary>
    public static string Svg(string qr)
    {
        using var data = Encode(qr);
        return new SvgQRCode(data).GetGraphic(ApiConstants.QrPixelsPerModule);
    }

    /// <summary>Renders the code with block characters for a terminal (two rows per line).</summary>
    public static string Text(string qr)
    {
        using var data = Encode(qr);
        return new AsciiQRCode(data).GetGraphicSmall();
    }

    /// <summary>Gets the API word of a state (<c>pairing_code</c>, <c>logged_out</c>).</summary>
    public static string StateWord(SessionState state) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());

    // Level L, as WhatsApp Web renders it: the string is long, and a screen is a clean medium.
    private static QRCodeData Encode(string qr) => QRCodeGenerator.GenerateQrCode(qr, QRCodeGenerator.ECCLevel.L);
}
