// The shape of an ostree root filesystem that `compose tree` commits, as rpm-ostree gives it
// (rust/src/composepost.rs): the assembled tree's /usr, /boot, /var and top-level compat links
// are moved into a fresh root that holds only the mount points and ostree's links (/home →
// var/home, /root → var/roothome, /srv, /mnt, /media under /var or /run, /ostree →
// sysroot/ostree, /tmp a link or a 1777 directory). The rpmdb lives at /usr/share/rpm, with
// /var/lib/rpm and /usr/lib/sysimage/rpm pointing at it and an rpm macro saying so, so `rpm` on
// the deployed system and `rpm --root` on a checkout both find it.
namespace Arbor.Compose.Postprocess;

/// <summary>Where a composed tree keeps /opt and /usr/local state (the treefile's <c>opt-usrlocal</c>).</summary>
public enum OptUsrLocal
{
    /// <summary>/opt is a link to var/opt (the default).</summary>
    Var,

    /// <summary>/opt is a plain directory of the root.</summary>
    Root,
}

/// <summary>Lays out the root of a composed tree.</summary>
public static class RootfsLayout
{
    /// <summary>Where rpm-ostree keeps the rpmdb in a tree.</summary>
    public const string RpmdbLocation = "usr/share/rpm";

    private static readonly string[] TopLevelDirs = ["dev", "proc", "run", "sys", "var", "sysroot"];
    private static readonly string[] TopLevelLinks = ["lib", "lib64", "lib32", "bin", "sbin"];

