// Committing a tar stream (`commit --tree=tar=FILE`). Entries are read in order with
// System.Formats.Tar, through TarBlockCheck, which refuses damaged headers and archives that end
// without their end marker (so a damaged archive never commits as a part of itself); ownership
// and mode come from the headers, xattrs from PAX SCHILY.xattr.* records. Paths that are absolute or climb with ".." are refused before anything
// is written, because a tree with such names could escape a later checkout.
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Arbor.Native;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Commits;

/// <summary>Imports tar archives into a <see cref="MutableTree"/>.</summary>
public static class TarImporter
{
    /// <summary>Imports <paramref name="tar"/> (plain or gzip-compressed) into <paramref name="into"/>.</summary>
    /// <param name="repo">Where content objects go.</param>
    /// <param name="tar">The archive stream.</param>
    /// <param name="into">The tree to add entries to.</param>
    /// <param name="modifier">Ownership and permission rules.</param>
    /// <param name="autocreateParents">Create missing parent directories (root-owned, 0755) instead of failing.</param>
    /// <param name="sizes">Records the objects written, for <c>--generate-sizes</c>, when set.</param>
    public static void Import(Repository repo, Stream tar, MutableTree into, CommitModifier modifier, bool autocreateParents, SizeIndex? sizes = null)
    {
        modifier = modifier.For(repo.Mode);
        using var input = new TarBlockCheck(MaybeDecompress(tar));
        using var reader = new TarReader(input, leaveOpen: true);
        Checksum? defaultMeta = null;
        Checksum DefaultMeta() => defaultMeta ??= Recorded(ObjectType.DirMeta, CommitWriter.WriteDefaultDirMeta(repo));
        Checksum Recorded(ObjectType type, Checksum checksum)
        {
            sizes?.Add(type, checksum);
            return checksum;
        }
        TarEntry? entry;
        try
        {
            while ((entry = NextEntry(reader)) is not null)
            {
                if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
                    continue;
                var parts = SplitPath(entry.Name);
                if (parts.Count == 0)
                {
                    if (entry.EntryType == TarEntryType.Directory)
                        into.MetaChecksum = Recorded(ObjectType.DirMeta, WriteDirMeta(repo, entry, modifier));
                    continue;
                }
                var parent = into;
                for (int i = 0; i < parts.Count - 1; i++)
                {
                    if (!parent.Dirs.TryGetValue(parts[i], out var next))
                    {
                        // A file or symlink is never turned into a directory to hold a later entry.
                        if (parent.Files.ContainsKey(parts[i]))
                            throw new OstreeException($"Can't replace file with directory: {Shown(parts, i + 1)}");
                        if (!autocreateParents)
                            throw new OstreeException($"Tar entry '{entry.Name}': parent directory '{string.Join('/', parts.Take(i + 1))}' is missing (use --tar-autocreate-parents)");
                        next = parent.EnsureDir(parts[i]);
                        next.MetaChecksum ??= DefaultMeta();
                    }
                    parent = next;
                }
                var name = parts[^1];
                // A later entry of another type does not replace an earlier one (a file would drop
                // everything under the directory); later files do replace earlier files, as in ostree.
                if (entry.EntryType == TarEntryType.Directory ? parent.Files.ContainsKey(name) : parent.Dirs.ContainsKey(name))
                {
                    throw new OstreeException(entry.EntryType == TarEntryType.Directory
                        ? $"Can't replace file with directory: {Shown(parts, parts.Count)}"
                        : $"Can't replace directory with file: {Shown(parts, parts.Count)}");
                }
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        parent.EnsureDir(name).MetaChecksum = Recorded(ObjectType.DirMeta, WriteDirMeta(repo, entry, modifier));
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        {
                            var header = Header(entry, modifier, UnixMode.S_IFREG, "");
                            var data = entry.DataStream ?? Stream.Null;
                            parent.SetFile(name, Recorded(ObjectType.File, repo.WriteContent(header, data, entry.Length)));
                            break;
                        }
                    case TarEntryType.SymbolicLink:
                        parent.SetFile(name, Recorded(ObjectType.File, repo.WriteContent(Header(entry, modifier, UnixMode.S_IFLNK, entry.LinkName), null, 0)));
                        break;
                    case TarEntryType.HardLink:
                        {
                            var target = SplitPath(entry.LinkName);
                            var dir = into;
                            for (int i = 0; i < target.Count - 1 && dir is not null; i++)
                                dir = dir.Dirs.GetValueOrDefault(target[i]);
                            if (dir is null || target.Count == 0 || !dir.Files.TryGetValue(target[^1], out var c))
                                throw new OstreeException($"Tar entry '{entry.Name}': hard link target '{entry.LinkName}' not found earlier in the archive");
                            parent.SetFile(name, c);
                            break;
                        }
                    default:
                        throw new OstreeException($"Tar entry '{entry.Name}': unsupported entry type {entry.EntryType}; only files, directories, symbolic links and hard links can be committed");
                }
            }
            input.RequireEnd();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new OstreeException($"Damaged tar archive: {e.Message} ({input.Where})", e);
        }
        into.MetaChecksum ??= DefaultMeta();
    }

    private static string Shown(List<string> parts, int count) => TerminalText.Escape(string.Join('/', parts.Take(count)));

    // System.Formats.Tar reports some malformed headers with exceptions that say nothing of a tar
    // archive (a size field past the data, a number that overflows, a header cut short, a GNU
    // sparse entry it cannot read).
    private static TarEntry? NextEntry(TarReader reader)
    {
        try
        {
            return reader.GetNextEntry();
        }
        catch (Exception e) when (e is EndOfStreamException or OverflowException or InvalidOperationException or FormatException or ArgumentException or NotSupportedException)
        {
            throw new OstreeException($"Reading tar archive: malformed or truncated entry header: {e.Message}", e);
        }
    }

    private static Stream MaybeDecompress(Stream s)
    {
        var buffered = new BufferedStream(s, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        int n = buffered.Read(magic);
        var prefix = magic[..n].ToArray();
        var rest = new PrefixedStream(prefix, buffered);
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(rest, CompressionMode.Decompress) : rest;
    }

    /// <summary>Splits a tar member name into safe components; refuses absolute names and "..".</summary>
    public static List<string> SplitPath(string name)
    {
        if (name.StartsWith('/'))
            throw new OstreeException($"Tar entry '{name}' has an absolute path; refusing to import it");
        var parts = new List<string>();
        foreach (var p in name.Split('/'))
        {
            if (p.Length == 0 || p == ".")
                continue;
            if (p == "..")
                throw new OstreeException($"Tar entry '{name}' contains '..'; refusing to import it");
            parts.Add(p);
        }
        return parts;
    }

    private static FileHeader Header(TarEntry entry, CommitModifier modifier, uint type, string target)
    {
        var (uid, gid, mode) = modifier.Apply((uint)entry.Uid, (uint)entry.Gid, modifier.ApplyReadOnlyExecutables(type | ((uint)entry.Mode & 0xFFF)));
        var xattrs = modifier.SkipXattrs ? Xattrs.None : PaxXattrs(entry);
        return new FileHeader(uid, gid, mode, target, xattrs);
    }

    private static Checksum WriteDirMeta(Repository repo, TarEntry entry, CommitModifier modifier)
    {
        var (uid, gid, mode) = modifier.Apply((uint)entry.Uid, (uint)entry.Gid, UnixMode.S_IFDIR | ((uint)entry.Mode & 0xFFF));
        var xattrs = modifier.SkipXattrs ? Xattrs.None : PaxXattrs(entry);
        return repo.WriteMetadata(ObjectType.DirMeta, new DirMeta(uid, gid, mode, xattrs).Serialize());
    }

    private static IReadOnlyList<Xattr> PaxXattrs(TarEntry entry)
    {
        if (entry is not PaxTarEntry pax)
            return Xattrs.None;
        var list = new List<Xattr>();
        foreach (var (k, v) in pax.ExtendedAttributes)
        {
            if (k.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
                list.Add(new Xattr(Encoding.UTF8.GetBytes(k["SCHILY.xattr.".Length..]), Encoding.Latin1.GetBytes(v)));
        }
        return list.Count == 0 ? Xattrs.None : Xattrs.Canonicalize(list);
    }

    /// <summary>A read-only stream that replays a few already-consumed bytes before the rest.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : ForwardReadStream
    {
        private int _pos;

        public override int Read(Span<byte> buffer)
        {
            if (_pos < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _pos);
                prefix.AsSpan(_pos, n).CopyTo(buffer);
                _pos += n;
                return n;
            }
            return inner.Read(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
