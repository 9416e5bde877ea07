// The treefile's `remove-from-packages`: [[PACKAGE, REGEX…]…] drops a package's files whose path
// in the tree (ostree form with a leading slash: /usr/etc/…, /usr/share/…) matches any of the
// regular expressions, as rpm-ostree's checkout filter does (an unanchored match, so "^" and "$"
// are the author's to write). A path another package of the transaction also ships stays, since
// rpm-ostree only skips the filtered package's copy of it. The rpmdb is left alone, as there
// (rpm -V reports the removed files missing).
using System.Text.RegularExpressions;
using Arbor.Compose.Import;

namespace Arbor.Compose.Assemble;

/// <summary>Applies <c>remove-from-packages</c> to an assembled tree.</summary>
public static class RemoveFromPackages
{
    /// <summary>
    /// Deletes the matching files of the named packages from <paramref name="root"/>; returns the
    /// removed paths in the order they were removed.
    /// </summary>
    /// <param name="root">The assembled tree (with /usr/etc, as checked out).</param>
    /// <param name="packages">Every package of the transaction.</param>
    /// <param name="rules">Each rule: a package name, then its regular expressions.</param>
    /// <exception cref="ComposeException">A rule is empty or a regular expression does not parse.</exception>
    public static IReadOnlyList<string> Apply(string root, IReadOnlyList<PackageCommit> packages, IReadOnlyList<IReadOnlyList<string>> rules)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(packages);
        ArgumentNullException.ThrowIfNull(rules);
        var byPackage = new Dictionary<string, List<Regex>>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (rule.Count < 2)
                throw new ComposeException("remove-from-packages: each entry needs a package name and at least one regular expression");
            if (!byPackage.TryGetValue(rule[0], out var list))
                byPackage[rule[0]] = list = [];
            foreach (string pattern in rule.Skip(1))
            {
                try
                {
                    list.Add(new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
                }
                catch (ArgumentException e)
                {
                    throw new ComposeException($"remove-from-packages: '{rule[0]}': invalid regular expression '{pattern}': {e.Message}");
                }
            }
        }
        if (byPackage.Count == 0)
            return [];

        var paths = packages.ToDictionary(p => p, TreePaths);
        // How many packages ship each path: a path with more than one owner stays.
        var owners = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var list in paths.Values)
        {
            foreach (var (path, _) in list)
                owners[path] = owners.GetValueOrDefault(path) + 1;
        }
        var removed = new List<string>();
        foreach (var package in packages)
        {
            if (!byPackage.TryGetValue(package.Name, out var regexes))
                continue;
            // Deepest paths first, so a directory is looked at after what it held.
            foreach (var (path, isDirectory) in paths[package].OrderByDescending(f => f.Path, StringComparer.Ordinal))
            {
                if (owners[path] > 1 || !regexes.Any(r => r.IsMatch(path)))
                    continue;
                string full = Path.Combine(root, path.TrimStart('/'));
                if (isDirectory)
                {
                    if (Directory.Exists(full) && new DirectoryInfo(full).LinkTarget is null && !Directory.EnumerateFileSystemEntries(full).Any())
                    {
                        Directory.Delete(full);
                        removed.Add(path);
                    }
                }
                else if (new FileInfo(full).LinkTarget is not null || File.Exists(full))
                {
                    File.Delete(full);
                    removed.Add(path);
                }
            }
        }
        return removed;
    }

    // The package's files as they sit in the tree: "/" + the ostree form of the rpm path.
    private static List<(string Path, bool IsDirectory)> TreePaths(PackageCommit package)
    {
        using var rpm = package.OpenHeaders();
        var result = new List<(string, bool)>();
        foreach (var file in rpm.Info.Files)
        {
            string relative = file.Path.TrimStart('/');
            if (relative.Length == 0)
                continue;
            result.Add(("/" + OstreePaths.Translate(relative), file.Type == 0x4000));
        }
        return result;
    }
}
