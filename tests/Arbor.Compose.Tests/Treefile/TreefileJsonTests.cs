// ToJson against text derived by hand from rpm-ostree's serialization rules (serde_json pretty
// printing of TreeComposeConfig: set keys only, struct field order, sorted maps and sets).
namespace Arbor.Compose.Tests.Treefile;

public class TreefileJsonTests
{
    [Fact]
    public void The_expanded_treefile_prints_as_rpm_ostree_print_only_does()
    {
        using var dir = new TreefileDir();
        dir.Write("main.yaml", """
            ref: exampleos/${basearch}/${stream}
            releasever: 40
            variables:
              stream: stable
            repos:
              - base
            packages:
              - kernel systemd
              - "'podman >= 4.1'"
            packages-x86_64:
              - grub2
            packages-aarch64:
              - uboot
            include: common.yaml
            postprocess:
              - echo main
            add-commit-metadata:
              version-note: "built for ${releasever}"
              count: 3
            automatic-version-prefix: "${releasever}.<date:%Y%m%d>"
            """);
        dir.Write("common.yaml", """
            repos:
              - updates
            packages:
              - bash
            selinux: false
            ref: ignored
            postprocess:
              - echo common
            units:
              - sshd.service
            check-passwd:
              type: data
              entries:
                root: 0
                bin: [1]
                adm: [3, 4]
            """);
        const string expected = """
            {
              "packages": [
                "bash",
                "grub2",
                "kernel",
                "podman >= 4.1",
                "systemd"
              ],
              "ref": "exampleos/x86_64/stable",
              "basearch": "x86_64",
              "repos": [
                "updates",
                "base"
              ],
              "selinux": false,
              "units": [
                "sshd.service"
              ],
              "releasever": 40,
              "automatic-version-prefix": "40.<date:%Y%m%d>",
              "check-passwd": {
                "type": "data",
                "entries": {
                  "adm": [
                    3,
                    4
                  ],
                  "bin": [
                    1
                  ],
                  "root": 0
                }
              },
              "postprocess": [
                "echo common",
                "echo main"
              ],
              "add-commit-metadata": {
                "count": 3,
                "version-note": "built for 40"
              }
            }
            """;
        var t = dir.Load("main.yaml");
        Assert.Equal(expected, t.ToJson());
        // Deterministic: the same input gives the same bytes.
        Assert.Equal(t.ToJson(), dir.Load("main.yaml").ToJson());
    }

    [Fact]
    public void Every_kind_of_key_prints_in_field_order_with_its_spelling()
    {
        using var dir = new TreefileDir();
        dir.Write("f.txt", "x");
        dir.Write("post.sh", "#!/bin/sh\n");
        dir.Write("t.json", """
            {
              "container-cmd": ["/bin/sh"],
              "rpmdb": "b-d-b",
              "add-files": [["f.txt", "/usr/share/f"]],
              "remove-from-packages": [["p", "/a"]],
              "postprocess-script": "post.sh",
              "check-groups": {"type": "none"},
              "opt-usrlocal": "stateoverlay",
              "boot_location": "kernel-install",
              "edition": "2024",
              "releasever": "rawhide",
              "metadata": {"z": [1.5, 1e20, null, true], "a": {"y": "\u0001\"é😀"}},
              "repo-packages": [{"repo": "r", "packages": ["b a"]}],
              "packages": []
            }
            """);
        const string expected = """
            {
              "packages": [],
              "repo-packages": [
                {
                  "repo": "r",
                  "packages": [
                    "a",
                    "b"
                  ]
                }
              ],
              "edition": "2024",
              "metadata": {
                "a": {
                  "y": "\u0001\"é😀"
                },
                "z": [
                  1.5,
                  1e20,
                  null,
                  true
                ]
              },
              "basearch": "x86_64",
              "boot-location": "kernel-install",
              "tmp-is-dir": true,
              "opt-usrlocal": "state-overlay",
              "releasever": "rawhide",
              "check-groups": {
                "type": "none"
              },
              "postprocess-script": "post.sh",
              "add-files": [
                [
                  "f.txt",
                  "/usr/share/f"
                ]
              ],
              "remove-from-packages": [
                [
                  "p",
                  "/a"
                ]
              ],
              "rpmdb": "bdb",
              "container-cmd": [
                "/bin/sh"
              ]
            }
            """;
        Assert.Equal(expected, dir.Load("t.json").ToJson());
    }

    [Theory]
    [InlineData("1.5", "1.5")]
    [InlineData("1.0", "1.0")]
    [InlineData("100.0", "100.0")]
    [InlineData("1e20", "1e20")]
    [InlineData("1e16", "1e16")]
    [InlineData("1e15", "1000000000000000.0")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "0.00001")]
    [InlineData("0.000001", "1e-6")]
    [InlineData("1.5e-7", "1.5e-7")]
    [InlineData("-2.25", "-2.25")]
    [InlineData("123456789012345678.0", "1.2345678901234568e17")]
    [InlineData("0.1", "0.1")]
    [InlineData(".nan", "null")]
    public void Floats_print_as_serde_json_prints_them(string yaml, string json) =>
        Assert.Equal(json, Arbor.Compose.Treefile.TreefileJson.SerdeFloat(yaml));
}
