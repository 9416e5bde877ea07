// Ed25519 (RFC 8032, pure) through the system libcrypto.so.3. OSTree signs commits and summaries
// with ed25519 when built with OpenSSL; this wrapper does the same calls ostree makes:
// raw 32-byte seed -> EVP_PKEY_new_raw_private_key -> EVP_DigestSign (no digest: ed25519 hashes
// internally), and raw 32-byte public key -> EVP_PKEY_new_raw_public_key -> EVP_DigestVerify.
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Arbor.Native;

internal static unsafe partial class CryptoNative
{
    private const string Lib = "libcrypto.so.3";

    /// <summary>NID_ED25519 / EVP_PKEY_ED25519.</summary>
    internal const int EvpPkeyEd25519 = 1087;

    [LibraryImport(Lib, EntryPoint = "EVP_PKEY_new_raw_private_key")]
    internal static partial nint NewRawPrivateKey(int type, nint engine, byte* key, nuint keyLen);

    [LibraryImport(Lib, EntryPoint = "EVP_PKEY_new_raw_public_key")]
    internal static partial nint NewRawPublicKey(int type, nint engine, byte* key, nuint keyLen);

    [LibraryImport(Lib, EntryPoint = "EVP_PKEY_get_raw_public_key")]
    internal static partial int GetRawPublicKey(nint pkey, byte* pub, nuint* len);

    [LibraryImport(Lib, EntryPoint = "EVP_PKEY_free")]
    internal static partial void PkeyFree(nint pkey);

    [LibraryImport(Lib, EntryPoint = "EVP_MD_CTX_new")]
    internal static partial nint MdCtxNew();

    [LibraryImport(Lib, EntryPoint = "EVP_MD_CTX_free")]
    internal static partial void MdCtxFree(nint ctx);

    [LibraryImport(Lib, EntryPoint = "EVP_DigestSignInit")]
    internal static partial int DigestSignInit(nint ctx, nint pctx, nint type, nint engine, nint pkey);

    [LibraryImport(Lib, EntryPoint = "EVP_DigestSign")]
    internal static partial int DigestSign(nint ctx, byte* sig, nuint* sigLen, byte* data, nuint dataLen);

    [LibraryImport(Lib, EntryPoint = "EVP_DigestVerifyInit")]
    internal static partial int DigestVerifyInit(nint ctx, nint pctx, nint type, nint engine, nint pkey);

    [LibraryImport(Lib, EntryPoint = "EVP_DigestVerify")]
    internal static partial int DigestVerify(nint ctx, byte* sig, nuint sigLen, byte* data, nuint dataLen);

    [LibraryImport(Lib, EntryPoint = "ERR_clear_error")]
    internal static partial void ErrClearError();
}

/// <summary>Ed25519 signatures (RFC 8032) over libcrypto.</summary>
public static unsafe class Ed25519
{
    /// <summary>Length of a seed (the private scalar's source).</summary>
    public const int SeedSize = 32;

    /// <summary>Length of a public key.</summary>
    public const int PublicKeySize = 32;

    /// <summary>Length of a signature.</summary>
    public const int SignatureSize = 64;

    /// <summary>Signs <paramref name="message"/> with the key derived from the 32-byte <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    /// <exception cref="CryptographicException">libcrypto refused.</exception>
    public static byte[] Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> message)
    {
        if (seed.Length != SeedSize)
            throw new ArgumentException($"ed25519 seed must be {SeedSize} bytes, got {seed.Length}", nameof(seed));
        var sig = new byte[SignatureSize];
        nint pkey;
        fixed (byte* s = seed)
            pkey = CryptoNative.NewRawPrivateKey(CryptoNative.EvpPkeyEd25519, 0, s, SeedSize);
        if (pkey == 0)
            throw Fail("EVP_PKEY_new_raw_private_key");
        nint ctx = CryptoNative.MdCtxNew();
        try
        {
            if (ctx == 0 || CryptoNative.DigestSignInit(ctx, 0, 0, 0, pkey) != 1)
                throw Fail("EVP_DigestSignInit");
            nuint len = SignatureSize;
            fixed (byte* sp = sig)
            fixed (byte* m = message)
            {
                byte dummy = 0;
                if (CryptoNative.DigestSign(ctx, sp, &len, m == null ? &dummy : m, (nuint)message.Length) != 1 || len != SignatureSize)
                    throw Fail("EVP_DigestSign");
            }
            return sig;
        }
        finally
        {
            if (ctx != 0)
                CryptoNative.MdCtxFree(ctx);
            CryptoNative.PkeyFree(pkey);
        }
    }

    /// <summary>True when <paramref name="signature"/> is a valid signature of <paramref name="message"/> by <paramref name="publicKey"/>.</summary>
    /// <remarks>A public key or signature of the wrong length verifies nothing and returns false.</remarks>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize)
            return false;
        nint pkey;
        fixed (byte* p = publicKey)
            pkey = CryptoNative.NewRawPublicKey(CryptoNative.EvpPkeyEd25519, 0, p, PublicKeySize);
        if (pkey == 0)
        {
            CryptoNative.ErrClearError();
            return false;
        }
        nint ctx = CryptoNative.MdCtxNew();
        try
        {
            if (ctx == 0 || CryptoNative.DigestVerifyInit(ctx, 0, 0, 0, pkey) != 1)
                throw Fail("EVP_DigestVerifyInit");
            fixed (byte* s = signature)
            fixed (byte* m = message)
            {
                byte dummy = 0;
                int rc = CryptoNative.DigestVerify(ctx, s, SignatureSize, m == null ? &dummy : m, (nuint)message.Length);
                if (rc != 1)
                    CryptoNative.ErrClearError();
                return rc == 1;
            }
        }
        finally
        {
            if (ctx != 0)
                CryptoNative.MdCtxFree(ctx);
            CryptoNative.PkeyFree(pkey);
        }
    }

    /// <summary>The public key belonging to <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    public static byte[] PublicKeyFromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSize)
            throw new ArgumentException($"ed25519 seed must be {SeedSize} bytes, got {seed.Length}", nameof(seed));
        nint pkey;
        fixed (byte* s = seed)
            pkey = CryptoNative.NewRawPrivateKey(CryptoNative.EvpPkeyEd25519, 0, s, SeedSize);
        if (pkey == 0)
            throw Fail("EVP_PKEY_new_raw_private_key");
        try
        {
            var pub = new byte[PublicKeySize];
            nuint len = PublicKeySize;
            fixed (byte* p = pub)
            {
                if (CryptoNative.GetRawPublicKey(pkey, p, &len) != 1 || len != PublicKeySize)
                    throw Fail("EVP_PKEY_get_raw_public_key");
            }
            return pub;
        }
        finally
        {
            CryptoNative.PkeyFree(pkey);
        }
    }

    /// <summary>A fresh random key pair: (seed, public key).</summary>
    public static (byte[] Seed, byte[] PublicKey) GenerateKeyPair()
    {
        var seed = RandomNumberGenerator.GetBytes(SeedSize);
        return (seed, PublicKeyFromSeed(seed));
    }

    private static CryptographicException Fail(string call)
    {
        CryptoNative.ErrClearError();
        return new CryptographicException($"libcrypto {call} failed for ed25519");
    }
}
