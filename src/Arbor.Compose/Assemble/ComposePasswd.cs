// passwd and group through a compose, as rpm-ostree's compose does them (rust/src/passwd.rs,
// normalization.rs, rpmostree-postprocess.cxx):
//
//   previous commit's /usr/etc + /usr/lib passwd/group ─► tree's /usr/etc (preserve-passwd, before
//   scripts, so useradd in %pre hands out the ids it handed out last time)
//   ─► scripts add users ─► /usr/etc/shadow lastchg blanked for locked accounts (reproducible)
//   ─► /usr/etc/passwd split: uid 0 stays, the rest is appended to /usr/lib/passwd; /usr/etc/group
//      likewise, with the etc-group-members groups written to both
//   ─► check-passwd / check-groups against the previous commit, a file or treefile data.
//
// rpm-ostree injects the preserved files before the checkout and checks out `setup` without
// overwriting; writing them right after the checkout leaves the same files in the tree. Files
// are replaced through temporary names, so a file hardlinked into the package cache is never
// written in place.
using System.Text;
using Arbor.Compose.Treefile;
using Arbor.Native;
using Arbor.Ostree.Checkout;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Compose.Assemble;

/// <summary>rpm-ostree's compose-side handling of passwd, group and shadow.</summary>
public static class ComposePasswd
{
    private const UnixFileMode DefaultMode = (UnixFileMode)0x1A4; // 0644

