// A deployment's origin file (ostree/deploy/OS/deploy/CSUM.SERIAL.origin): a GKeyFile saying where
// the deployment came from ([origin] refspec=REMOTE:REF) and transient flags such as
// [libostree-transient] pinned=true. Loaded with the deployment, rewritten atomically by
// deploy, pin and set-origin.
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot;

/// <summary>Origin file helpers.</summary>
public static class OriginFile
{
    /// <summary>The group libostree keeps flags in that are not part of the origin proper.</summary>
    public const string TransientGroup = "libostree-transient";

    /// <summary>A new origin naming <paramref name="refspec"/>.</summary>
    public static KeyFile FromRefspec(string refspec)
    {
        var kf = new KeyFile();
        kf.Set("origin", "refspec", refspec);
        return kf;
    }

    /// <summary>Loads an origin file, or null when absent.</summary>
    public static KeyFile? TryLoad(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            return KeyFile.Load(path);
        }
        catch (OstreeException e)
        {
            throw new OstreeException($"Parsing {path}: {e.Message}", e);
        }
    }

    /// <summary>Loads an origin file given on the command line (<c>--origin-file</c>).</summary>
    public static KeyFile LoadFile(string path)
    {
        try
        {
            return KeyFile.Load(path);
        }
        catch (FileNotFoundException)
        {
            throw new OstreeException($"Failed to open file “{path}”: No such file or directory");
        }
    }

    /// <summary>The refspec of an origin, or null.</summary>
    public static string? Refspec(KeyFile? origin) => origin?.Get("origin", "refspec");

    /// <summary>True when the origin marks the deployment pinned.</summary>
    public static bool IsPinned(KeyFile? origin)
    {
        if (origin?.Get(TransientGroup, "pinned") is not { } v)
            return false;
        return v is "true" or "1";
    }

    /// <summary>A deep copy of an origin.</summary>
    public static KeyFile Clone(KeyFile origin) => KeyFile.Parse(origin.ToString());
}
