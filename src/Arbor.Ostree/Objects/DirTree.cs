// Directory listing object (a(say)a(sayay)): files (name, content checksum) and subdirectories
// (name, dirtree checksum, dirmeta checksum), each sorted by name in byte order.
using System.Text;
using System.Text.Unicode;
using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Objects;

/// <summary>A file entry of a dirtree.</summary>
public readonly record struct DirTreeFile(string Name, Checksum Checksum);

/// <summary>A subdirectory entry of a dirtree.</summary>
public readonly record struct DirTreeDir(string Name, Checksum Tree, Checksum Meta);

/// <summary>A <c>.dirtree</c> object.</summary>
public sealed record DirTree(IReadOnlyList<DirTreeFile> Files, IReadOnlyList<DirTreeDir> Dirs)
{
    /// <summary>The GVariant type.</summary>
    public static readonly GVariantType Type = GVariantType.Parse("(a(say)a(sayay))");

    private static readonly GVariantType FileEntryType = GVariantType.Parse("(say)");
    private static readonly GVariantType DirEntryType = GVariantType.Parse("(sayay)");

    /// <summary>Byte-order (strcmp) comparison of names, as ostree sorts them.</summary>
    public static int CompareNames(string a, string b) => string.CompareOrdinal(a, b) switch
    {
        // UTF-16 ordinal order equals UTF-8 byte order except around surrogates; fall back to bytes there.
        _ when HasSurrogate(a) || HasSurrogate(b) => System.Text.Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b)),
        var c => c,
    };

    private static bool HasSurrogate(string s)
    {
        foreach (var ch in s)
        {
            if (char.IsSurrogate(ch))
                return true;
        }
        return false;
    }

    /// <summary>Serializes the object, sorting entries by name.</summary>
    public byte[] Serialize()
    {
        var files = Files.ToArray();
        Array.Sort(files, static (x, y) => CompareNames(x.Name, y.Name));
        var dirs = Dirs.ToArray();
        Array.Sort(dirs, static (x, y) => CompareNames(x.Name, y.Name));
        var fv = new GVariantValue[files.Length];
        for (int i = 0; i < files.Length; i++)
            fv[i] = new GVTuple([GVariantValue.Str(files[i].Name), new GVBytes(files[i].Checksum.ToBytes())]);
        var dv = new GVariantValue[dirs.Length];
        for (int i = 0; i < dirs.Length; i++)
            dv[i] = new GVTuple([GVariantValue.Str(dirs[i].Name), new GVBytes(dirs[i].Tree.ToBytes()), new GVBytes(dirs[i].Meta.ToBytes())]);
        return new GVTuple([new GVArray(FileEntryType, fv), new GVArray(DirEntryType, dv)]).Serialize();
    }

    /// <summary>Parses the object.</summary>
    public static DirTree Parse(ReadOnlyMemory<byte> data)
    {
        var v = new GVariantView(Type, data);
        var fa = v[0];
        var files = new DirTreeFile[fa.ChildCount];
        for (int i = 0; i < files.Length; i++)
        {
            var e = fa[i];
            files[i] = new DirTreeFile(DecodeName(e[0].GetStringBytes()), new Checksum(e[1].GetBytes().Span));
        }
        var da = v[1];
        var dirs = new DirTreeDir[da.ChildCount];
        for (int i = 0; i < dirs.Length; i++)
        {
            var e = da[i];
            dirs[i] = new DirTreeDir(DecodeName(e[0].GetStringBytes()), new Checksum(e[1].GetBytes().Span), new Checksum(e[2].GetBytes().Span));
        }
        return new DirTree(files, dirs);
    }

    /// <summary>Decodes and checks a name read from a dirtree (ostree's ot_util_filename_validate).</summary>
    /// <exception cref="InvalidDataException">The name is not valid UTF-8 (decoding it would change it, so
    /// that two names could become one), or could escape a checkout.</exception>
    public static string DecodeName(ReadOnlySpan<byte> name)
    {
        if (!Utf8.IsValid(name))
            throw new InvalidDataException(InvalidUtf8Message(name));
        return ValidateName(Encoding.UTF8.GetString(name));
    }

    /// <summary>Rejects names that could escape a checkout (ostree's ot_util_filename_validate).</summary>
    public static string ValidateName(string name)
    {
        if (name.Length == 0 || name == "." || name == ".." || name.Contains('/'))
            throw new InvalidDataException($"Invalid filename '{TerminalText.Escape(name)}' in dirtree");
        return name;
    }

    /// <summary>ostree's message for a file name that is not UTF-8, the name shown with its bad bytes as \xNN.</summary>
    public static string InvalidUtf8Message(ReadOnlySpan<byte> name) => $"Invalid UTF-8 in filename {TerminalText.Escape(name)}";
}
