// What gpgv said about each signature, in the shape of ostree's OstreeGpgVerifyResult: parsed from
// gpgv's machine-readable status lines (NEWSIG starts a signature; GOODSIG/BADSIG/EXPSIG/
// EXPKEYSIG/REVKEYSIG/ERRSIG/NO_PUBKEY/VALIDSIG fill it in), and described in the words of
// ostree_gpg_verify_result_describe_variant so `show` prints what ostree prints. Also gpg's colon
// key listing for `remote gpg-list-keys`.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Arbor.Ostree.Signing;

/// <summary>One OpenPGP signature as verified.</summary>
public sealed record GpgSignature
{
    /// <summary>The signature is good and made by a key in the keyrings.</summary>
    public bool Valid { get; init; }

    /// <summary>The signing key is not in the keyrings.</summary>
    public bool KeyMissing { get; init; }

    /// <summary>The signature has expired.</summary>
    public bool SigExpired { get; init; }

    /// <summary>The signing key has expired.</summary>
    public bool KeyExpired { get; init; }

    /// <summary>The signing key was revoked.</summary>
    public bool KeyRevoked { get; init; }

    /// <summary>Fingerprint of the signing (sub)key, or its long key ID when only that is known.</summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>Fingerprint of the primary key.</summary>
    public string PrimaryFingerprint { get; init; } = "";

    /// <summary>Signature creation time (Unix seconds).</summary>
    public long Timestamp { get; init; }

    /// <summary>Signature expiry time, or 0.</summary>
    public long ExpTimestamp { get; init; }

    /// <summary>The digest algorithm's name as gpgme spells it ("SHA256", …).</summary>
    public string HashAlgo { get; init; } = "[unknown name]";

    /// <summary>The public key algorithm's name as gpgme spells it ("RSA", "EdDSA", …).</summary>
    public string PubkeyAlgo { get; init; } = "[unknown name]";

    /// <summary>The signer's name from the key's user ID.</summary>
    public string UserName { get; init; } = "[unknown name]";

    /// <summary>The signer's email from the key's user ID.</summary>
    public string UserEmail { get; init; } = "[unknown email]";

    /// <summary>The last 16 hex digits of the fingerprint.</summary>
    public string KeyId => Fingerprint.Length > 16 ? Fingerprint[^16..] : Fingerprint;

