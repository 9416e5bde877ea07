// Where a package's files land in an ostree tree, and what becomes of those that cannot land there
// (rpm-ostree's translate_path_for_ostree, path_is_ostree_compliant and tmpfiles translation).
// An RPM path flows: relative package path -> Translate (etc -> usr/etc, boot -> usr/lib/ostree-boot,
// opt -> usr/lib/opt, var/lib/{alternatives,vagrant} -> usr/lib/...) -> absolute ostree path ->
// either committed (when under /, /usr, /bin, /sbin, /lib, /lib64), turned into a tmpfiles.d line
// (/var and /run directories and symlinks), or refused.
using System.Globalization;
using System.Text;

namespace Arbor.Compose.Import;

/// <summary>rpm-ostree's path rules for package content.</summary>
public static class OstreePaths
{
    private static readonly string[] VarLibMoved = ["alternatives", "vagrant"];

    /// <summary>
    /// Translates a relative package path ("etc/foo") to its place in an ostree tree ("usr/etc/foo");
    /// paths that need no translation come back unchanged.
    /// </summary>
    public static string Translate(string relative)
    {
        ArgumentNullException.ThrowIfNull(relative);
        if (relative == "etc" || relative.StartsWith("etc/", StringComparison.Ordinal))
            return "usr/" + relative;
        if (relative.StartsWith("boot/", StringComparison.Ordinal))
            return "usr/lib/ostree-boot/" + relative["boot/".Length..];
        // The SELinux policy store lives with the rest of the policy in /etc (rhbz#1290659).
        if (relative.StartsWith("var/lib/selinux/targeted/", StringComparison.Ordinal))
            return "usr/etc/selinux/targeted/" + relative["var/lib/selinux/targeted/".Length..];
        if (relative == "opt" || relative.StartsWith("opt/", StringComparison.Ordinal))
            return "usr/lib/" + relative;
        if (relative.StartsWith("var/lib/", StringComparison.Ordinal))
        {
            var rest = relative["var/lib/".Length..];
            foreach (var moved in VarLibMoved)
            {
                if (rest.StartsWith(moved, StringComparison.Ordinal))
                    return "usr/lib/" + rest;
            }
        }
        return relative;
    }

    /// <summary>Whether an absolute ostree path may be committed (rpm-ostree issue 233).</summary>
    public static bool IsCompliant(string absolute)
    {
        ArgumentNullException.ThrowIfNull(absolute);
        if (absolute is "/" or "/usr" or "/bin" or "/sbin" or "/lib" or "/lib64")
            return true;
        return absolute.StartsWith("/bin/", StringComparison.Ordinal) || absolute.StartsWith("/sbin/", StringComparison.Ordinal)
            || absolute.StartsWith("/lib/", StringComparison.Ordinal) || absolute.StartsWith("/lib64/", StringComparison.Ordinal)
            || absolute.StartsWith("/usr/", StringComparison.Ordinal);
    }

    /// <summary>Maps an ostree path back to where the package put it, for messages ("/usr/etc/x" -> "/etc/x").</summary>
    public static string ToPackagePath(string absolute)
    {
        ArgumentNullException.ThrowIfNull(absolute);
        if (absolute == "/usr/etc" || absolute.StartsWith("/usr/etc/", StringComparison.Ordinal))
            return absolute[4..];
        if (absolute == "/usr/lib/opt" || absolute.StartsWith("/usr/lib/opt/", StringComparison.Ordinal))
            return absolute[8..];
        if (absolute.StartsWith("/usr/lib/ostree-boot/", StringComparison.Ordinal))
            return "/boot/" + absolute["/usr/lib/ostree-boot/".Length..];
        return absolute;
    }

    /// <summary>A tmpfiles.d line creating a directory: <c>d PATH MODE USER GROUP - -</c>.</summary>
    public static string TmpfilesDirectory(string absolute, uint mode, string user, string group) =>
        string.Create(CultureInfo.InvariantCulture, $"d {TmpfilesPath(absolute)} {Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0')} {user} {group} - -");

    /// <summary>A tmpfiles.d line creating a symlink: <c>L PATH - - - - TARGET</c>.</summary>
    public static string TmpfilesSymlink(string absolute, string target) => $"L {TmpfilesPath(absolute)} - - - - {target}";

    /// <summary>A path as a tmpfiles.d line names it: /var/run is /run, and odd characters are shell-quoted.</summary>
    public static string TmpfilesPath(string absolute)
    {
        ArgumentNullException.ThrowIfNull(absolute);
        if (absolute.StartsWith("/var/run/", StringComparison.Ordinal))
            absolute = absolute[4..];
        return ShellQuote(absolute);
    }

    /// <summary>
    /// Quotes <paramref name="s"/> as g_shell_quote does (single quotes, ' as '\'') unless it is made
    /// only of letters, digits and <c>-._/=:</c>.
    /// </summary>
    public static string ShellQuote(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        bool safe = s.Length > 0;
        foreach (char c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '/' or '=' or ':'))
            {
                safe = false;
                break;
            }
        }
        if (safe)
            return s;
        var sb = new StringBuilder("'");
        foreach (char c in s)
        {
            if (c == '\'')
                sb.Append("'\\''");
            else
                sb.Append(c);
        }
        return sb.Append('\'').ToString();
    }
}
