// OSTree object types and their on-disk file extensions (ostree-core.h). The numeric values
// are part of the wire format: static deltas and pull requests carry them as bytes.
namespace Arbor.Ostree.Objects;

/// <summary>The kinds of object an OSTree repository stores.</summary>
public enum ObjectType : byte
{
    /// <summary>File content with its metadata (<c>.file</c>, or <c>.filez</c> in archive mode).</summary>
    File = 1,
    /// <summary>A directory listing (<c>.dirtree</c>).</summary>
    DirTree = 2,
    /// <summary>Directory metadata (<c>.dirmeta</c>).</summary>
    DirMeta = 3,
    /// <summary>A commit (<c>.commit</c>).</summary>
    Commit = 4,
    /// <summary>Marks a deleted commit (<c>.tombstone-commit</c>).</summary>
    TombstoneCommit = 5,
    /// <summary>Detached commit metadata such as signatures (<c>.commitmeta</c>).</summary>
    CommitMeta = 6,
    /// <summary>A payload link (<c>.payload-link</c>).</summary>
    PayloadLink = 7,
    /// <summary>Split extended attributes (<c>.file-xattrs</c>).</summary>
    FileXattrs = 8,
    /// <summary>A link to split extended attributes (<c>.file-xattrs-link</c>).</summary>
    FileXattrsLink = 9,
}

/// <summary>Helpers for <see cref="ObjectType"/>.</summary>
public static class ObjectTypes
{
    /// <summary>True for the metadata types (dirtree, dirmeta, commit, tombstone, commitmeta).</summary>
    public static bool IsMeta(this ObjectType t) => t is >= ObjectType.DirTree and <= ObjectType.CommitMeta;

    /// <summary>The loose object file extension, e.g. <c>dirtree</c>.</summary>
    public static string Extension(this ObjectType t, bool archive) => t switch
    {
        ObjectType.File => archive ? "filez" : "file",
        ObjectType.DirTree => "dirtree",
        ObjectType.DirMeta => "dirmeta",
        ObjectType.Commit => "commit",
        ObjectType.TombstoneCommit => "tombstone-commit",
        ObjectType.CommitMeta => "commitmeta",
        ObjectType.PayloadLink => "payload-link",
        ObjectType.FileXattrs => "file-xattrs",
        ObjectType.FileXattrsLink => "file-xattrs-link",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown object type"),
    };

    /// <summary>The name ostree uses in messages and object names, e.g. <c>dirtree</c> or <c>file</c>.</summary>
    public static string Name(this ObjectType t) => t == ObjectType.File ? "file" : t.Extension(false);

    /// <summary>Parses an extension or type name (<c>commit</c>, <c>filez</c>, ...).</summary>
    public static bool TryParse(string name, out ObjectType type)
    {
        foreach (var t in Enum.GetValues<ObjectType>())
        {
            if (name == t.Extension(false) || name == t.Extension(true))
            {
                type = t;
                return true;
            }
        }
        type = default;
        return false;
    }
}