    /// <summary>True when <paramref name="keyId"/> (key ID or fingerprint, any case) names the signing key or its primary key.</summary>
    public bool Matches(string keyId)
    {
        var k = keyId.Trim().Replace(" ", "", StringComparison.Ordinal);
        if (k.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            k = k[2..];
        if (k.Length == 0)
            return false;
        return Fingerprint.EndsWith(k, StringComparison.OrdinalIgnoreCase) || (PrimaryFingerprint.Length > 0 && PrimaryFingerprint.EndsWith(k, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The lines ostree prints for this signature, each starting with <paramref name="prefix"/>.</summary>
    /// <remarks>Kept beside the record rather than in the CLI: ostree's verification error is made of
    /// these same lines (<see cref="GpgVerifyResult.RequireValid"/>), and `show` prints them.</remarks>
    public string Describe(string prefix)
    {
        var sb = new StringBuilder();
        sb.Append(prefix).Append("Signature made ").Append(GpgVerifyResult.FormatTime(Timestamp)).Append(" using ").Append(PubkeyAlgo).Append(" key ID ").Append(KeyId).Append('\n');
        sb.Append(prefix);
        if (KeyMissing)
            sb.Append("Can't check signature: public key not found\n");
        else if (Valid)
            sb.Append("Good signature from \"").Append(UserName).Append(" <").Append(UserEmail).Append(">\"\n");
        else if (KeyRevoked)
            sb.Append("Key revoked\n");
        else if (SigExpired)
            sb.Append("Expired signature from \"").Append(UserName).Append(" <").Append(UserEmail).Append(">\"\n");
        else
            sb.Append("BAD signature from \"").Append(UserName).Append(" <").Append(UserEmail).Append(">\"\n");
        if (!KeyMissing && PrimaryFingerprint.Length > 0 && Fingerprint != PrimaryFingerprint)
            sb.Append(prefix).Append("Primary key ID ").Append(PrimaryFingerprint.Length > 16 ? PrimaryFingerprint[^16..] : PrimaryFingerprint).Append('\n');
        if (ExpTimestamp > 0)
            sb.Append(prefix).Append("Signature ").Append(SigExpired ? "expired " : "expires ").Append(GpgVerifyResult.FormatTime(ExpTimestamp)).Append('\n');
        return sb.ToString();
    }
}

/// <summary>The signatures found over one piece of data.</summary>
public sealed class GpgVerifyResult(IReadOnlyList<GpgSignature> signatures)
{
    /// <summary>All signatures, in the order they are stored.</summary>
    public IReadOnlyList<GpgSignature> Signatures { get; } = signatures;

    /// <summary>How many signatures are valid.</summary>
    public int CountValid => Signatures.Count(s => s.Valid);

    /// <summary>The index of the first signature made by <paramref name="keyId"/>, or -1.</summary>
    public int Lookup(string keyId)
    {
        for (int i = 0; i < Signatures.Count; i++)
        {
            if (Signatures[i].Matches(keyId))
                return i;
        }
        return -1;
    }

    /// <summary>Null when at least one signature is valid, else ostree's explanation (the descriptions, last signature first) on one line.</summary>
    public string? RequireValid()
    {
        if (CountValid > 0)
            return null;
        if (Signatures.Count == 0)
            return "No GPG signatures found";
        var lines = new List<string>();
        for (int i = Signatures.Count - 1; i >= 0; i--)
            lines.AddRange(Signatures[i].Describe("").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return string.Join("; ", lines);
    }

    /// <summary>Formats a Unix time like glib's "%c" in the C locale, in local time.</summary>
    public static string FormatTime(long unix) =>
        GlibTime.FormatC(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(unix), TimeZoneInfo.Local));

    /// <summary>Builds a result from gpgv/gpg <c>--status-fd</c> output.</summary>
    public static GpgVerifyResult ParseStatus(string status)
    {
        var list = new List<GpgSignature>();
        GpgSignature? cur = null;
        void Flush()
        {
            if (cur is not null)
                list.Add(cur);
            cur = null;
        }
        foreach (var raw in status.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (!line.StartsWith("[GNUPG:] ", StringComparison.Ordinal))
                continue;
            var rest = line[9..];
            var f = rest.Split(' ');
            switch (f[0])
            {
                case "NEWSIG":
                    Flush();
                    cur = new GpgSignature();
                    break;
                case "GOODSIG" or "BADSIG" or "EXPSIG" or "EXPKEYSIG" or "REVKEYSIG" when f.Length >= 2:
                    {
                        cur ??= new GpgSignature();
                        var uid = f.Length > 2 ? Unescape(rest[(f[0].Length + f[1].Length + 2)..]) : "";
                        var (name, email) = SplitUid(uid);
                        cur = cur with
                        {
                            Valid = f[0] == "GOODSIG",
                            SigExpired = f[0] == "EXPSIG",
                            KeyExpired = f[0] == "EXPKEYSIG",
                            KeyRevoked = f[0] == "REVKEYSIG",
                            Fingerprint = cur.Fingerprint.Length > 0 ? cur.Fingerprint : f[1],
                            UserName = name,
                            UserEmail = email,
                        };
                        break;
                    }
                case "VALIDSIG" when f.Length >= 8 && cur is not null:
                    cur = cur with
                    {
                        Fingerprint = f[1],
                        Timestamp = ParseTime(f[3]),
                        ExpTimestamp = ParseTime(f[4]),
                        PubkeyAlgo = AlgoName(f[7]),
                        HashAlgo = f.Length > 8 ? HashAlgoName(f[8]) : "[unknown name]",
                        PrimaryFingerprint = f.Length > 10 ? f[10] : f[1],
                    };
                    break;
                case "ERRSIG" when f.Length >= 7:
                    cur ??= new GpgSignature();
                    cur = cur with
                    {
                        KeyMissing = f[6] == "9",
                        Valid = false,
                        Fingerprint = f.Length > 7 && f[7].Length > 16 ? f[7] : f[1],
                        PubkeyAlgo = AlgoName(f[2]),
                        Timestamp = ParseTime(f[5]),
                    };
                    break;
                case "NO_PUBKEY" when cur is not null:
                    cur = cur with { KeyMissing = true, Valid = false };
                    break;
                case "KEY_CONSIDERED" when cur is not null && f.Length > 1 && cur.Fingerprint.Length == 0:
                    cur = cur with { PrimaryFingerprint = f[1] };
                    break;
            }
        }
        Flush();
        return new GpgVerifyResult(list);
    }

    private static long ParseTime(string s)
    {
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t))
            return t;
        // ISO form "20260101T000000"
        if (DateTime.TryParseExact(s, "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
            return new DateTimeOffset(d, TimeSpan.Zero).ToUnixTimeSeconds();
        return 0;
    }

    /// <summary>gpgme_hash_algo_name for an OpenPGP digest algorithm number.</summary>
    public static string HashAlgoName(string number) => number switch
    {
        "1" => "MD5",
        "2" => "SHA1",
        "3" => "RIPEMD160",
        "8" => "SHA256",
        "9" => "SHA384",
        "10" => "SHA512",
        "11" => "SHA224",
        _ => "[unknown name]",
    };

    /// <summary>gpgme_pubkey_algo_name for an OpenPGP algorithm number.</summary>
    public static string AlgoName(string number) => number switch
    {
        "1" => "RSA",
        "2" => "RSA-E",
        "3" => "RSA-S",
        "16" => "ELG-E",
        "17" => "DSA",
        "18" => "ECDH",
        "19" => "ECDSA",
        "20" => "ELG",
        "22" => "EdDSA",
        _ => "[unknown name]",
    };

    private static string Unescape(string s)
    {
        if (!s.Contains('%', StringComparison.Ordinal))
            return s;
        var bytes = new List<byte>();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '%' && i + 2 < s.Length && byte.TryParse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Splits "Name (comment) &lt;email&gt;" the way gpgme fills uid->name and uid->email.</summary>
    public static (string Name, string Email) SplitUid(string uid)
    {
        string name = uid, email = "";
        int lt = uid.LastIndexOf('<');
        if (lt >= 0 && uid.EndsWith('>'))
        {
            email = uid[(lt + 1)..^1];
            name = uid[..lt].TrimEnd();
        }
        int paren = name.IndexOf(" (", StringComparison.Ordinal);
        if (paren > 0 && name.EndsWith(')'))
            name = name[..paren];
        return (name.Length == 0 ? "[unknown name]" : name, email.Length == 0 ? "[unknown email]" : email);
    }
}

/// <summary>A public key as `remote gpg-list-keys` shows it.</summary>
public sealed record GpgKeyInfo(GpgSubkeyInfo Primary, IReadOnlyList<GpgUidInfo> Uids, IReadOnlyList<GpgSubkeyInfo> Subkeys)
{
    /// <summary>Parses <c>gpg --with-colons --fixed-list-mode --list-keys</c>.</summary>
    public static IReadOnlyList<GpgKeyInfo> ParseColons(string text)
    {
        var keys = new List<GpgKeyInfo>();
        GpgSubkeyInfo? primary = null;
        List<GpgUidInfo> uids = [];
        List<GpgSubkeyInfo> subs = [];
        GpgSubkeyInfo? pending = null;
        bool pendingPrimary = false;
        void Flush()
        {
            if (primary is not null)
                keys.Add(new GpgKeyInfo(primary, uids, subs));
            primary = null;
            uids = [];
            subs = [];
        }
        foreach (var line in text.Split('\n'))
        {
            var f = line.TrimEnd('\r').Split(':');
            if (f.Length < 2)
                continue;
            switch (f[0])
            {
                case "pub":
                    Flush();
                    pending = Sub(f);
                    pendingPrimary = true;
                    break;
                case "sub":
                    pending = Sub(f);
                    pendingPrimary = false;
                    break;
                case "fpr" when pending is not null && f.Length > 9:
                    pending = pending with { Fingerprint = f[9] };
                    if (pendingPrimary)
                        primary = pending;
                    else
                        subs.Add(pending);
                    pending = null;
                    break;
                case "uid" when f.Length > 9:
                    uids.Add(new GpgUidInfo(Unescape(f[9]), f[1] == "r", f[1] == "i"));
                    break;
            }
        }
        Flush();
        return keys;
    }

    private static GpgSubkeyInfo Sub(string[] f) => new(
        "",
        f.Length > 5 && long.TryParse(f[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : 0,
        f.Length > 6 && long.TryParse(f[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out var e) ? e : 0,
        f[1] == "r", f[1] == "e", f[1] == "i");

    private static string Unescape(string s) =>
        System.Text.RegularExpressions.Regex.Replace(s, @"\\x([0-9a-fA-F]{2})", m => ((char)Convert.ToByte(m.Groups[1].Value, 16)).ToString());
}

/// <summary>A primary key or subkey.</summary>
public sealed record GpgSubkeyInfo(string Fingerprint, long Created, long Expires, bool Revoked, bool Expired, bool Invalid);

/// <summary>A user ID.</summary>
public sealed record GpgUidInfo(string Uid, bool Revoked, bool Invalid)
{
    /// <summary>The Web Key Directory URLs (advanced, direct) for the user ID's email, or empty strings.</summary>
    public (string Advanced, string Direct) WkdUrls()
    {
        var (_, email) = GpgVerifyResult.SplitUid(Uid);
        int at = email.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || email == "[unknown email]")
            return ("", "");
        var local = email[..at];
        var domain = email[(at + 1)..].ToLowerInvariant();
#pragma warning disable CA5350 // WKD (draft-koch-openpgp-webkey-service) names files by SHA-1; not a security use.
        var hash = ZBase32(SHA1.HashData(Encoding.UTF8.GetBytes(local.ToLowerInvariant())));
#pragma warning restore CA5350
        var escaped = Uri.EscapeDataString(local);
        return ($"https://openpgpkey.{domain}/.well-known/openpgpkey/{domain}/hu/{hash}?l={escaped}",
                $"https://{domain}/.well-known/openpgpkey/hu/{hash}?l={escaped}");
    }

    private static string ZBase32(byte[] data)
    {
        const string alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";
        var sb = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0)
            sb.Append(alphabet[(buffer << (5 - bits)) & 31]);
        return sb.ToString();
    }
}
