// The payload half of a package import: cpio entries streamed into a MutableTree. Each entry's
// path is translated to ostree convention and routed (rpm-ostree's compose_filter_cb and
// import_filter): doc files left out under nodocs; /var/lib/rpm and /var/lib/selinux dropped;
// other /var and /run directories and symlinks become tmpfiles.d lines, their files are dropped
// with a notice; /usr/etc/selinux/*.LOCK dropped; paths outside the allowed roots refused (or
// skipped). What stays is written root-owned (owners are the header's business, applied at
// assembly), with the header's capabilities as security.capability, directories u+w. Hard-linked
// files of a newc payload share one content object. After the last entry the payload digests are
// checked, and the package's tmpfiles fragment is added at usr/lib/rpm-ostree/tmpfiles.d/NAME.conf.
using System.Text;
using Arbor.Native;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Package;

namespace Arbor.Compose.Import;

/// <summary>Streams one package's payload into a tree.</summary>
internal sealed class PayloadImport(Repository repo, RpmPackage pkg, string nevra, PackageImportOptions options, CancellationToken ct)
{
    private readonly CommitModifier _modifier = new CommitModifier().For(repo.Mode);
    private readonly MutableTree _root = new();
    private readonly SortedSet<string> _optDirs = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _varLibDirs = new(StringComparer.Ordinal);
    private readonly List<string> _tmpfiles = [];
    private readonly List<ImportNotice> _notices = [];
    private readonly Dictionary<uint, List<(MutableTree Dir, string Name)>> _pendingLinks = [];

    /// <summary>Content left out or changed.</summary>
    public IReadOnlyList<ImportNotice> Notices => _notices;

    /// <summary>Reads the whole payload; returns the tree to commit.</summary>
    public MutableTree Run()
    {
        var files = pkg.Info.Files;
        var byPath = new Dictionary<string, RpmFile>(StringComparer.Ordinal);
        foreach (var f in files)
            byPath.TryAdd(f.Path, f);
        using var payload = pkg.OpenPayload();
        while (payload.Cpio.Next() is { } e)
        {
            ct.ThrowIfCancellationRequested();
            RpmFile? meta = e.FileIndex >= 0 ? files[e.FileIndex] : null;
            string pkgPath = meta?.Path ?? PayloadExtractor.CheckName(e.Name);
            meta ??= byPath.GetValueOrDefault(pkgPath);
            uint mode = e.FileIndex >= 0 ? meta!.Mode : e.Mode;
            if (pkgPath == "/")
                continue;
            var relative = PayloadExtractor.CheckName("." + pkgPath)[1..];
            Entry(e, meta, pkgPath, relative, mode, payload.Cpio);
        }
        foreach (var group in _pendingLinks.Values)
        {
            // Hard-link groups whose data never came hold empty files, as cpio leaves them.
            var empty = repo.WriteContent(Header(UnixMode.S_IFREG | 0x1A4, "", null), ReadOnlySpan<byte>.Empty);
            foreach (var (dir, name) in group)
                dir.SetFile(name, empty);
        }
        payload.Finish();
        AddTmpfilesFragment();
        return _root;
    }

