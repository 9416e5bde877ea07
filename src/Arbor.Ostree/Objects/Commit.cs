// Commit object (a{sv}aya(say)sstayay): metadata, parent, related objects, subject, body,
// timestamp (big-endian seconds), root dirtree and root dirmeta checksums.
using System.Buffers.Binary;
using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Objects;

/// <summary>A <c>.commit</c> object.</summary>
public sealed record Commit(
    IReadOnlyList<KeyValuePair<string, GVariantValue>> Metadata,
    Checksum? Parent,
    string Subject,
    string Body,
    ulong Timestamp,
    Checksum RootTree,
    Checksum RootMeta)
{
    /// <summary>The GVariant type.</summary>
    public static readonly GVariantType Type = GVariantType.Parse("(a{sv}aya(say)sstayay)");

    /// <summary>The GVariant type of commit (and detached) metadata.</summary>
    public static readonly GVariantType MetadataType = GVariantType.VarDict;

    /// <summary>Serializes the object.</summary>
    public byte[] Serialize() => new GVTuple([
        MetadataToValue(Metadata),
        new GVBytes(Parent?.ToBytes() ?? []),
        new GVArray(GVariantType.Parse("(say)"), []),
        GVariantValue.Str(Subject),
        GVariantValue.Str(Body),
        new GVNumber('t', BinaryPrimitives.ReverseEndianness(Timestamp)),
        new GVBytes(RootTree.ToBytes()),
        new GVBytes(RootMeta.ToBytes()),
    ]).Serialize();

    /// <summary>Parses the object.</summary>
    public static Commit Parse(ReadOnlyMemory<byte> data)
    {
        var v = new GVariantView(Type, data);
        var parentBytes = v[1].GetBytes();
        Checksum? parent = parentBytes.Length == 0 ? null : new Checksum(parentBytes.Span);
        return new Commit(MetadataFromView(v[0]), parent, v[3].GetString(), v[4].GetString(),
            v[5].GetUInt64BigEndian(), new Checksum(v[6].GetBytes().Span), new Checksum(v[7].GetBytes().Span));
    }

    /// <summary>An <c>a{sv}</c> value from key/value pairs, in the given order.</summary>
    public static GVariantValue MetadataToValue(IReadOnlyList<KeyValuePair<string, GVariantValue>> metadata)
    {
        var items = new GVariantValue[metadata.Count];
        for (int i = 0; i < items.Length; i++)
            items[i] = new GVDictEntry(GVariantValue.Str(metadata[i].Key), new GVVariant(metadata[i].Value));
        return new GVArray(GVariantType.Parse("{sv}"), items);
    }

    /// <summary>Key/value pairs (values unboxed) from an <c>a{sv}</c> view.</summary>
    public static IReadOnlyList<KeyValuePair<string, GVariantValue>> MetadataFromView(GVariantView view)
    {
        int n = view.ChildCount;
        var list = new KeyValuePair<string, GVariantValue>[n];
        for (int i = 0; i < n; i++)
        {
            var e = view[i];
            list[i] = new(e[0].GetString(), e[1].GetVariant().ToValue());
        }
        return list;
    }

    /// <summary>The metadata value stored under <paramref name="key"/>, or null.</summary>
    public GVariantValue? GetMetadata(string key)
    {
        foreach (var kv in Metadata)
        {
            if (kv.Key == key)
                return kv.Value;
        }
        return null;
    }

    /// <summary>ostree's content checksum (<c>ostree_commit_get_content_checksum</c>): SHA-256 over the root dirtree and dirmeta checksum bytes.</summary>
    public Checksum ContentChecksum()
    {
        Span<byte> buf = stackalloc byte[2 * Checksum.ByteLength];
        RootTree.CopyTo(buf);
        RootMeta.CopyTo(buf[Checksum.ByteLength..]);
        return Checksum.Of(buf);
    }

    /// <summary>The <c>version</c> metadata string, if any.</summary>
    public string? Version => GetMetadata("version") is GVString s ? s.Value : null;
}
