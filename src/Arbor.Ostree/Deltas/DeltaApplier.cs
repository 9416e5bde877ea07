// `static-delta apply-offline`: reads a superblock (a delta directory or a superblock file),
// verifies a signed one when the caller passes keys (DeltaSignatures), checks that the
// from-commit is present, then executes every part whose objects are not all present yet: the
// part file is checksummed against its header (inline parts are not, as in ostree),
// decompressed, parsed, and its operations replayed to write objects, each verified against the
// checksum the part header names. Parts are independent, so they run in parallel.
// Every object is checked against the checksum it is written under before it enters objects/;
// the superblock's to-commit is checked against the delta's target first of all. Only when every
// part succeeded (and is synced) are the detached metadata and the to-commit written — a failed
// apply never leaves a commit behind, so fsck finds nothing to flag. The part interpreter is
// exposed for pull.
using Arbor.Native;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Ostree.Deltas;

/// <summary>Applies static deltas to a repository.</summary>
public static class DeltaApplier
{
    /// <summary>Opens a superblock: <paramref name="path"/> is a delta directory (holding <c>superblock</c>) or the superblock file.</summary>
    /// <exception cref="OstreeException">The file is missing or does not parse.</exception>
    public static (DeltaSuperblock Superblock, string Dir) OpenSuperblock(string path)
    {
        var (file, bytes) = ReadSuperblockFile(path);
        return (ParseSuperblockFile(file, bytes), Path.GetDirectoryName(Path.GetFullPath(file))!);
    }

