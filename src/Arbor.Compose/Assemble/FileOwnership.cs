// The owners, special mode bits and capabilities rpm headers give package files, applied to an
// assembled tree. Package commits in the bare-user cache hold every file as root's, without
// setuid/setgid/sticky (a transient setuid binary must never sit in the cache); rpm-ostree puts
// the header's word back on the tree right before each package's %post, after every %pre ran, so
// users created by %pre scripts exist (rpmostree-core.cxx apply_rpmfi_overrides). Only root can
// chown, so like rpm-ostree nothing happens for other users.
//
// Per file: FileOverride (PackageCommit.FileOverrides) -> skip /var, /run and anything outside
// /usr and /etc (with one warning) -> lstat (a missing %ghost is fine) -> file type must agree
// with the header -> break the hardlink into the package cache -> names resolved in the TREE's
// passwd/group -> lchown -> security.capability written again (chown clears it) -> chmod with the
// header mode (chown clears setuid/setgid too).
using System.Text;
using Arbor.Compose.Import;
using Arbor.Native;

namespace Arbor.Compose.Assemble;

/// <summary>Applies package file ownership, special modes and capabilities to an assembled tree.</summary>
public static class FileOwnership
{
    private const uint TypeMask = 0xF000, Regular = 0x8000, Directory = 0x4000, Symlink = 0xA000;

    /// <summary>True when this process can apply ownership (it runs as root); rpm-ostree skips the step otherwise.</summary>
    public static bool CanApply => LibC.GetUid() == 0;

    /// <summary>
    /// Applies <paramref name="overrides"/> of package <paramref name="package"/> (its name, for
    /// messages) under <paramref name="root"/>, resolving user and group names in
    /// <paramref name="names"/>; returns how many paths changed.
    /// </summary>
    /// <param name="root">The assembled tree (with /usr/etc or /etc as scripts see it).</param>
    /// <param name="package">The package name.</param>
    /// <param name="overrides">The package's file overrides.</param>
    /// <param name="names">The tree's users and groups.</param>
    /// <param name="warning">Receives rpm-ostree's one warning about content outside /usr and /etc.</param>
    /// <exception cref="ComposeException">A user or group is unknown, a file is missing or has another type than the header says; the message names package, path and name.</exception>
    public static int Apply(string root, string package, IReadOnlyList<FileOverride> overrides, PasswdEntries names,
        Action<string>? warning = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(names);
        bool warned = false;
        int changed = 0;
        foreach (var o in overrides)
        {
            uint type = o.Mode & TypeMask;
            if (type is not (Regular or Directory or Symlink))
                continue;
            string rel = o.Path.TrimStart('/');
            if (rel.Length == 0 || rel.StartsWith("run/", StringComparison.Ordinal) || rel.StartsWith("var/", StringComparison.Ordinal))
                continue;
            if (!rel.StartsWith("usr/", StringComparison.Ordinal) && !rel.StartsWith("etc/", StringComparison.Ordinal))
            {
                if (!warned)
                    warning?.Invoke($"Ignoring rpm mode for non-/usr content: {rel}");
                warned = true;
                continue;
            }
            string full = Path.Combine(root, rel);
            if (!LibC.TryLStat(full, out var st, out int errno))
            {
                if (errno == LibC.ENOENT && o.Ghost)
                    continue;
                throw new ComposeException($"While applying overrides for pkg {package}: fstatat({rel}): {new NativeIOException("lstat", full, errno).Message}");
            }
            if ((st.Mode & TypeMask) != type)
                throw new ComposeException($"While applying overrides for pkg {package}: Inconsistent file type between RPM and checkout for file '{rel}' in package '{package}'");

            uint uid = o.User == "root" ? 0
                : names.Users.TryGetValue(o.User, out var user) ? user.Uid
                : throw new ComposeException($"While applying overrides for pkg {package}: Could not find user '{o.User}' in passwd file (owner of '{rel}')");
            uint gid = o.Group == "root" ? 0
                : names.Groups.TryGetValue(o.Group, out var group) ? group.Gid
                : throw new ComposeException($"While applying overrides for pkg {package}: Could not find group '{o.Group}' in group file (group of '{rel}')");

            if (type != Directory && st.NLink > 1)
                HardlinkBreaker.BreakFile(full);
            LibC.LChown(full, uid, gid);
            if (o.Capabilities.Length > 0 && type == Regular)
            {
                byte[]? caps;
                try
                {
                    caps = FileCapabilities.Encode(o.Capabilities);
                }
                catch (FormatException e)
                {
                    throw new ComposeException($"While applying overrides for pkg {package}: {rel}: capabilities '{o.Capabilities}': {e.Message}");
                }
                if (caps is not null)
                    LibC.LSetXattr(full, Encoding.ASCII.GetBytes(FileCapabilities.XattrName), caps);
            }
            // rpm-ostree chmods only regular files; directories get their setgid/sticky bits back
            // too here, so `rpm -V` agrees with the tree for them as well.
            if (type is Regular or Directory)
                File.SetUnixFileMode(full, (UnixFileMode)(o.Mode & 0xFFF));
            changed++;
        }
        return changed;
    }
}
