// overlayfs whiteouts cannot live in an ostree commit (a character device is not content), so
// tools store them "passed through" as regular files named .ostree-wh.NAME. With
// --process-passthrough-whiteouts a checkout turns each back into what overlayfs reads as a
// whiteout: a character device 0:0 named NAME carrying the file's permission bits — and, unless
// in user mode, its owner and xattrs — as ostree's checkout_one_file_at does. An existing NAME is
// handled by the overwrite mode: kept (--union-add), replaced (--union), or required to match
// owner, mode and xattrs (--union-identical).
using Arbor.Native;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Checkout;

public sealed partial class TreeCheckout
{
    private const string OverlayWhiteoutPrefix = ".ostree-wh.";
    private const uint SIfChr = 0x2000, PermissionBits = 0xFFF, AllPerms = 0xFFF;

    private void CheckoutOverlayWhiteout(string dirPath, string name, FileHeader header)
    {
        if (name.Length == 0)
            throw new OstreeException($"Invalid empty overlayfs whiteout '{name}'");
        var dest = dirPath + "/" + name;
        if (MakeOverlayWhiteout(dest, header))
            return;
        switch (_options.Overwrite)
        {
            case OverwriteMode.None:
                throw new OstreeException($"Creating whiteout char device {name}: File exists");
            case OverwriteMode.AddFiles:
                return;
            case OverwriteMode.UnionFiles:
                PathRemoval.RemoveAny(dest);
                if (!MakeOverlayWhiteout(dest, header))
                    throw new OstreeException($"Creating whiteout char device {name}: File exists");
                return;
            case OverwriteMode.UnionIdentical:
                var st = LibC.LStat(dest);
                if (!_user)
                {
                    if (header.Gid != st.Gid)
                        throw new OstreeException($"existing destination file {name} does not match gid {header.Gid}");
                    if (header.Uid != st.Uid)
                        throw new OstreeException($"existing destination file {name} does not match uid {header.Uid}");
                    if ((header.Mode & AllPerms) != (st.Mode & AllPerms))
                        throw new OstreeException($"existing destination file {name} does not match mode {Convert.ToString(header.Mode, 8)}");
                }
                return;
        }
    }

    /// <summary>Creates the 0:0 device; false when <paramref name="dest"/> exists.</summary>
    private bool MakeOverlayWhiteout(string dest, FileHeader header)
    {
        int err = LibC.TryMknod(dest, (header.Mode & PermissionBits) | SIfChr, 0, 0);
        if (err == LibC.EEXIST)
            return false;
        if (err != 0)
            throw new NativeIOException("Creating whiteout char device", dest, err);
        if (!_user)
        {
            foreach (var x in header.Xattrs)
                LibC.LSetXattr(dest, x.Name, x.Value);
            LibC.LChown(dest, header.Uid, header.Gid);
            File.SetUnixFileMode(dest, (UnixFileMode)(header.Mode & PermissionBits));
        }
        return true;
    }
}
