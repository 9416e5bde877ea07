// Repository modes and their names in the config file.
namespace Arbor.Ostree.Repo;

/// <summary>How a repository stores content objects.</summary>
public enum RepoMode
{
    /// <summary>Files stored as themselves with real ownership and xattrs (needs root).</summary>
    Bare,
    /// <summary>Files stored as themselves; ownership, mode and xattrs in <c>user.ostreemeta</c>.</summary>
    BareUser,
    /// <summary>Like bare-user but without any ownership or xattrs (canonical permissions).</summary>
    BareUserOnly,
    /// <summary>Zlib-compressed <c>.filez</c> objects, for serving over HTTP (config says <c>archive-z2</c>).</summary>
    Archive,
}

/// <summary>Helpers for <see cref="RepoMode"/>.</summary>
public static class RepoModes
{
    /// <summary>The config file name of a mode.</summary>
    public static string ConfigName(this RepoMode mode) => mode switch
    {
        RepoMode.Bare => "bare",
        RepoMode.BareUser => "bare-user",
        RepoMode.BareUserOnly => "bare-user-only",
        _ => "archive-z2",
    };

    /// <summary>The name ostree prints for a mode (<c>archive</c> rather than <c>archive-z2</c>).</summary>
    public static string DisplayName(this RepoMode mode) => mode == RepoMode.Archive ? "archive" : mode.ConfigName();

    /// <summary>Parses a mode as given to <c>init --mode</c> or found in a config file.</summary>
    public static RepoMode Parse(string name) => name switch
    {
        "bare" => RepoMode.Bare,
        "bare-user" => RepoMode.BareUser,
        "bare-user-only" => RepoMode.BareUserOnly,
        "archive" or "archive-z2" => RepoMode.Archive,
        _ => throw new OstreeException($"Invalid mode '{name}' in repository configuration"),
    };
}
