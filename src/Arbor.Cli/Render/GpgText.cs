// The listing `ostree remote gpg-list-keys` prints for each key of a remote's keyring (ostree's
// ot_dump_gpg_key): the primary key, its user IDs with their Web Key Directory URLs, its subkeys.
using System.Text;
using Arbor.Ostree.Signing;

namespace Arbor.Cli.Render;

/// <summary>Renders the keys of a remote's keyring as ostree lists them.</summary>
internal static class GpgText
{
    /// <summary>The lines ostree prints for <paramref name="key"/>.</summary>
    public static string KeyListing(GpgKeyInfo key)
    {
        var sb = new StringBuilder();
        AppendKey(sb, key.Primary, primary: true);
        foreach (var u in key.Uids)
        {
            sb.Append("  UID: ").Append(u.Uid).Append(u.Revoked ? " (revoked)" : "").Append(u.Invalid ? " (invalid)" : "").Append('\n');
            var (adv, direct) = u.WkdUrls();
            sb.Append("  Advanced update URL: ").Append(adv).Append('\n');
            sb.Append("  Direct update URL: ").Append(direct).Append('\n');
        }
        foreach (var s in key.Subkeys)
            AppendKey(sb, s, primary: false);
        return sb.ToString();
    }

    private static void AppendKey(StringBuilder sb, GpgSubkeyInfo key, bool primary)
    {
        sb.Append(primary ? "Key" : "  Subkey").Append(": ").Append(key.Fingerprint).Append(key.Revoked ? " (revoked)" : "").Append(key.Invalid ? " (invalid)" : "").Append('\n');
        var indent = primary ? "  " : "    ";
        sb.Append(indent).Append("Created: ").Append(GpgVerifyResult.FormatTime(key.Created)).Append('\n');
        if (key.Expires > 0)
            sb.Append(indent).Append(key.Expired ? "Expired" : "Expires").Append(": ").Append(GpgVerifyResult.FormatTime(key.Expires)).Append('\n');
    }
}