    /// <summary>The superblock file of <paramref name="path"/> (a delta directory or the file itself) and its bytes, signed form included.</summary>
    /// <exception cref="OstreeException">The file is missing.</exception>
    public static (string File, byte[] Bytes) ReadSuperblockFile(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, "superblock") : path;
        if (!File.Exists(file))
            throw new OstreeException($"openat({Path.GetFileName(file)}): No such file or directory");
        return (file, File.ReadAllBytes(file));
    }

    private static DeltaSuperblock ParseSuperblockFile(string file, byte[] bytes)
    {
        try
        {
            return DeltaSuperblock.Parse(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new OstreeException($"{file}: {e.Message}", e);
        }
    }

    /// <summary>Applies the delta at <paramref name="path"/> to <paramref name="repo"/>.</summary>
    /// <exception cref="OstreeException">The from-commit is missing, a part is corrupt, or an object does not verify.</exception>
    public static void ApplyOffline(Repository repo, string path) => ApplyOffline(repo, path, null);

    /// <summary>
    /// Applies the delta at <paramref name="path"/> to <paramref name="repo"/>. A signed superblock is first
    /// verified with <paramref name="verifier"/> when one is given; without one it is refused when the
    /// repository sets <c>[core] sign-verify-deltas=true</c>. Unsigned deltas apply either way, as in ostree.
    /// </summary>
    /// <param name="repo">The repository the objects go to.</param>
    /// <param name="path">The delta's superblock file or the directory holding it.</param>
    /// <param name="verifier">The keys a signed superblock must verify with, or null.</param>
    /// <param name="progress">Receives the parts applied of the delta's parts.</param>
    /// <exception cref="OstreeException">The signature does not verify, the from-commit is missing, a part is corrupt, or an object does not verify.</exception>
    public static void ApplyOffline(Repository repo, string path, SignEngine? verifier, IProgress<OperationProgress>? progress = null)
    {
        var (file, bytes) = ReadSuperblockFile(path);
        if (DeltaSignatures.IsSigned(bytes))
        {
            if (verifier is null && repo.Config.GetBool("core", "sign-verify-deltas", false))
                throw new OstreeException("Key is mandatory to check delta signature");
            if (verifier is not null)
                DeltaSignatures.Verify(bytes, verifier);
        }
        var sb = ParseSuperblockFile(file, bytes);
        var dir = Path.GetDirectoryName(Path.GetFullPath(file))!;
        Apply(repo, sb, i => File.ReadAllBytes(Path.Combine(dir, i.ToString(System.Globalization.CultureInfo.InvariantCulture))), offline: true, progress);
    }

    /// <summary>Applies a parsed delta; <paramref name="readPart"/> returns the bytes of part i (not called for inline parts).</summary>
    public static void Apply(Repository repo, DeltaSuperblock sb, Func<int, byte[]> readPart, bool offline, IProgress<OperationProgress>? progress = null)
    {
        if (sb.From is { } from && !repo.HasObject(from, ObjectType.Commit))
            throw new OstreeException($"Commit {from}, which is the delta source, is not in repository");
        if (offline && sb.Fallbacks.Count > 0)
            throw new OstreeException("Cannot execute delta offline: contains nonempty http fallback entries");
        bool haveTo = repo.HasObject(sb.To, ObjectType.Commit);
        if (!haveTo && Checksum.Of(sb.CommitBytes.Span) is var actualTo && actualTo != sb.To)
            throw new OstreeException($"Corrupted commit object; checksum expected='{sb.To}' actual='{actualTo}'");
        var relDir = Repository.StaticDeltaRelativeDir(sb.From, sb.To);
        var applied = new ProgressCounter(progress, "Applying", sb.Parts.Count, unit: "parts");
        applied.Report();
        try
        {
            Parallel.For(0, sb.Parts.Count, i =>
        {
            var header = sb.Parts[i];
            if (header.Version > 0)
                throw new OstreeException($"Delta part has too new version {header.Version}");
            if (header.Objects.All(o => repo.HasObject(o.Checksum, o.Type)))
            {
                applied.Add(1);
                return;
            }
            try
            {
                DeltaPartPayload payload;
                if (sb.InlinePartFile(i) is { } inline)
                {
                    payload = DeltaPartPayload.DecodePartFile(inline);
                }
                else
                {
                    byte[] file;
                    try
                    {
                        file = readPart(i);
                    }
                    catch (FileNotFoundException)
                    {
                        throw new OstreeException($"Opening deltapart '{i}': No such file or directory");
                    }
                    var actual = Checksum.Of(file);
                    if (actual != header.Checksum)
                        throw new OstreeException($"Checksum mismatch in static delta part; expected={header.Checksum} actual={actual}");
                    payload = DeltaPartPayload.DecodePartFile(file, header.UncompressedSize);
                }
                ExecutePart(repo, header.Objects, payload);
                applied.Add(1, (long)header.UncompressedSize);
            }
            catch (Exception e) when (e is InvalidDataException or OstreeException)
            {
                throw new OstreeException($"Executing delta part {i}: {e.Message}", e);
            }
        });
        }
        catch (AggregateException ae)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ae.InnerExceptions[0]).Throw();
        }
        applied.Report();
        if (!haveTo && !repo.HasObject(sb.To, ObjectType.Commit))
        {
            // The commit is the proof that everything below it is present: its objects go to disk first.
            repo.SyncFilesystem();
            if (sb.GetMetadata($"{relDir}/commitmeta") is { } detached)
                repo.WriteDetachedMetadata(sb.To, detached.Serialize());
            repo.WriteMetadata(ObjectType.Commit, sb.CommitBytes.Span, sb.To);
        }
    }

    /// <summary>Replays one part's operations, writing its objects into <paramref name="repo"/>.</summary>
    /// <exception cref="InvalidDataException">An operation is malformed.</exception>
    /// <exception cref="OstreeException">An object does not hash to its expected checksum.</exception>
    public static void ExecutePart(Repository repo, IReadOnlyList<ObjectName> objects, DeltaPartPayload part)
    {
        if (objects.Count == 0)
            return;
        var ops = part.Operations.Span;
        var payload = part.Payload.Span;
        int pos = 0, index = 0;
        ObjectName? target = null;
        FileHeader? header = null;
        byte[]? outBuf = null;
        int outLen = 0, outSize = 0;
        bool have = false;
        byte[]? source = null;

        void Validate(ulong off, ulong len, int payloadLength)
        {
            if (off + len < off || off + len > (ulong)payloadLength)
                throw new InvalidDataException($"Invalid offset/length {off}/{len}");
        }

        ObjectName OpenTarget()
        {
            if (index >= objects.Count)
                throw new InvalidDataException($"delta part has more operations than its {objects.Count} objects");
            return objects[index];
        }

        FileHeader ReadModeXattrs(ReadOnlySpan<byte> opsSpan, ref int p)
        {
            ulong mi = DeltaOps.ReadVarUInt64(opsSpan, ref p), xi = DeltaOps.ReadVarUInt64(opsSpan, ref p);
            if (mi >= (ulong)part.Modes.Count)
                throw new InvalidDataException($"mode index {mi} out of range ({part.Modes.Count} modes)");
            if (xi >= (ulong)part.XattrSets.Count)
                throw new InvalidDataException($"xattr index {xi} out of range ({part.XattrSets.Count} sets)");
            var (uid, gid, mode) = part.Modes[(int)mi];
            return new FileHeader(uid, gid, mode, "", part.XattrSets[(int)xi]);
        }

        void Close()
        {
            if (target is { } t && outBuf is not null && !have)
            {
                if (outLen != outSize)
                    throw new InvalidDataException($"object {t.Checksum}: wrote {outLen} of {outSize} bytes");
                repo.WriteContent(header!, outBuf.AsSpan(0, outSize), t.Checksum);
            }
            source = null;
            target = null;
            outBuf = null;
            header = null;
            have = false;
            index++;
        }

        while (pos < ops.Length)
        {
            byte op = ops[pos++];
            switch (op)
            {
                case DeltaOps.OpenSpliceAndClose:
                    {
                        var t = OpenTarget();
                        if (t.Type.IsMeta())
                        {
                            ulong len = DeltaOps.ReadVarUInt64(ops, ref pos), off = DeltaOps.ReadVarUInt64(ops, ref pos);
                            Validate(off, len, payload.Length);
                            repo.WriteMetadata(t.Type, payload.Slice((int)off, (int)len), t.Checksum);
                        }
                        else
                        {
                            var h = ReadModeXattrs(ops, ref pos);
                            ulong size = DeltaOps.ReadVarUInt64(ops, ref pos), off = DeltaOps.ReadVarUInt64(ops, ref pos);
                            Validate(off, size, payload.Length);
                            var data = payload.Slice((int)off, (int)size);
                            if (h.IsSymlink)
                                repo.WriteContent(h with { SymlinkTarget = System.Text.Encoding.UTF8.GetString(data) }, null, 0, t.Checksum);
                            else if (!repo.HasObject(t.Checksum, ObjectType.File))
                                repo.WriteContent(h, data, t.Checksum);
                        }
                        target = t;
                        Close();
                        break;
                    }
                case DeltaOps.Open:
                    {
                        if (target is not null)
                            throw new InvalidDataException("opcode open: an object is already open");
                        target = OpenTarget();
                        header = ReadModeXattrs(ops, ref pos);
                        ulong size = DeltaOps.ReadVarUInt64(ops, ref pos);
                        if (size > int.MaxValue)
                            throw new InvalidDataException($"opcode open: content size {size} too large");
                        have = repo.HasObject(target.Value.Checksum, ObjectType.File);
                        // The size is the part's word only: the buffer grows as writes fill it,
                        // so a corrupt size fails at close instead of allocating gigabytes.
                        outSize = (int)size;
                        outBuf = new byte[Math.Min(outSize, 1 << 20)];
                        outLen = 0;
                        break;
                    }
                case DeltaOps.Write:
                    {
                        ulong size = DeltaOps.ReadVarUInt64(ops, ref pos), off = DeltaOps.ReadVarUInt64(ops, ref pos);
                        if (outBuf is null)
                            throw new InvalidDataException("opcode write: no object is open");
                        if (have)
                            break;
                        ReadOnlySpan<byte> src;
                        if (source is not null)
                        {
                            Validate(off, size, source.Length);
                            src = source.AsSpan((int)off, (int)size);
                        }
                        else
                        {
                            Validate(off, size, payload.Length);
                            src = payload.Slice((int)off, (int)size);
                        }
                        if ((ulong)outLen + size > (ulong)outSize)
                            throw new InvalidDataException("opcode write: more data than the object's size");
                        if (outLen + (int)size > outBuf.Length)
                            Array.Resize(ref outBuf, (int)Math.Min(outSize, Math.Max((long)outBuf.Length * 2, outLen + (long)size)));
                        src.CopyTo(outBuf.AsSpan(outLen));
                        outLen += (int)size;
                        break;
                    }
                case DeltaOps.SetReadSource:
                    {
                        ulong off = DeltaOps.ReadVarUInt64(ops, ref pos);
                        Validate(off, 32, payload.Length);
                        var from = new Checksum(payload.Slice((int)off, 32));
                        source = DeltaCompiler.ReadAll(repo, from);
                        break;
                    }
                case DeltaOps.UnsetReadSource:
                    source = null;
                    break;
                case DeltaOps.Close:
                    Close();
                    break;
                case DeltaOps.Bspatch:
                    {
                        ulong off = DeltaOps.ReadVarUInt64(ops, ref pos), len = DeltaOps.ReadVarUInt64(ops, ref pos);
                        Validate(off, len, payload.Length);
                        if (outBuf is null)
                            throw new InvalidDataException("opcode bspatch: no object is open");
                        if (have)
                            break;
                        if (source is null)
                            throw new InvalidDataException("opcode bspatch: no read source");
                        outBuf = Bsdiff.Patch(source, payload.Slice((int)off, (int)len), outSize);
                        outLen = outSize;
                        break;
                    }
                default:
                    throw new InvalidDataException($"Unknown opcode {op} at offset {pos - 1}");
            }
        }
    }

    /// <summary>Counts each opcode in a part (for <c>show</c>), in the order S o w r R c B, without writing.</summary>
    /// <exception cref="InvalidDataException">An opcode is unknown or an operand is truncated.</exception>
    public static int[] CountOps(IReadOnlyList<ObjectName> objects, DeltaPartPayload part)
    {
        var counts = new int[7];
        var ops = part.Operations.Span;
        int pos = 0, index = 0;
        while (pos < ops.Length)
        {
            byte op = ops[pos++];
            int idx = "SowrRcB".IndexOf((char)op);
            if (idx < 0)
                throw new InvalidDataException($"Unknown opcode {op} at offset {pos - 1}");
            counts[idx]++;
            int args = op switch
            {
                DeltaOps.OpenSpliceAndClose => index < objects.Count && objects[index].Type.IsMeta() ? 2 : 4,
                DeltaOps.Open => 3,
                DeltaOps.Write or DeltaOps.Bspatch => 2,
                DeltaOps.SetReadSource => 1,
                _ => 0,
            };
            if (op is DeltaOps.OpenSpliceAndClose or DeltaOps.Close)
                index++;
            for (int i = 0; i < args; i++)
                DeltaOps.ReadVarUInt64(ops, ref pos);
        }
        return counts;
    }
}