    /// <summary>
    /// preserve-passwd: writes <c>usr/etc/passwd</c> and <c>usr/etc/group</c> of <paramref name="root"/>
    /// from the previous commit's <c>/usr/etc</c> and <c>/usr/lib</c> copies (first entry of a name
    /// wins); a file is left alone when the previous commit lacks either copy. Returns the files written.
    /// </summary>
    /// <exception cref="InvalidDataException">A previous file is malformed; the message names it.</exception>
    public static IReadOnlyList<string> PreserveFromPrevious(string root, Repository repo, Checksum previous)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(repo);
        var written = new List<string>();
        foreach (string name in new[] { "passwd", "group" })
        {
            string? etc = ReadCommitFile(repo, previous, "usr/etc/" + name);
            string? lib = ReadCommitFile(repo, previous, "usr/lib/" + name);
            if (etc is null || lib is null)
                continue;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var text = new StringBuilder();
            foreach (var (content, source) in new[] { (etc, "/usr/etc/" + name), (lib, "/usr/lib/" + name) })
            {
                var entries = name == "passwd"
                    ? PasswdEntries.ParsePasswd(content, $"{previous}:{source}").Select(e => (e.Name, e.Line))
                    : PasswdEntries.ParseGroup(content, $"{previous}:{source}").Select(e => (e.Name, e.Line));
                foreach (var (entryName, line) in entries)
                {
                    if (seen.Add(entryName))
                        text.Append(line).Append('\n');
                }
            }
            string target = Path.Combine(root, "usr/etc", name);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Replace(target, text.ToString(), DefaultMode);
            written.Add("usr/etc/" + name);
        }
        return written;
    }

    /// <summary>
    /// Blanks the last-change field of locked or passwordless accounts (password starting with
    /// <c>!</c> or <c>*</c>) in <c>usr/etc/shadow</c>, so composes do not depend on the day
    /// useradd ran; keeps the file's mode. Does nothing when the tree has no shadow file.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is not a shadow entry; the message names the line.</exception>
    public static bool NormalizeShadow(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        string path = Path.Combine(root, "usr/etc/shadow");
        if (!File.Exists(path))
            return false;
        string text = File.ReadAllText(path);
        var output = new StringBuilder();
        int number = 0;
        foreach (string line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
                continue;
            var fields = line.Split(':');
            if (fields.Length != 9)
                throw new InvalidDataException($"/usr/etc/shadow:{number}: not a shadow entry (want 9 ':'-separated fields)");
            if (fields[1].StartsWith('!') || fields[1].StartsWith('*'))
                fields[2] = "";
            output.Append(string.Join(':', fields)).Append('\n');
        }
        var mode = (UnixFileMode)(LibC.LStat(path).Mode & 0xFFF);
        Replace(path, output.ToString(), mode);
        return true;
    }

    /// <summary>
    /// Moves every <c>usr/etc/passwd</c> entry but uid 0 to the end of <c>usr/lib/passwd</c>, and
    /// every <c>usr/etc/group</c> entry but gid 0 to <c>usr/lib/group</c>, where the groups named in
    /// <paramref name="etcGroupMembers"/> are also kept in /etc. A missing /etc file is left alone.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is malformed; the message names the file and line.</exception>
    public static void MigrateToUsrLib(string root, IReadOnlyCollection<string> etcGroupMembers)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(etcGroupMembers);
        string etcPasswd = Path.Combine(root, "usr/etc/passwd");
        if (File.Exists(etcPasswd))
        {
            var entries = PasswdEntries.ParsePasswd(File.ReadAllText(etcPasswd), "/usr/etc/passwd");
            Split(root, "passwd", entries.Select(e => (e.Line, Keep: e.Uid == 0, Both: false)));
        }
        string etcGroup = Path.Combine(root, "usr/etc/group");
        if (File.Exists(etcGroup))
        {
            var entries = PasswdEntries.ParseGroup(File.ReadAllText(etcGroup), "/usr/etc/group");
            Split(root, "group", entries.Select(e => (e.Line, Keep: e.Gid == 0, Both: e.Gid != 0 && etcGroupMembers.Contains(e.Name))));
        }
    }

    /// <summary>
    /// check-passwd and check-groups: the tree's <c>usr/lib/passwd</c> and <c>usr/lib/group</c>
    /// against the treefile's reference (the previous commit's /usr/lib files, a file or inline
    /// data). Informational lines go to <paramref name="info"/> in rpm-ostree's words.
    /// </summary>
    /// <exception cref="ComposeException">A user or group changed id, or one still owning files went missing; rpm-ostree's wording.</exception>
    public static void Check(string root, PasswdCheck checkPasswd, PasswdCheck checkGroups, IReadOnlyCollection<string> ignoreRemovedUsers,
        IReadOnlyCollection<string> ignoreRemovedGroups, Repository? repo, Checksum? previous, Action<string>? info = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(checkPasswd);
        ArgumentNullException.ThrowIfNull(checkGroups);
        info ??= _ => { };
        var current = new PasswdEntries();
        current.AddPasswdFile(Path.Combine(root, "usr/lib/passwd"));
        current.AddGroupFile(Path.Combine(root, "usr/lib/group"));

        var oldUsers = new Dictionary<string, (uint Uid, uint Gid)>(StringComparer.Ordinal);
        string? passwdText = Reference(checkPasswd, "usr/lib/passwd", repo, previous, out string passwdSource);
        if (passwdText is not null)
        {
            foreach (var e in PasswdEntries.ParsePasswd(passwdText, passwdSource))
                oldUsers.TryAdd(e.Name, (e.Uid, e.Gid));
        }
        else if (checkPasswd.Kind == PasswdCheckKind.Data)
        {
            foreach (var (name, ids) in checkPasswd.Entries)
                oldUsers[name] = ids;
        }
        var oldGroups = new Dictionary<string, uint>(StringComparer.Ordinal);
        string? groupText = Reference(checkGroups, "usr/lib/group", repo, previous, out string groupSource);
        if (groupText is not null)
        {
            foreach (var e in PasswdEntries.ParseGroup(groupText, groupSource))
                oldGroups.TryAdd(e.Name, e.Gid);
        }
        else if (checkGroups.Kind == PasswdCheckKind.Data)
        {
            foreach (var (name, ids) in checkGroups.Entries)
                oldGroups[name] = ids.Gid;
        }

        const string userContext = "Validating user entries according to treefile check-passwd: ";
        bool ignoreAllUsers = ignoreRemovedUsers.Contains("*");
        foreach (string missing in oldUsers.Keys.Where(n => !current.Users.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            if (ignoreAllUsers || ignoreRemovedUsers.Contains(missing))
                info($"Ignored user missing from new passwd file: {missing}");
            else if (TreeHasOwner(root, oldUsers[missing].Uid, null))
                throw new ComposeException(userContext + $"User missing from new passwd file: {missing}");
            else
                info($"Unused user removed from new passwd file: {missing}");
        }
        var newUsers = new List<string>();
        foreach (var (name, entry) in current.Users.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!oldUsers.TryGetValue(name, out var old))
            {
                newUsers.Add(name);
                continue;
            }
            if (entry.Uid != old.Uid)
                throw new ComposeException(userContext + $"passwd UID changed: {name} ({old.Uid} to {entry.Uid})");
            if (entry.Gid != old.Gid)
                throw new ComposeException(userContext + $"passwd GID changed: {name} ({old.Gid} to {entry.Gid})");
        }
        if (newUsers.Count > 0)
            info($"New passwd entries: {string.Join(", ", newUsers)}");

        const string groupContext = "Validating group entries according to treefile check-groups: ";
        bool ignoreAllGroups = ignoreRemovedGroups.Contains("*");
        foreach (string missing in oldGroups.Keys.Where(n => !current.Groups.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            if (ignoreAllGroups || ignoreRemovedGroups.Contains(missing))
                info($"Ignored group missing from new group file: {missing}");
            else if (TreeHasOwner(root, null, oldGroups[missing]))
                throw new ComposeException(groupContext + $"Group missing from new group file: {missing}");
            else
                info($"Unused group removed from new group file: {missing}");
        }
        var newGroups = new List<string>();
        foreach (var (name, entry) in current.Groups.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!oldGroups.TryGetValue(name, out uint old))
            {
                newGroups.Add(name);
                continue;
            }
            // rpm-ostree names the new gid first here (unlike the passwd messages); kept as it words it.
            if (entry.Gid != old)
                throw new ComposeException(groupContext + $"group GID changed: {name} ({entry.Gid} to {old})");
        }
        if (newGroups.Count > 0)
            info($"New group entries: {string.Join(", ", newGroups)}");
    }

    // The reference text of a "previous" or "file" check; null for "none", "data", no previous
    // commit, or a previous commit without the file (nothing to compare with, as rpm-ostree says).
    private static string? Reference(PasswdCheck check, string commitPath, Repository? repo, Checksum? previous, out string source)
    {
        source = "";
        switch (check.Kind)
        {
            case PasswdCheckKind.File when check.FilePath is { } file:
                source = file;
                return File.ReadAllText(file);
            case PasswdCheckKind.Previous when repo is not null && previous is { } prev:
                source = $"{prev}:/{commitPath}";
                return ReadCommitFile(repo, prev, commitPath);
            default:
                return null;
        }
    }

    private static bool TreeHasOwner(string dir, uint? uid, uint? gid)
    {
        var st = LibC.LStat(dir);
        if ((uid is { } u && st.Uid == u) || (gid is { } g && st.Gid == g))
            return true;
        foreach (string entry in Directory.EnumerateFileSystemEntries(dir))
        {
            var est = LibC.LStat(entry);
            if (est.IsDirectory)
            {
                if (TreeHasOwner(entry, uid, gid))
                    return true;
            }
            else if ((uid is { } eu && est.Uid == eu) || (gid is { } eg && est.Gid == eg))
            {
                return true;
            }
        }
        return false;
    }

    private static void Split(string root, string name, IEnumerable<(string Line, bool Keep, bool Both)> entries)
    {
        var etc = new StringBuilder();
        var lib = new StringBuilder();
        foreach (var (line, keep, both) in entries)
        {
            if (keep)
            {
                etc.Append(line).Append('\n');
                continue;
            }
            lib.Append(line).Append('\n');
            if (both)
                etc.Append(line).Append('\n');
        }
        string usrLib = Path.Combine(root, "usr/lib", name);
        string existing = File.Exists(usrLib) ? File.ReadAllText(usrLib) : "";
        if (existing.Length > 0 && !existing.EndsWith('\n'))
            existing += "\n";
        Directory.CreateDirectory(Path.GetDirectoryName(usrLib)!);
        Replace(usrLib, existing + lib, DefaultMode);
        Replace(Path.Combine(root, "usr/etc", name), etc.ToString(), DefaultMode);
    }

    private static string? ReadCommitFile(Repository repo, Checksum commit, string path)
    {
        if (!TreeCheckout.TryResolvePath(repo, commit, path, out _, out var file, out _) || file is not { } checksum)
            return null;
        var content = repo.OpenContent(checksum);
        if (!content.Header.IsRegular)
            return null;
        using var data = content.OpenData();
        using var reader = new StreamReader(data, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    // A new file under a temporary name renamed over the old one: the old inode (possibly shared
    // with the package cache) is never written.
    private static void Replace(string path, string text, UnixFileMode mode)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.arbor-tmp");
        File.WriteAllText(temp, text);
        File.SetUnixFileMode(temp, mode);
        File.Move(temp, path, overwrite: true);
    }
}
