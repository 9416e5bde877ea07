// The signature engines a user picks with --sign-type, as ostree's OstreeSign interface defines
// them (ostree-sign.c, ostree-sign-ed25519.c, ostree-sign-dummy.c). Each engine signs bytes with a
// secret key given as a string, keeps a set of public keys, and checks an `aay` of signatures
// stored under "ostree.sign.<name>" (commit detached metadata, summary.sig, signed delta
// superblocks). Error texts are ostree's, so scripts written against ostree keep working:
//   ed25519  base64 64-byte secret keys, base64 32-byte public keys (Ed25519Signing holds the
//            cryptography and the key files); verification succeeds on the first signature that
//            any trusted, non-revoked key accepts.
//   dummy    ostree's test engine: the "signature" is the secret key string itself and verifying
//            compares it with the one public key string. It only works when
//            OSTREE_DUMMY_SIGN_ENABLED=1, exactly as in ostree, which makes it a way to exercise
//            signed formats against an ostree built without ed25519 support.

namespace Arbor.Ostree.Signing;

/// <summary>A signature engine: signs data with secret keys and verifies signatures against public keys.</summary>
public abstract class SignEngine
{
    /// <summary>The prefix of every signature key in an <c>a{sv}</c>.</summary>
    public const string MetadataKeyPrefix = "ostree.sign.";

    /// <summary>The engine's name, as given to --sign-type.</summary>
    public abstract string Name { get; }

    /// <summary>The <c>a{sv}</c> key under which the engine's signatures (an <c>aay</c>) are stored.</summary>
    public string MetadataKey => MetadataKeyPrefix + Name;

    /// <summary>The engines Arbor knows, by name.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ed25519", "dummy"];

    /// <summary>A fresh engine with no keys.</summary>
    /// <exception cref="OstreeException">No engine has that name.</exception>
    public static SignEngine Create(string name) => name switch
    {
        "ed25519" => new Ed25519SignEngine(),
        "dummy" => new DummySignEngine(),
        _ => throw new OstreeException("Requested signature type is not implemented"),
    };

    /// <summary>Signs <paramref name="data"/> with the secret key <paramref name="secretKey"/> (ostree_sign_set_sk then ostree_sign_data).</summary>
    /// <exception cref="OstreeException">The key is malformed or the engine is disabled.</exception>
    public abstract byte[] Sign(ReadOnlySpan<byte> data, string secretKey);

    /// <summary>Adds a trusted public key given on the command line (ostree_sign_add_pk).</summary>
    /// <exception cref="OstreeException">The key is malformed.</exception>
    public abstract void AddPublicKey(string publicKey);

    /// <summary>Loads trusted keys from <paramref name="file"/> alone, or else from the system locations under <paramref name="baseDir"/> (ostree_sign_load_pk).</summary>
    /// <exception cref="OstreeException">No keys could be loaded, or the engine cannot load keys.</exception>
    public abstract void LoadPublicKeys(string? file, string? baseDir);

    /// <summary>Checks <paramref name="signatures"/> (null: the metadata had none of this engine's) over <paramref name="data"/>.</summary>
    /// <returns>ostree's success message, e.g. "ed25519: Signature verified successfully with key 'HEX'".</returns>
    /// <exception cref="OstreeException">No signature verifies; the message says why.</exception>
    public abstract string Verify(ReadOnlySpan<byte> data, IReadOnlyList<byte[]>? signatures);
}

/// <summary>ed25519 signatures (ostree's default engine).</summary>
public sealed class Ed25519SignEngine : SignEngine
{
    /// <summary>An engine with no keys yet.</summary>
    public Ed25519SignEngine() : this(new Ed25519Keys()) { }

    /// <summary>An engine trusting <paramref name="keys"/>, e.g. a remote's (<see cref="Ed25519Signing.RemoteKeys"/>).</summary>
    public Ed25519SignEngine(Ed25519Keys keys) => Keys = keys;

    /// <summary>The trusted and revoked public keys loaded so far.</summary>
    public Ed25519Keys Keys { get; }

    /// <inheritdoc />
    public override string Name => "ed25519";

    /// <inheritdoc />
    public override byte[] Sign(ReadOnlySpan<byte> data, string secretKey) =>
        Ed25519Signing.SignData(data, Ed25519Keys.ParseSecret(secretKey));

    /// <inheritdoc />
    public override void AddPublicKey(string publicKey)
    {
        var key = Ed25519Keys.ParsePublic(publicKey);
        if (!Keys.Public.Any(k => k.AsSpan().SequenceEqual(key)))
            Keys.Public.Add(key);
    }

    /// <inheritdoc />
    public override void LoadPublicKeys(string? file, string? baseDir)
    {
        var loaded = Ed25519Signing.LoadPublicKeys(file, baseDir);
        foreach (var k in loaded.Public.Where(k => !Keys.Public.Any(p => p.AsSpan().SequenceEqual(k))))
            Keys.Public.Add(k);
        Keys.Revoked.AddRange(loaded.Revoked);
    }

    /// <inheritdoc />
    public override string Verify(ReadOnlySpan<byte> data, IReadOnlyList<byte[]>? signatures)
    {
        if (signatures is null)
            throw new OstreeException("ed25519: commit have no signatures of my type");
        // ostree falls back to the system key files when nothing was loaded explicitly.
        if (Keys.Public.Count == 0)
            LoadPublicKeys(null, null);
        return Ed25519Signing.VerifySignatures(data, signatures, Keys, out var error) ?? throw new OstreeException(error!);
    }
}

/// <summary>ostree's test-only engine: the signature is the key string itself.</summary>
public sealed class DummySignEngine : SignEngine
{
    /// <summary>The environment variable that must be "1" for the engine to sign or verify.</summary>
    public const string EnableVariable = "OSTREE_DUMMY_SIGN_ENABLED";

    private string? _publicKey;

    /// <inheritdoc />
    public override string Name => "dummy";

    private static void CheckEnabled()
    {
        if (Environment.GetEnvironmentVariable(EnableVariable) != "1")
            throw new OstreeException("dummy signature type is only for ostree testing");
    }

    /// <inheritdoc />
    public override byte[] Sign(ReadOnlySpan<byte> data, string secretKey)
    {
        CheckEnabled();
        return System.Text.Encoding.UTF8.GetBytes(secretKey);
    }

    /// <inheritdoc />
    /// <remarks>The engine holds a single key: a later one replaces an earlier one, as in ostree.</remarks>
    public override void AddPublicKey(string publicKey) => _publicKey = publicKey;

    /// <inheritdoc />
    public override void LoadPublicKeys(string? file, string? baseDir) => throw new OstreeException("not implemented");

    /// <inheritdoc />
    public override string Verify(ReadOnlySpan<byte> data, IReadOnlyList<byte[]>? signatures)
    {
        CheckEnabled();
        if (signatures is null)
            throw new OstreeException("signature: dummy: commit have no signatures of my type");
        foreach (var sig in signatures)
        {
            // ostree compares the signature as a C string: it ends at the first NUL.
            int nul = Array.IndexOf(sig, (byte)0);
            var text = System.Text.Encoding.UTF8.GetString(sig, 0, nul < 0 ? sig.Length : nul);
            if (_publicKey is not null && text == _publicKey)
                return "dummy: Signature verified";
        }
        throw new OstreeException(signatures.Count > 0
            ? $"signature: dummy: incorrect signatures found: {signatures.Count}"
            : "signature: dummy: no signatures");
    }
}
