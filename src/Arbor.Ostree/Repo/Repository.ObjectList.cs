// Enumerating loose objects by walking objects/XX/; fsck, prune and rev-parse --single use it.
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

public sealed partial class Repository
{
    /// <summary>Every loose object of the given type.</summary>
    public IEnumerable<Checksum> ListObjects(ObjectType type)
    {
        foreach (var name in ListAllObjects())
        {
            if (name.Type == type)
                yield return name.Checksum;
        }
    }

    /// <summary>Every loose object in the repository.</summary>
    public IEnumerable<ObjectName> ListAllObjects()
    {
        if (!Directory.Exists(ObjectsDir))
            yield break;
        foreach (var sub in Directory.EnumerateDirectories(ObjectsDir))
        {
            var prefix = System.IO.Path.GetFileName(sub);
            if (prefix.Length != 2)
                continue;
            foreach (var f in Directory.EnumerateFiles(sub))
            {
                var file = System.IO.Path.GetFileName(f);
                int dot = file.IndexOf('.');
                if (dot != 62 || !ObjectTypes.TryParse(file[(dot + 1)..], out var type))
                    continue;
                if (Checksum.TryParse(prefix + file[..dot], out var c))
                    yield return new ObjectName(c, type);
            }
        }
    }
}
