// Signatures live in an a{sv} next to what they sign: the commit's detached metadata
// (objects/XX/REST.commitmeta) or the repository's summary.sig. Each signing scheme owns one key
// holding an `aay` — one byte string per signature, appended in signing order, exactly as
// ostree's _ostree_detached_metadata_append_gpg_sig / _sign_detached_metadata_append build it:
//   ostree.gpgsigs        OpenPGP detached signature packets (one per key)
//   ostree.sign.ed25519   64-byte ed25519 signatures
// This file reads and rewrites those entries, keeping every other key as it was.
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Signing;

/// <summary>Reading and appending signature lists in an <c>a{sv}</c>.</summary>
public static class SignatureMetadata
{
    /// <summary>The detached-metadata key of GPG signatures.</summary>
    public const string GpgKey = "ostree.gpgsigs";

    /// <summary>The detached-metadata key of ed25519 signatures.</summary>
    public const string Ed25519Key = "ostree.sign.ed25519";

    private static readonly GVariantType Aay = GVariantType.Parse("aay");

    /// <summary>The signatures stored under <paramref name="key"/> in the serialized <c>a{sv}</c>, or empty when absent (or of another type).</summary>
    public static List<byte[]> Read(ReadOnlyMemory<byte>? metadata, string key)
    {
        var list = new List<byte[]>();
        if (metadata is not { Length: > 0 } data)
            return list;
        var dict = new GVariantView(GVariantType.VarDict, data);
        if (!dict.TryLookup(key, out var boxed))
            return list;
        var inner = boxed.GetVariant();
        if (!inner.Type.Equals(Aay))
            return list;
        foreach (var sig in inner.Children())
            list.Add(sig.GetBytes().ToArray());
        return list;
    }

    /// <summary>Returns <paramref name="metadata"/> (may be null) with <paramref name="key"/> set to <paramref name="signatures"/>; an empty list removes the key.</summary>
    public static byte[] Replace(ReadOnlyMemory<byte>? metadata, string key, IReadOnlyList<byte[]> signatures)
    {
        // ostree re-reads the dictionary into a GVariantDict and ends it, so the keys come out in
        // glib's hash order rather than where they were.
        var dict = metadata is { Length: > 0 } data
            ? new GVariantDict(Commit.MetadataFromView(new GVariantView(GVariantType.VarDict, data)))
            : new GVariantDict();
        if (signatures.Count == 0)
            dict.Remove(key);
        else
            dict.Insert(key, new GVArray(GVariantType.ByteString, signatures.Select(s => GVariantValue.Bytes(s)).ToList()));
        return dict.ToValue().Serialize();
    }

    /// <summary>Returns <paramref name="metadata"/> with <paramref name="signature"/> appended to the list under <paramref name="key"/>.</summary>
    public static byte[] Append(ReadOnlyMemory<byte>? metadata, string key, byte[] signature)
    {
        var list = Read(metadata, key);
        list.Add(signature);
        return Replace(metadata, key, list);
    }
}
