using System.Runtime.InteropServices;

namespace WaOrleans.Protocol.Crypto;

/// <summary>
/// The few libsodium functions the curve code needs, bound by P/Invoke to the native library that
/// the <c>libsodium</c> NuGet package ships for every runtime.
/// </summary>
/// <remarks>
/// Every function returns 0 on success and -1 on failure (a low-order point, a zero result, a
/// non-canonical encoding). The wrappers in <see cref="Curve25519"/> turn failures into
/// <see cref="CryptoException"/>s.
/// </remarks>
internal static partial class Sodium
{
    private const string Library = "libsodium";

    /// <summary>Size of an Ed25519 scalar and of a compressed point.</summary>
    internal const int ScalarSize = 32;

    /// <summary>Size of the input to <see cref="ScalarReduce"/>: a SHA-512 digest.</summary>
    internal const int NonReducedScalarSize = 64;

    static Sodium()
    {
        // sodium_init picks the fastest implementations for this CPU; it is idempotent and
        // returns 1 when already initialised, -1 only if the library cannot be used at all.
        if (sodium_init() < 0)
        {
            throw new CryptoException("libsodium failed to initialise");
        }
    }

    internal static int ScalarMultCurve25519(Span<byte> q, ReadOnlySpan<byte> n, ReadOnlySpan<byte> p) =>
        crypto_scalarmult_curve25519(q, n, p);

    internal static int ScalarMultCurve25519Base(Span<byte> q, ReadOnlySpan<byte> n) =>
        crypto_scalarmult_curve25519_base(q, n);

    internal static int ScalarMultEd25519BaseNoClamp(Span<byte> q, ReadOnlySpan<byte> n) =>
        crypto_scalarmult_ed25519_base_noclamp(q, n);

    internal static void ScalarReduce(Span<byte> r, ReadOnlySpan<byte> s) => crypto_core_ed25519_scalar_reduce(r, s);

    internal static void ScalarMul(Span<byte> z, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y) =>
        crypto_core_ed25519_scalar_mul(z, x, y);

    internal static void ScalarAdd(Span<byte> z, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y) =>
        crypto_core_ed25519_scalar_add(z, x, y);

    internal static int VerifyEd25519(ReadOnlySpan<byte> sig, ReadOnlySpan<byte> m, ReadOnlySpan<byte> pk) =>
        crypto_sign_ed25519_verify_detached(sig, m, (ulong)m.Length, pk);

    [LibraryImport(Library)]
    private static partial int sodium_init();

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult_curve25519(Span<byte> q, ReadOnlySpan<byte> n, ReadOnlySpan<byte> p);

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult_curve25519_base(Span<byte> q, ReadOnlySpan<byte> n);

    [LibraryImport(Library)]
    private static partial int crypto_scalarmult_ed25519_base_noclamp(Span<byte> q, ReadOnlySpan<byte> n);

    [LibraryImport(Library)]
    private static partial void crypto_core_ed25519_scalar_reduce(Span<byte> r, ReadOnlySpan<byte> s);

    [LibraryImport(Library)]
    private static partial void crypto_core_ed25519_scalar_mul(Span<byte> z, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y);

    [LibraryImport(Library)]
    private static partial void crypto_core_ed25519_scalar_add(Span<byte> z, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y);

    [LibraryImport(Library)]
    private static partial int crypto_sign_ed25519_verify_detached(
        ReadOnlySpan<byte> sig, ReadOnlySpan<byte> m, ulong mlen, ReadOnlySpan<byte> pk);
}
