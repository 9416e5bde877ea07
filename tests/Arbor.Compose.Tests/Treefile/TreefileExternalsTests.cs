// What a treefile brings in from outside its text: the files that go into the compose input hash
// (in rpm-ostree's order) and the finalize.d scripts beside each treefile.
namespace Arbor.Compose.Tests.Treefile;

public class TreefileExternalsTests
{
    [Fact]
    public void The_input_hash_covers_compact_json_without_layers_or_metadata_then_external_files()
    {
        using var dir = new TreefileDir();
        dir.Write("post.sh", "POST");
        dir.Write("b", "BEE");
        dir.Write("a", "AY");
        dir.Write("t.yaml", "ref: r\npackages: [p]\nmetadata: {x: y}\nostree-layers: [l]\nostree-override-layers: [o]\npostprocess-script: post.sh\nadd-files: [[b, /etc/b], [a, /etc/a]]\n");
        using var hasher = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        dir.Load("t.yaml").AppendInputHash(hasher);
        const string json = """{"packages":["p"],"ref":"r","basearch":"x86_64","ostree-override-layers":["o"],"postprocess-script":"post.sh","add-files":[["b","/etc/b"],["a","/etc/a"]]}""";
        byte[] expected = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json + "POST" + "AY" + "BEE"));
        Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(hasher.GetHashAndReset()));
    }

    [Fact]
    public void Finalize_d_scripts_are_the_executables_beside_each_treefile()
    {
        using var dir = new TreefileDir();
        dir.Write("t.yaml", "ref: r\ninclude: sub/i.yaml\n");
        dir.Write("sub/i.yaml", "packages: [a]\n");
        foreach (var (name, exec) in new[] { ("finalize.d/10-top", true), ("finalize.d/20-same", true), ("finalize.d/README", false), ("sub/finalize.d/20-same", true) })
        {
            string p = dir.Write(name, "#!/bin/sh\n");
            if (exec)
                File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var scripts = dir.Load("t.yaml").FinalizeD;
        Assert.Equal([("10-top", Path.Combine(dir.Path, "finalize.d/10-top")), ("20-same", Path.Combine(dir.Path, "sub/finalize.d/20-same"))], scripts);
    }
}
