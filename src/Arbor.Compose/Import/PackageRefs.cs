// The ref names under which imported packages live in the pkgcache, spelled exactly as rpm-ostree
// spells them so a repository filled by either tool is read by the other:
// rpmostree/pkg/NAME/EVR.ARCH, each part quoted ([A-Za-z0-9.-] kept, '_' doubled, any other byte
// as _XX in upper-case hex), and an explicit "0:" epoch dropped as libdnf drops it. The inverse
// turns a ref back into the NEVRA text ("perl-4:5.16.3-291.el7.x86_64").
using System.Globalization;
using System.Text;

namespace Arbor.Compose.Import;

/// <summary>rpm-ostree's package ref names.</summary>
public static class PackageRefs
{
    /// <summary>The prefix of every package ref.</summary>
    public const string Prefix = "rpmostree/pkg/";

    /// <summary>The ref of a package; <paramref name="epoch"/> null or 0 leaves the epoch out.</summary>
    public static string For(string name, long? epoch, string version, string release, string arch)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentException.ThrowIfNullOrEmpty(release);
        ArgumentException.ThrowIfNullOrEmpty(arch);
        var evr = epoch is long e && e != 0 ? $"{e.ToString(CultureInfo.InvariantCulture)}:{version}-{release}" : $"{version}-{release}";
        return ForEvr(name, evr, arch);
    }

    /// <summary>The ref of a package given its EVR text ("1:2.0-3" or "2.0-3"); a leading "0:" is dropped.</summary>
    public static string ForEvr(string name, string evr, string arch)
    {
        ArgumentNullException.ThrowIfNull(evr);
        var sb = new StringBuilder(Prefix);
        Quote(sb, name);
        sb.Append('/');
        Quote(sb, evr.StartsWith("0:", StringComparison.Ordinal) ? evr[2..] : evr);
        sb.Append('.');
        Quote(sb, arch);
        return sb.ToString();
    }

    /// <summary>
    /// Appends <paramref name="value"/> quoted for a ref component. Non-ASCII text is quoted byte by
    /// byte of its UTF-8 form (rpm-ostree's C code would sign-extend such bytes; package names and
    /// versions are ASCII in practice).
    /// </summary>
    public static void Quote(StringBuilder sb, string value)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(value);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '-')
                sb.Append(c);
            else if (c == '_')
                sb.Append("__");
            else
                sb.Append('_').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The NEVRA text a package ref stands for ("foo-1:1.0-1.x86_64").</summary>
    /// <exception cref="FormatException">The ref is not under rpmostree/pkg/ or has a broken escape.</exception>
    public static string ToNevra(string refName)
    {
        ArgumentNullException.ThrowIfNull(refName);
        if (!refName.StartsWith(Prefix, StringComparison.Ordinal))
            throw new FormatException($"'{refName}' is not a package ref (it does not start with {Prefix})");
        var rest = refName.AsSpan(Prefix.Length);
        var bytes = new List<byte>(rest.Length);
        for (int i = 0; i < rest.Length; i++)
        {
            char c = rest[i];
            if (c != '_')
            {
                if (c > 0x7F)
                    throw new FormatException($"package ref '{refName}': character '{c}' at {Prefix.Length + i} cannot appear in a quoted ref");
                bytes.Add(c == '/' ? (byte)'-' : (byte)c);
                continue;
            }
            if (i + 1 < rest.Length && rest[i + 1] == '_')
            {
                bytes.Add((byte)'_');
                i++;
                continue;
            }
            if (i + 2 >= rest.Length || !IsUpperHex(rest[i + 1]) || !IsUpperHex(rest[i + 2]))
                throw new FormatException($"package ref '{refName}': broken escape at offset {Prefix.Length + i} (expected '__' or '_' and two upper-case hex digits)");
            bytes.Add(byte.Parse(rest.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            i += 2;
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsUpperHex(char c) => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F';
}
