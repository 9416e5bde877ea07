// One typed header value. The reader decodes the big-endian data store into these; the writer
// encodes them back. Integers are kept unsigned at their stored width, strings as .NET strings
// (UTF-8 on disk), binary as bytes; accessors widen integers so callers need not care whether
// a tag was written as int16 or int32.
using System.Globalization;

namespace Arbor.Rpm.Header;

/// <summary>A header entry: tag, type, and decoded value.</summary>
public sealed class HeaderEntry
{
    private HeaderEntry(int tag, HeaderType type, object value, int count)
    {
        Tag = tag;
        Type = type;
        Value = value;
        Count = count;
    }

    /// <summary>The tag number.</summary>
    public int Tag { get; }

    /// <summary>The stored type.</summary>
    public HeaderType Type { get; }

    /// <summary>The element count as stored.</summary>
    public int Count { get; }

    /// <summary>The value: byte[] (char/int8/bin), ushort[], uint[], ulong[], string, or string[] (string array, i18n).</summary>
    public object Value { get; }

    /// <summary>A binary, char or int8 entry.</summary>
    public static HeaderEntry Bytes(int tag, byte[] v, HeaderType type = HeaderType.Bin) => new(tag, type, v, v.Length);
    /// <summary>An int16 entry.</summary>
    public static HeaderEntry Int16(int tag, params ushort[] v) => new(tag, HeaderType.Int16, v, v.Length);
    /// <summary>An int32 entry.</summary>
    public static HeaderEntry Int32(int tag, params uint[] v) => new(tag, HeaderType.Int32, v, v.Length);
    /// <summary>An int64 entry.</summary>
    public static HeaderEntry Int64(int tag, params ulong[] v) => new(tag, HeaderType.Int64, v, v.Length);
    /// <summary>A single string entry.</summary>
    public static HeaderEntry String(int tag, string v) => new(tag, HeaderType.String, v, 1);
    /// <summary>A string array entry.</summary>
    public static HeaderEntry StringArray(int tag, params string[] v) => new(tag, HeaderType.StringArray, v, v.Length);
    /// <summary>An i18n string entry (one string per locale).</summary>
    public static HeaderEntry I18n(int tag, params string[] v) => new(tag, HeaderType.I18nString, v, v.Length);

    /// <summary>The first string (string, string array, or i18n's default locale).</summary>
    public string? AsString() => Value switch
    {
        string s => s,
        string[] a when a.Length > 0 => a[0],
        _ => null,
    };

    /// <summary>All strings.</summary>
    public string[] AsStrings() => Value switch
    {
        string s => [s],
        string[] a => a,
        _ => [],
    };

    /// <summary>All integers widened to 64 bits (char/int8 bytes included).</summary>
    public long[] AsIntegers() => Value switch
    {
        byte[] b when Type is HeaderType.Int8 or HeaderType.Char => Widen<byte>(b),
        ushort[] s => Widen(s),
        uint[] i => Widen(i),
        ulong[] l => Widen(l),
        _ => [],
    };

    /// <summary>The first integer (see <see cref="AsIntegers"/>), or null.</summary>
    public long? FirstInteger() => Value switch
    {
        byte[] { Length: > 0 } b when Type is HeaderType.Int8 or HeaderType.Char => b[0],
        ushort[] { Length: > 0 } s => s[0],
        uint[] { Length: > 0 } i => i[0],
        ulong[] { Length: > 0 } l => (long)l[0],
        _ => null,
    };

    private static long[] Widen<T>(T[] values) where T : System.Numerics.IBinaryInteger<T>
    {
        var wide = new long[values.Length];
        for (int k = 0; k < values.Length; k++)
            wide[k] = long.CreateTruncating(values[k]);
        return wide;
    }

    /// <summary>Formats the value for display ("[a, b]" for arrays, hex for binary).</summary>
    public override string ToString() => Value switch
    {
        string s => s,
        string[] a => "[" + string.Join(", ", a) + "]",
        byte[] b when Type == HeaderType.Bin => Convert.ToHexStringLower(b),
        _ => "[" + string.Join(", ", AsIntegers().Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]",
    };
}