    /// <summary>
    /// Builds a fresh root at <paramref name="target"/> from the assembled tree at
    /// <paramref name="source"/>: its /usr, /boot, /var and compat links move over; everything
    /// else of the source stays behind.
    /// </summary>
    /// <exception cref="ComposeException">The source has no /usr.</exception>
    public static void Prepare(string source, string target, bool tmpIsDir, OptUsrLocal optUsrLocal = OptUsrLocal.Var)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (!Directory.Exists(Path.Combine(source, "usr")))
            throw new ComposeException($"Preparing rootfs for commit: {source} has no /usr");
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, (UnixFileMode)0x1ED);
        foreach (string dir in TopLevelDirs)
            Directory.CreateDirectory(Path.Combine(target, dir));
        if (tmpIsDir)
        {
            string tmp = Path.Combine(target, "tmp");
            Directory.CreateDirectory(tmp);
            File.SetUnixFileMode(tmp, (UnixFileMode)0x3FF | UnixFileMode.StickyBit);
        }
        else
        {
            File.CreateSymbolicLink(Path.Combine(target, "tmp"), "sysroot/tmp");
        }
        File.CreateSymbolicLink(Path.Combine(target, "root"), "var/roothome");
        File.CreateSymbolicLink(Path.Combine(target, "home"), "var/home");
        File.CreateSymbolicLink(Path.Combine(target, "ostree"), "sysroot/ostree");
        File.CreateSymbolicLink(Path.Combine(target, "srv"), "var/srv");
        File.CreateSymbolicLink(Path.Combine(target, "mnt"), "var/mnt");
        File.CreateSymbolicLink(Path.Combine(target, "media"), "run/media");
        if (optUsrLocal == OptUsrLocal.Root)
            Directory.CreateDirectory(Path.Combine(target, "opt"));
        else
            File.CreateSymbolicLink(Path.Combine(target, "opt"), "var/opt");

        Directory.Move(Path.Combine(source, "usr"), Path.Combine(target, "usr"));
        foreach (string name in new[] { "boot" })
            MoveIfPresent(source, target, name);
        string sourceVar = Path.Combine(source, "var");
        if (Directory.Exists(sourceVar))
        {
            Directory.Delete(Path.Combine(target, "var"));
            Directory.Move(sourceVar, Path.Combine(target, "var"));
        }
        foreach (string link in TopLevelLinks)
            MoveIfPresent(source, target, link);
    }

    /// <summary>
    /// Puts the rpmdb where rpm-ostree keeps it: /var/lib/rpm and /usr/lib/sysimage/rpm become
    /// links to /usr/share/rpm, and <c>usr/lib/rpm/macros.d/macros.rpm-ostree</c> sets
    /// <c>%_dbpath</c>; rpm's lock and environment files are removed.
    /// </summary>
    public static void LinkRpmdb(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Directory.CreateDirectory(Path.Combine(root, "var/lib"));
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/sysimage"));
        ReplaceWithLink(Path.Combine(root, "var/lib/rpm"), "../../" + RpmdbLocation);
        ReplaceWithLink(Path.Combine(root, "usr/lib/sysimage/rpm"), "../../share/rpm");
        string macros = Path.Combine(root, "usr/lib/rpm/macros.d");
        Directory.CreateDirectory(macros);
        string file = Path.Combine(macros, "macros.rpm-ostree");
        File.WriteAllText(file + ".tmp", "%_dbpath /" + RpmdbLocation + "\n");
        File.SetUnixFileMode(file + ".tmp", (UnixFileMode)0x1A4);
        File.Move(file + ".tmp", file, overwrite: true);
        string db = Path.Combine(root, RpmdbLocation);
        if (Directory.Exists(db))
        {
            foreach (string path in Directory.EnumerateFiles(db))
            {
                string name = Path.GetFileName(path);
                if (name is ".dbenv.lock" or ".rpm.lock" || name.StartsWith("__db.", StringComparison.Ordinal))
                    File.Delete(path);
            }
        }
    }

    /// <summary>
    /// Empties the tree's /var, as rpm-ostree's unified core does before committing: package
    /// content under /var became tmpfiles.d lines at import, scripts could not write there, and
    /// what remains are links made for the build. The /var/lib/rpm link to the rpmdb is declared
    /// for boot in <see cref="RootfsFinalize.IntegrationConf"/> instead.
    /// </summary>
    public static void EmptyVar(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        string var = Path.Combine(root, "var");
        if (new DirectoryInfo(var).LinkTarget is not null)
            File.Delete(var);
        else if (Directory.Exists(var))
            Directory.Delete(var, recursive: true);
        Directory.CreateDirectory(var);
        File.SetUnixFileMode(var, (UnixFileMode)0x1ED);
    }

    /// <summary>
    /// Takes the tree's sqlite rpmdb out of WAL mode, as rpm-ostree does for every compose: the
    /// <c>-shm</c> file rpm leaves beside it holds random salts, which would make two composes of
    /// the same inputs differ, and a database in rollback-journal mode needs no side files to be
    /// read from a read-only /usr.
    /// </summary>
    public static void NormalizeRpmdb(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        string db = Path.Combine(root, RpmdbLocation, "rpmdb.sqlite");
        if (!File.Exists(db))
            return;
        using (var sqlite = Arbor.Native.SqliteDatabase.Open(db, readOnly: false))
            sqlite.Execute("PRAGMA journal_mode=DELETE");
        foreach (string side in new[] { "-shm", "-wal" })
        {
            if (File.Exists(db + side))
                File.Delete(db + side);
        }
    }

    private static void ReplaceWithLink(string path, string target)
    {
        if (new FileInfo(path).LinkTarget is not null || File.Exists(path))
            File.Delete(path);
        else if (Directory.Exists(path))
            Directory.Delete(path, recursive: true);
        File.CreateSymbolicLink(path, target);
    }

    private static void MoveIfPresent(string source, string target, string name)
    {
        string from = Path.Combine(source, name), to = Path.Combine(target, name);
        if (new FileInfo(from).LinkTarget is not null)
        {
            File.Move(from, to);
            return;
        }
        if (Directory.Exists(from))
            Directory.Move(from, to);
        else if (File.Exists(from))
            File.Move(from, to);
    }
}
