// What a treefile asks of a tree after its packages are in and their scripts have run, in
// rpm-ostree's order (composepost.rs `compose_postprocess`): /etc back to /usr/etc, the rpmdb
// links, `units` enabled in multi-user.target.wants, `default-target`, the expanded treefile
// kept at usr/share/rpm-ostree/treefile.json, then with /etc in place `remove-files` and
// `add-files`, then the `postprocess` inline scripts and the `postprocess-script`, each in the
// script sandbox (no network). Each step names itself in the error when it fails.
using Arbor.Compose.Assemble;

namespace Arbor.Compose.Postprocess;

/// <summary>The treefile's postprocessing requests, resolved to values and host paths.</summary>
public sealed class PostprocessRequest
{
    /// <summary>systemd units to enable (<c>units</c>).</summary>
    public IReadOnlyList<string> Units { get; init; } = [];

    /// <summary>The default target (<c>default-target</c>), or null.</summary>
    public string? DefaultTarget { get; init; }

    /// <summary>Paths relative to the root to delete (<c>remove-files</c>).</summary>
    public IReadOnlyList<string> RemoveFiles { get; init; } = [];

    /// <summary>(host source, destination in the tree) pairs (<c>add-files</c>).</summary>
    public IReadOnlyList<(string Source, string Destination)> AddFiles { get; init; } = [];

    /// <summary>Inline scripts (<c>postprocess</c>), run in order.</summary>
    public IReadOnlyList<string> InlineScripts { get; init; } = [];

    /// <summary>A host script file (<c>postprocess-script</c>), run last, or null.</summary>
    public string? ScriptFile { get; init; }

    /// <summary>The fully expanded treefile as JSON, kept in the tree, or null.</summary>
    public string? TreefileJson { get; init; }

    /// <summary>Passed to scripts as SOURCE_DATE_EPOCH when set.</summary>
    public string? SourceDateEpoch { get; init; }

    /// <summary>Receives what the postprocess scripts print.</summary>
    public Action<ScriptOutputLine>? Output { get; init; }
}

/// <summary>Applies a treefile's postprocessing to a composed tree.</summary>
public static class TreePostprocess
{
    private const string MultiUserWants = "usr/etc/systemd/system/multi-user.target.wants";