    private void Entry(CpioEntry e, RpmFile? meta, string pkgPath, string relative, uint mode, CpioReader cpio)
    {
        if (relative.StartsWith("opt/", StringComparison.Ordinal))
        {
            var first = relative["opt/".Length..].Split('/')[0];
            if (first.Length > 0)
                _optDirs.Add(first);
        }
        else if (relative is "var/lib/alternatives" or "var/lib/vagrant")
        {
            _varLibDirs.Add(relative["var/lib/".Length..]);
        }
        var translated = OstreePaths.Translate(relative);
        var abs = "/" + translated;
        uint type = mode & UnixMode.S_IFMT;

        if (options.NoDocs && meta is not null && (meta.Flags & FileFlags.Doc) != 0)
            return;
        if (meta is not null && (meta.Flags & FileFlags.Ghost) != 0)
            return;
        if (abs.StartsWith("/run/", StringComparison.Ordinal) || abs.StartsWith("/var/", StringComparison.Ordinal))
        {
            if (abs.StartsWith("/var/lib/rpm", StringComparison.Ordinal) || abs.StartsWith("/var/lib/selinux", StringComparison.Ordinal))
                return;
            switch (type)
            {
                case UnixMode.S_IFDIR:
                    _tmpfiles.Add(OstreePaths.TmpfilesDirectory(abs, mode, Owner(meta?.User), Owner(meta?.Group)));
                    break;
                case UnixMode.S_IFLNK:
                    _tmpfiles.Add(OstreePaths.TmpfilesSymlink(abs, SymlinkTarget(e, meta, cpio)));
                    break;
                default:
                    _notices.Add(new ImportNotice(nevra, pkgPath, $"not importing spurious content at {abs} (only directories and symlinks under /var and /run become tmpfiles.d entries)"));
                    break;
            }
            return;
        }
        if (abs.StartsWith("/usr/etc/selinux", StringComparison.Ordinal) && abs.EndsWith(".LOCK", StringComparison.Ordinal))
            return;
        if (abs.StartsWith("/run", StringComparison.Ordinal) || abs.StartsWith("/var", StringComparison.Ordinal))
            return;
        if (!OstreePaths.IsCompliant(abs))
        {
            if (!options.SkipExtraneous)
                throw new PackageImportException($"Importing package '{pkg.Info.Name}': {pkgPath}: Unsupported path; see https://github.com/projectatomic/rpm-ostree/issues/233");
            _notices.Add(new ImportNotice(nevra, pkgPath, $"skipped: {abs} is outside the paths an ostree tree may hold"));
            return;
        }

        var parts = translated.Split('/');
        var parent = Parent(parts, pkgPath);
        var name = parts[^1];
        switch (type)
        {
            case UnixMode.S_IFDIR:
                {
                    if (parent.Files.ContainsKey(name))
                        throw new PackageImportException($"Importing package '{pkg.Info.Name}': {pkgPath}: a directory where the payload already has a file");
                    // Directories must be writable by their owner (rhbz#517575).
                    var (uid, gid, m) = _modifier.Apply(0, 0, UnixMode.S_IFDIR | (mode & 0xFFF) | 0x80);
                    parent.EnsureDir(name).MetaChecksum = repo.WriteMetadata(ObjectType.DirMeta, new DirMeta(uid, gid, m, Xattrs.None).Serialize());
                    break;
                }
            case UnixMode.S_IFREG:
                {
                    NotADirectory(parent, name, pkgPath);
                    if (e.FileIndex < 0 && e.NLink > 1 && e.Size == 0)
                    {
                        // newc hard links: the data comes with the last name of the group.
                        if (!_pendingLinks.TryGetValue(e.Ino, out var list))
                            _pendingLinks[e.Ino] = list = [];
                        list.Add((parent, name));
                        return;
                    }
                    uint fileMode = mode & 0xFFF;
                    if (options.ReadOnlyExecutables && (fileMode & 0x49) != 0)
                        fileMode &= ~0x92u;
                    var header = Header(UnixMode.S_IFREG | fileMode, "", meta?.Caps);
                    var checksum = repo.WriteContent(header, new CpioDataStream(cpio), e.Size);
                    parent.SetFile(name, checksum);
                    if (e.FileIndex < 0 && e.NLink > 1 && _pendingLinks.Remove(e.Ino, out var links))
                    {
                        foreach (var (dir, n) in links)
                            dir.SetFile(n, checksum);
                    }
                    break;
                }
            case UnixMode.S_IFLNK:
                {
                    NotADirectory(parent, name, pkgPath);
                    var target = SymlinkTarget(e, meta, cpio);
                    // chkconfig's ../../..//sbin/chkconfig link, made canonical as rpm-ostree does.
                    if (target.EndsWith("//sbin/chkconfig", StringComparison.Ordinal))
                        target = CanonicalizeLink(target);
                    parent.SetFile(name, repo.WriteContent(Header(UnixMode.S_IFLNK | (mode & 0xFFF), target, null), null, 0));
                    break;
                }
            default:
                _notices.Add(new ImportNotice(nevra, pkgPath, $"skipped: a {UnixMode.Describe(mode)} cannot be stored in an ostree commit"));
                break;
        }
    }

    private FileHeader Header(uint mode, string target, string? caps)
    {
        var (uid, gid, m) = _modifier.Apply(0, 0, mode);
        IReadOnlyList<Xattr> xattrs = Xattrs.None;
        if (!string.IsNullOrEmpty(caps) && !_modifier.SkipXattrs)
        {
            byte[]? value;
            try
            {
                value = FileCapabilities.Encode(caps);
            }
            catch (FormatException fe)
            {
                throw new PackageImportException($"Importing package '{pkg.Info.Name}': {fe.Message}", fe);
            }
            if (value is not null)
                xattrs = [new Xattr(Encoding.ASCII.GetBytes(FileCapabilities.XattrName), value)];
        }
        return new FileHeader(uid, gid, m, target, xattrs);
    }

    private static string Owner(string? name) => string.IsNullOrEmpty(name) ? "root" : name;

    private static string SymlinkTarget(CpioEntry e, RpmFile? meta, CpioReader cpio)
    {
        if (e.FileIndex >= 0)
            return meta!.LinkTo;
        var ms = new MemoryStream();
        cpio.CopyDataTo(ms);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string CanonicalizeLink(string target)
    {
        bool absolute = target.StartsWith('/');
        var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries).Where((p, i) => p != "." || i == 0);
        var joined = string.Join('/', parts);
        return absolute ? "/" + joined : joined;
    }

    /// <summary>The directory holding <paramref name="parts"/>' last component; missing parents are made root-owned 0755.</summary>
    private MutableTree Parent(string[] parts, string pkgPath)
    {
        var dir = _root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            if (dir.Files.ContainsKey(parts[i]))
                throw new PackageImportException($"Importing package '{pkg.Info.Name}': {pkgPath}: '{parts[i]}' on its way is not a directory");
            dir = dir.EnsureDir(parts[i]);
        }
        return dir;
    }

    private void NotADirectory(MutableTree parent, string name, string pkgPath)
    {
        if (parent.Dirs.ContainsKey(name))
            throw new PackageImportException($"Importing package '{pkg.Info.Name}': {pkgPath}: a file where the payload already has a directory");
    }

    private void AddTmpfilesFragment()
    {
        var lines = new List<string>();
        foreach (var d in _optDirs)
            lines.Add($"L {OstreePaths.ShellQuote("/opt/" + d)} - - - - ../../usr/lib/opt/{d}");
        foreach (var d in _varLibDirs)
            lines.Add($"L {OstreePaths.ShellQuote("/var/lib/" + d)} - - - - ../../usr/lib/{d}");
        lines.AddRange(_tmpfiles);
        if (lines.Count == 0)
            return;
        var text = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
        var dir = _root.EnsurePath(PackageImporter.TmpfilesDir.Split('/'));
        dir.SetFile(pkg.Info.Name + ".conf", repo.WriteContent(Header(UnixMode.S_IFREG | 0x1A4, "", null), text));
    }

    /// <summary>The current cpio entry's data as a stream.</summary>
    private sealed class CpioDataStream(CpioReader cpio) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer) => cpio.ReadData(buffer);
    }
}
