// One-shot SHA-256, SHA-1 and MD5 through the system libcrypto.so.3 (the library rpm itself
// links). Reading an RPM checks its header digests; going through System.Security.Cryptography
// for that would load .NET's crypto assembly, its OpenSSL shim and libssl and parse openssl.cnf —
// more start-up than the whole check of a few hundred packages. These calls load only libcrypto.
using System.Runtime.InteropServices;

namespace Arbor.Native;

/// <summary>Message digests of in-memory data.</summary>
public static unsafe partial class Digest
{
    private const string Lib = "libcrypto.so.3";

    [LibraryImport(Lib, EntryPoint = "SHA256")]
    private static partial byte* Sha256Native(byte* data, nuint length, byte* md);

    [LibraryImport(Lib, EntryPoint = "SHA1")]
    private static partial byte* Sha1Native(byte* data, nuint length, byte* md);

    [LibraryImport(Lib, EntryPoint = "MD5")]
    private static partial byte* Md5Native(byte* data, nuint length, byte* md);

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static byte[] Sha256(ReadOnlySpan<byte> data) => Run(data, 32, &Sha256Native);

    /// <summary>SHA-1 of <paramref name="data"/> (legacy RPM header digests: verified, never trusted alone).</summary>
    public static byte[] Sha1(ReadOnlySpan<byte> data) => Run(data, 20, &Sha1Native);

    /// <summary>MD5 of <paramref name="data"/> (legacy RPM header+payload digests).</summary>
    public static byte[] Md5(ReadOnlySpan<byte> data) => Run(data, 16, &Md5Native);

    private static byte[] Run(ReadOnlySpan<byte> data, int size, delegate*<byte*, nuint, byte*, byte*> fn)
    {
        var md = new byte[size];
        fixed (byte* p = data)
        fixed (byte* m = md)
        {
            if (fn(p, (nuint)data.Length, m) == null)
                throw new NativeIOException("libcrypto digest", null, 0);
        }
        return md;
    }
}
