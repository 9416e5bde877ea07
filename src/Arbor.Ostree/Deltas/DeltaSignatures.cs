// Signed static deltas. A signed superblock file is the GVariant (taya{sv}):
//   t      the magic "OSTSGNDT" (0x4F535453474E4454) stored big-endian, so the file starts with
//          those eight ASCII bytes;
//   ay     the complete unsigned superblock file, byte for byte — this is what is signed;
//   a{sv}  one entry per engine, "ostree.sign.<engine>" → aay, one signature per secret key in
//          the order the keys were given (ostree writes exactly one engine's entry).
// A file counts as signed only when the magic matches and at least one "ostree.sign." key is
// present (_ostree_repo_static_delta_is_signed); everything else is read as a plain superblock.
// The summary and delta-index digests cover the whole file, wrapper included, so signing a delta
// changes its digest. Generation signs the serialized superblock (DeltaCompiler), `static-delta
// verify` and `apply-offline` verify here before anything is applied, and pull can call Verify on
// a fetched superblock the same way.
using System.Buffers.Binary;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Signing;

namespace Arbor.Ostree.Deltas;

/// <summary>Signing, unwrapping and verifying static delta superblocks.</summary>
public static class DeltaSignatures
{
    private static readonly GVariantType Aay = GVariantType.Parse("aay");

    /// <summary>The wrapper's parts: the unsigned superblock bytes and the signature dictionary.</summary>
    /// <param name="Superblock">The unsigned superblock file the signatures cover.</param>
    /// <param name="Signatures">The serialized <c>a{sv}</c> of signatures.</param>
    public readonly record struct Wrapped(ReadOnlyMemory<byte> Superblock, ReadOnlyMemory<byte> Signatures);

    /// <summary>Splits a file in the signed form; null when the magic does not match.</summary>
    /// <exception cref="InvalidDataException">The magic matches but the wrapper does not parse.</exception>
    public static Wrapped? TryUnwrap(ReadOnlyMemory<byte> file)
    {
        if (!DeltaSuperblock.IsSignedForm(file.Span))
            return null;
        try
        {
            var v = new GVariantView(DeltaSuperblock.SignedType, file);
            var sigs = v[2];
            // Walk the dictionary once so a malformed one is refused here, not half-way through a verify.
            foreach (var e in sigs.Children())
                _ = e[0].GetString();
            return new Wrapped(v[1].GetBytes(), sigs.Data);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Invalid signed static delta superblock: {e.Message}", e);
        }
    }

    /// <summary>The engine names (after "ostree.sign.") that signed <paramref name="file"/>; empty when it is not signed.</summary>
    /// <exception cref="InvalidDataException">The magic matches but the wrapper does not parse.</exception>
    public static IReadOnlyList<string> SignatureTypes(ReadOnlyMemory<byte> file)
    {
        if (TryUnwrap(file) is not { } w)
            return [];
        var names = new List<string>();
        foreach (var e in new GVariantView(GVariantType.VarDict, w.Signatures).Children())
        {
            var key = e[0].GetString();
            if (key.StartsWith(SignEngine.MetadataKeyPrefix, StringComparison.Ordinal))
                names.Add(key[SignEngine.MetadataKeyPrefix.Length..]);
        }
        return names;
    }

    /// <summary>True when <paramref name="file"/> is a signed superblock: the magic and at least one "ostree.sign." entry.</summary>
    public static bool IsSigned(ReadOnlyMemory<byte> file)
    {
        try
        {
            return SignatureTypes(file).Count > 0;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>The superblock a reader should parse: the wrapped one when <paramref name="file"/> is signed, else the file itself.</summary>
    /// <exception cref="InvalidDataException">The magic matches but the wrapper does not parse.</exception>
    public static ReadOnlyMemory<byte> Unwrap(ReadOnlyMemory<byte> file) =>
        IsSigned(file) ? TryUnwrap(file)!.Value.Superblock : file;

    /// <summary>Builds the signed form of <paramref name="superblock"/> holding <paramref name="signatures"/> under <paramref name="metadataKey"/>.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> superblock, string metadataKey, IReadOnlyList<byte[]> signatures)
    {
        var sigs = new GVArray(GVariantType.ByteString, signatures.Select(s => GVariantValue.Bytes(s)).ToList());
        return new GVTuple([
            // A 't' is stored in host order; the magic must land big-endian in the file.
            new GVNumber('t', BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(DeltaSuperblock.SignedMagic) : DeltaSuperblock.SignedMagic),
            new GVBytes(superblock.ToArray()),
            Commit.MetadataToValue([new(metadataKey, sigs)]),
        ]).Serialize();
    }

    /// <summary>Signs an unsigned superblock with each of <paramref name="secretKeys"/> and returns the signed file.</summary>
    /// <exception cref="OstreeException">A key is malformed or the engine refuses to sign.</exception>
    public static byte[] Sign(ReadOnlySpan<byte> superblock, SignEngine engine, IReadOnlyList<string> secretKeys)
    {
        var sigs = new List<byte[]>(secretKeys.Count);
        foreach (var k in secretKeys)
            sigs.Add(engine.Sign(superblock, k));
        return Wrap(superblock, engine.MetadataKey, sigs);
    }

    /// <summary>Checks that <paramref name="secretKeys"/> can sign with <paramref name="engine"/>, before any delta file is written.</summary>
    /// <exception cref="OstreeException">A key is malformed or the engine refuses to sign.</exception>
    public static void CheckSecretKeys(SignEngine engine, IReadOnlyList<string> secretKeys)
    {
        foreach (var k in secretKeys)
            engine.Sign([], k);
    }

    /// <summary>Verifies a superblock file with <paramref name="engine"/>'s keys, as ostree_repo_static_delta_verify_signature does.</summary>
    /// <returns>The engine's success message.</returns>
    /// <exception cref="OstreeException">The file is not signed, has no signature of the engine's type, or no signature verifies.</exception>
    public static string Verify(ReadOnlyMemory<byte> file, SignEngine engine)
    {
        Wrapped w;
        try
        {
            if (!IsSigned(file) || TryUnwrap(file) is not { } wrapped)
                throw new OstreeException("no signatures in static-delta");
            w = wrapped;
        }
        catch (InvalidDataException e)
        {
            throw new OstreeException(e.Message, e);
        }
        var dict = new GVariantView(GVariantType.VarDict, w.Signatures);
        if (!dict.TryLookup(engine.MetadataKey, out var boxed) || !boxed.GetVariant().Type.Equals(Aay))
            throw new OstreeException($"no signature for '{engine.MetadataKey}' in static-delta superblock");
        var sigs = boxed.GetVariant().Children().Select(s => s.GetBytes().ToArray()).ToList();
        return engine.Verify(w.Superblock.Span, sigs);
    }
}