    /// <summary>Runs every step of <paramref name="request"/> on the tree at <paramref name="root"/>.</summary>
    /// <exception cref="ComposeException">A step failed; the message names it.</exception>
    public static void Run(string root, PostprocessRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(request);
        string etc = Path.Combine(root, "etc"), usrEtc = Path.Combine(root, "usr/etc");
        if (Directory.Exists(etc) && new DirectoryInfo(etc).LinkTarget is null)
        {
            if (Directory.Exists(usrEtc))
                throw new ComposeException("Postprocessing: the tree has both /etc and /usr/etc");
            Directory.Move(etc, usrEtc);
        }
        Directory.CreateDirectory(usrEtc);
        RootfsLayout.LinkRpmdb(root);
        EnableUnits(root, request.Units);
        if (request.DefaultTarget is { } target)
            SetDefaultTarget(root, target);
        if (request.TreefileJson is { } json)
        {
            string dir = Path.Combine(root, "usr/share/rpm-ostree");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "treefile.json"), json);
        }
        RemoveFiles(root, request.RemoveFiles);
        AddFiles(root, request.AddFiles);
        RunScripts(root, request, cancellationToken);
    }

    /// <summary>Links each unit into multi-user.target.wants (as <c>/usr/lib/systemd/system/UNIT</c>), unless already there.</summary>
    public static void EnableUnits(string root, IReadOnlyList<string> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        if (units.Count == 0)
            return;
        string wants = Path.Combine(root, MultiUserWants);
        Directory.CreateDirectory(wants);
        foreach (string unit in units)
        {
            if (unit.Length == 0 || unit.Contains('/', StringComparison.Ordinal))
                throw new ComposeException($"Handling treefile 'units': invalid unit name '{unit}'");
            string link = Path.Combine(wants, unit);
            if (Path.Exists(link) || new FileInfo(link).LinkTarget is not null)
                continue;
            File.CreateSymbolicLink(link, "/usr/lib/systemd/system/" + unit);
        }
    }

    /// <summary>Points <c>usr/lib/systemd/system/default.target</c> at <paramref name="target"/>.</summary>
    public static void SetDefaultTarget(string root, string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        string dir = Path.Combine(root, "usr/lib/systemd/system");
        Directory.CreateDirectory(dir);
        string link = Path.Combine(dir, "default.target");
        if (Path.Exists(link) || new FileInfo(link).LinkTarget is not null)
            File.Delete(link);
        File.CreateSymbolicLink(link, target);
    }

    /// <summary>Deletes each path (relative to the root; /etc paths reach /usr/etc).</summary>
    /// <exception cref="ComposeException">A path is absolute or contains "..".</exception>
    public static void RemoveFiles(string root, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (string name in paths)
        {
            if (name.StartsWith('/'))
                throw new ComposeException($"Handling `remove-files`: Invalid absolute path: {name}");
            if (name.Contains("..", StringComparison.Ordinal))
                throw new ComposeException($"Handling `remove-files`: Invalid '..' in path: {name}");
            string full = Path.Combine(root, EtcInUsr(name));
            if (new FileInfo(full).LinkTarget is not null || File.Exists(full))
                File.Delete(full);
            else if (Directory.Exists(full))
                Directory.Delete(full, recursive: true);
        }
    }

    /// <summary>Copies each host file into the tree, keeping its mode; /etc destinations land in /usr/etc.</summary>
    /// <exception cref="ComposeException">A destination is empty or escapes the tree, or a source is missing.</exception>
    public static void AddFiles(string root, IReadOnlyList<(string Source, string Destination)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var (source, destination) in files)
        {
            string relative = destination.TrimStart('/');
            if (relative.Length == 0 || relative.Split('/').Contains(".."))
                throw new ComposeException($"Invalid add-files destination: {destination}");
            if (!File.Exists(source))
                throw new ComposeException($"add-files: {source} does not exist");
            string full = Path.Combine(root, EtcInUsr(relative));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            string temp = full + ".arbor-tmp";
            File.Copy(source, temp, overwrite: true);
            File.SetUnixFileMode(temp, File.GetUnixFileMode(source));
            File.Move(temp, full, overwrite: true);
        }
    }

    private static void RunScripts(string root, PostprocessRequest request, CancellationToken cancellationToken)
    {
        var scripts = new List<(string Name, string Text, string What)>();
        for (int i = 0; i < request.InlineScripts.Count; i++)
            scripts.Add(($"rpmostree-postprocess-inline-{i}", request.InlineScripts[i], "Executing inline postprocessing script"));
        if (request.ScriptFile is { } file)
        {
            if (!File.Exists(file))
                throw new ComposeException($"postprocess-script: {file} does not exist");
            scripts.Add(("rpmostree-treefile-postprocess-script", File.ReadAllText(file), "Executing postprocessing script"));
        }
        if (scripts.Count == 0)
            return;
        using var etc = TempEtc.Arrange(root);
        using var sandbox = new ScriptSandbox(root, SandboxMutability.CopyUp, request.SourceDateEpoch);
        foreach (var (name, text, what) in scripts)
        {
            string binary = Path.Combine(root, "usr/bin", name);
            Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
            File.WriteAllText(binary, text);
            File.SetUnixFileMode(binary, (UnixFileMode)0x1ED);
            try
            {
                var result = sandbox.Run(["/usr/bin/" + name], cancellationToken: cancellationToken);
                foreach (string line in result.Output)
                    request.Output?.Invoke(new ScriptOutputLine(name, line));
                if (result.ExitCode != 0)
                    throw new ComposeException($"{what}: bwrap(/usr/bin/{name}): Child process exited with code {result.ExitCode}");
            }
            finally
            {
                File.Delete(binary);
            }
        }
    }

    private static string EtcInUsr(string relative) =>
        relative == "etc" || relative.StartsWith("etc/", StringComparison.Ordinal) ? "usr/" + relative : relative;
}
