// A SHA-256 object checksum. Kept as four machine words so that sets and dictionaries of
// checksums (reachability in fsck/prune, dedup in commit) compare and hash without allocating.
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Arbor.Ostree.Objects;

/// <summary>A 32-byte SHA-256 checksum naming an object.</summary>
public readonly struct Checksum : IEquatable<Checksum>, IComparable<Checksum>
{
    private readonly ulong _a, _b, _c, _d;

    /// <summary>Length of a checksum in bytes.</summary>
    public const int ByteLength = 32;

    /// <summary>Creates a checksum from 32 bytes.</summary>
    public Checksum(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ByteLength)
            throw new FormatException($"checksum must be {ByteLength} bytes, got {bytes.Length}");
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>True for the all-zero value (never a real object).</summary>
    public bool IsEmpty => (_a | _b | _c | _d) == 0;

    /// <summary>Writes the 32 bytes into <paramref name="dest"/>.</summary>
    public void CopyTo(Span<byte> dest)
    {
        BinaryPrimitives.WriteUInt64BigEndian(dest, _a);
        BinaryPrimitives.WriteUInt64BigEndian(dest[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(dest[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(dest[24..], _d);
    }

    /// <summary>The 32 bytes as a new array.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[ByteLength];
        CopyTo(b);
        return b;
    }

    /// <summary>Lower-case hex, 64 characters.</summary>
    public override string ToString() => string.Create(64, this, static (span, checksum) => checksum.FormatHex(span));

    /// <summary>Writes the 64 lower-case hex characters of <see cref="ToString"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 64 characters.</exception>
    public void FormatHex(Span<char> destination)
    {
        Span<byte> b = stackalloc byte[ByteLength];
        CopyTo(b);
        if (!Convert.TryToHexStringLower(b, destination, out _))
            throw new ArgumentException("a checksum needs 64 characters", nameof(destination));
    }

    /// <summary>The object path <paramref name="prefix"/>/XX/YYYY….<paramref name="extension"/> in one allocation.</summary>
    internal string ToObjectPath(string prefix, string extension) =>
        string.Create(prefix.Length + 1 + 2 + 1 + 62 + 1 + extension.Length, (this, prefix, extension), static (span, state) =>
        {
            var (checksum, prefix, extension) = state;
            prefix.CopyTo(span);
            span = span[prefix.Length..];
            span[0] = '/';
            Span<char> hex = stackalloc char[64];
            checksum.FormatHex(hex);
            hex[..2].CopyTo(span[1..]);
            span[3] = '/';
            hex[2..].CopyTo(span[4..]);
            span[66] = '.';
            extension.CopyTo(span[67..]);
        });

    /// <summary>Parses 64 hex characters.</summary>
    public static Checksum Parse(string hex) =>
        TryParse(hex, out var c) ? c : throw new FormatException($"Invalid checksum '{hex}': expected 64 hex characters");

    /// <summary>Parses 64 hex characters; false when <paramref name="hex"/> is not a checksum.</summary>
    public static bool TryParse(ReadOnlySpan<char> hex, out Checksum checksum)
    {
        checksum = default;
        if (hex.Length != 64)
            return false;
        foreach (var ch in hex)
        {
            if (!char.IsAsciiHexDigitLower(ch) && !char.IsAsciiDigit(ch))
                return false;
        }
        Span<byte> b = stackalloc byte[ByteLength];
        if (Convert.FromHexString(hex, b, out _, out _) != System.Buffers.OperationStatus.Done)
            return false;
        checksum = new Checksum(b);
        return true;
    }

    /// <summary>SHA-256 of <paramref name="data"/>.</summary>
    public static Checksum Of(ReadOnlySpan<byte> data)
    {
        Span<byte> h = stackalloc byte[ByteLength];
        SHA256.HashData(data, h);
        return new Checksum(h);
    }

    /// <summary>The final digest of an incremental SHA-256.</summary>
    public static Checksum From(IncrementalHash hash)
    {
        Span<byte> h = stackalloc byte[ByteLength];
        hash.GetHashAndReset(h);
        return new Checksum(h);
    }

    /// <inheritdoc />
    public bool Equals(Checksum other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Checksum c && Equals(c);

    /// <inheritdoc />
    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32) ^ (int)_d;

    /// <inheritdoc />
    public int CompareTo(Checksum other)
    {
        int c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(Checksum a, Checksum b) => a.Equals(b);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Checksum a, Checksum b) => !a.Equals(b);

    /// <summary>Ordering.</summary>
    public static bool operator <(Checksum a, Checksum b) => a.CompareTo(b) < 0;

    /// <summary>Ordering.</summary>
    public static bool operator >(Checksum a, Checksum b) => a.CompareTo(b) > 0;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Checksum a, Checksum b) => a.CompareTo(b) <= 0;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Checksum a, Checksum b) => a.CompareTo(b) >= 0;
}

/// <summary>An object's checksum together with its type.</summary>
public readonly record struct ObjectName(Checksum Checksum, ObjectType Type)
{
    /// <summary>ostree's display form, <c>CHECKSUM.TYPE</c>.</summary>
    public override string ToString() => $"{Checksum}.{Type.Name()}";
}
