// The /etc three-way merge of a new deployment. This version is a stand-in that copies the new
// defaults; the real merge (old defaults vs old /etc applied onto the new defaults) replaces this
// file with the same signature.
namespace Arbor.Ostree.Sysroot;

/// <summary>/etc merge for a new deployment.</summary>
public static class EtcMerge
{
    /// <summary>Creates <paramref name="newEtc"/> from <paramref name="newDefaults"/> plus the local changes
    /// that <paramref name="oldEtc"/> has relative to <paramref name="oldDefaults"/>.</summary>
    /// <param name="oldDefaults">The previous deployment's usr/etc.</param>
    /// <param name="oldEtc">The previous deployment's etc.</param>
    /// <param name="newDefaults">The new deployment's usr/etc.</param>
    /// <param name="newEtc">The new deployment's etc (does not exist yet).</param>
    public static void Merge(string oldDefaults, string oldEtc, string newDefaults, string newEtc)
    {
        _ = oldDefaults;
        _ = oldEtc;
        TreeCopy.Copy(newDefaults, newEtc);
    }
}
