// A repository on disk: opening and creating one, its config, the paths of loose objects, and
// loading metadata objects. Layout and config are exactly ostree's (docs/repo.md), so either tool
// can open what the other made. Content objects are read in Repository.ContentReader.cs and written
// in Repository.ObjectWriter.cs; refs live in Repository.Refs.cs; writes go through RepoTransaction.cs.
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>An OSTree repository.</summary>
public sealed partial class Repository
{
    /// <summary>The repository's root directory.</summary>
    public string Path { get; }

    /// <summary>The storage mode.</summary>
    public RepoMode Mode { get; }

    /// <summary>The parsed <c>config</c> file.</summary>
    public KeyFile Config { get; private set; }

    /// <summary>The <c>objects/</c> directory.</summary>
    public string ObjectsDir { get; }

    /// <summary>The <c>tmp/</c> directory, on the same filesystem as the objects.</summary>
    public string TmpDir { get; }

    /// <summary>False when <c>[core] fsync=false</c>.</summary>
    public bool Fsync { get; }

    /// <summary>True when the repository keeps content in <c>.filez</c> form.</summary>
    public bool IsArchive => Mode == RepoMode.Archive;

    private readonly bool[] _objectSubdirKnown = new bool[256];

    private Repository(string path, KeyFile config)
    {
        Path = path;
        Config = config;
        var modeName = config.Get("core", "mode") ?? "bare";
        Mode = RepoModes.Parse(modeName);
        var version = config.Get("core", "repo_version");
        if (version != "1")
            throw new OstreeException($"Invalid repository version '{version}' in {System.IO.Path.Combine(path, "config")}");
        ObjectsDir = System.IO.Path.Combine(path, "objects");
        TmpDir = System.IO.Path.Combine(path, "tmp");
        Fsync = config.GetBool("core", "fsync", true);
    }

    /// <summary>Opens an existing repository.</summary>
    /// <exception cref="OstreeException">The directory is not a repository.</exception>
    public static Repository Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var configPath = System.IO.Path.Combine(full, "config");
        if (!Directory.Exists(full))
            throw new OstreeException($"opening repo: opendir({path}): No such file or directory");
        if (!File.Exists(configPath) || !Directory.Exists(System.IO.Path.Combine(full, "objects")))
            throw new OstreeException($"opening repo: {path} is not an OSTree repository (no config or objects/)");
        KeyFile config;
        try
        {
            config = KeyFile.Load(configPath);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new OstreeException($"opening repo: reading {configPath}: {e.Message}", e);
        }
        return new Repository(full, config);
    }

    /// <summary>Creates a repository (or opens it if one with the same mode is already there).</summary>
    public static Repository Create(string path, RepoMode mode, string? collectionId = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        var configPath = System.IO.Path.Combine(full, "config");
        if (File.Exists(configPath))
        {
            var existing = Open(full);
            if (existing.Mode != mode)
                throw new OstreeException($"repository at {path} already exists with mode {existing.Mode.DisplayName()}");
            return existing;
        }
        Directory.CreateDirectory(full);
        foreach (var d in new[] { "objects", "tmp", "tmp/cache", "extensions", "state", "refs/heads", "refs/mirrors", "refs/remotes" })
            Directory.CreateDirectory(System.IO.Path.Combine(full, d));
        var config = new KeyFile();
        config.Set("core", "repo_version", "1");
        config.Set("core", "mode", mode.ConfigName());
        if (collectionId is not null)
            config.Set("core", "collection-id", collectionId);
        AtomicFile.WriteAllText(configPath, config.ToString(), fsync: true);
        return new Repository(full, config);
    }

    /// <summary>Writes the config back atomically and reloads it.</summary>
    public void SaveConfig(KeyFile config)
    {
        AtomicFile.WriteAllText(System.IO.Path.Combine(Path, "config"), config.ToString(), Fsync);
        Config = config;
    }

    /// <summary>The <c>[core] collection-id</c>, if set.</summary>
    public string? CollectionId => Config.Get("core", "collection-id");

    /// <summary>The loose object path <c>objects/XX/YYYY….ext</c>.</summary>
    public string ObjectPath(Checksum checksum, ObjectType type) => checksum.ToObjectPath(ObjectsDir, type.Extension(IsArchive));

    /// <summary>The loose object path of <paramref name="name"/>.</summary>
    public string ObjectPath(ObjectName name) => ObjectPath(name.Checksum, name.Type);

    /// <summary>True when the object is stored in this repository.</summary>
    public bool HasObject(Checksum checksum, ObjectType type) =>
        Native.LibC.TryLStat(ObjectPath(checksum, type), out _, out _);

    /// <summary>Makes sure <c>objects/XX</c> exists for <paramref name="checksum"/>.</summary>
    internal void EnsureObjectSubdir(Checksum checksum)
    {
        Span<byte> b = stackalloc byte[Checksum.ByteLength];
        checksum.CopyTo(b);
        if (Volatile.Read(ref _objectSubdirKnown[b[0]]))
            return;
        Directory.CreateDirectory(System.IO.Path.Combine(ObjectsDir, b[0].ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        Volatile.Write(ref _objectSubdirKnown[b[0]], true);
    }

    /// <summary>Reads a metadata object's bytes.</summary>
    /// <exception cref="OstreeException">The object is missing or unreadable.</exception>
    public byte[] LoadMetadataBytes(Checksum checksum, ObjectType type)
    {
        if (!type.IsMeta())
            throw new ArgumentException($"{type} is not a metadata object type", nameof(type));
        var path = ObjectPath(checksum, type);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new OstreeException($"No such metadata object {checksum}.{type.Name()}");
        }
        catch (DirectoryNotFoundException)
        {
            throw new OstreeException($"No such metadata object {checksum}.{type.Name()}");
        }
    }

    /// <summary>Loads and parses a commit.</summary>
    public Commit LoadCommit(Checksum checksum) => Parse(checksum, ObjectType.Commit, Commit.Parse);

    /// <summary>Loads and parses a dirtree.</summary>
    public DirTree LoadDirTree(Checksum checksum) => Parse(checksum, ObjectType.DirTree, DirTree.Parse);

    /// <summary>Loads and parses a dirmeta.</summary>
    public DirMeta LoadDirMeta(Checksum checksum) => Parse(checksum, ObjectType.DirMeta, DirMeta.Parse);

    /// <summary>Loads a commit's detached metadata (<c>.commitmeta</c>), or null when it has none.</summary>
    public GVariant.GVariantView? LoadDetachedMetadata(Checksum commit)
    {
        var path = ObjectPath(commit, ObjectType.CommitMeta);
        if (!File.Exists(path))
            return null;
        return new GVariant.GVariantView(GVariant.GVariantType.VarDict, File.ReadAllBytes(path));
    }

    private T Parse<T>(Checksum checksum, ObjectType type, Func<ReadOnlyMemory<byte>, T> parse)
    {
        var bytes = LoadMetadataBytes(checksum, type);
        try
        {
            return parse(bytes);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentOutOfRangeException)
        {
            throw new OstreeException($"Corrupted {type.Name()} object {checksum}: {e.Message}", e);
        }
    }

    /// <summary>A unique temporary file name inside this process's staging directory under <c>tmp/</c> (same filesystem as the objects).</summary>
    public string NewTmpPath(string prefix) =>
        System.IO.Path.Combine(StagingDir, $"{prefix}-{Guid.NewGuid():N}");
}
