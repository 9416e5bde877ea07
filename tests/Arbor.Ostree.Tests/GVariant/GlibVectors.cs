// Byte vectors and printed forms produced by the real glib (g_variant_parse, g_variant_get_data,
// g_variant_print with and without type annotations) for a spread of types: every basic type,
// nested containers, maybes, variants and containers large enough to need 2-byte framing
// offsets. Arbor must read these bytes, write the same bytes back and print the same text.
namespace Arbor.Ostree.Tests.GVariant;

internal static class GlibVectors
{
    /// <summary>(type, serialized bytes as hex, g_variant_print(v, FALSE), g_variant_print(v, TRUE)).</summary>
    public static readonly (string Type, string Hex, string Print, string PrintAnnotated)[] All =
    [
        ("b", "01",
            "true",
            "true"),
        ("b", "00",
            "false",
            "false"),
        ("y", "05",
            "0x05",
            "byte 0x05"),
        ("n", "feff",
            "-2",
            "int16 -2"),
        ("q", "ffff",
            "65535",
            "uint16 65535"),
        ("i", "f9ffffff",
            "-7",
            "-7"),
        ("u", "05000000",
            "5",
            "uint32 5"),
        ("x", "00e68ee7fdffffff",
            "-9000000000",
            "int64 -9000000000"),
        ("t", "ffffffffffffffff",
            "18446744073709551615",
            "uint64 18446744073709551615"),
        ("h", "03000000",
            "3",
            "handle 3"),
        ("d", "9a9999999999b93f",
            "0.10000000000000001",
            "0.10000000000000001"),
        ("d", "408cb5781daf1544",
            "1e+20",
            "1e+20"),
        ("d", "00000000000004c0",
            "-2.5",
            "-2.5"),
        ("d", "0000000000000840",
            "3.0",
            "3.0"),
        ("d", "48afbc9af2d77a3e",
            "9.9999999999999995e-08",
            "9.9999999999999995e-08"),
        ("s", "68656c6c6f00",
            "'hello'",
            "'hello'"),
        ("s", "00",
            "''",
            "''"),
        ("s", "6974277300",
            "\"it's\"",
            "\"it's\""),
        ("s", "697427732022712200",
            "\"it's \\\"q\\\"\"",
            "\"it's \\\"q\\\"\""),
        ("s", "746162096865726500",
            "'tab\\there'",
            "'tab\\there'"),
        ("s", "6261636b5c736c61736800",
            "'back\\\\slash'",
            "'back\\\\slash'"),
        ("s", "c3bc6ec3af63c3b864c3a92de5908de5898d00",
            "'ünïcødé-名前'",
            "'ünïcødé-名前'"),
        ("o", "2f6f72672f676e6f6d6500",
            "'/org/gnome'",
            "objectpath '/org/gnome'"),
        ("g", "617b73767d00",
            "'a{sv}'",
            "signature 'a{sv}'"),
        ("as", "690063616e0068617300737472696e67733f0002060a13",
            "['i', 'can', 'has', 'strings?']",
            "['i', 'can', 'has', 'strings?']"),
        ("as", "",
            "[]",
            "@as []"),
        ("ai", "0100000002000000",
            "[1, 2]",
            "[1, 2]"),
        ("ai", "",
            "[]",
            "@ai []"),
        ("ay", "01020003",
            "[0x01, 0x02, 0x00, 0x03]",
            "[byte 0x01, 0x02, 0x00, 0x03]"),
        ("ay", "61626300",
            "b'abc'",
            "b'abc'"),
        ("ay", "00",
            "b''",
            "b''"),
        ("ay", "610a6200",
            "b'a\\nb'",
            "b'a\\nb'"),
        ("ay", "6974277300",
            "b\"it's\"",
            "b\"it's\""),
        ("ay", "",
            "[]",
            "@ay []"),
        ("ay", "00",
            "b''",
            "b''"),
        ("(sy)", "666f6f00ff04",
            "('foo', 0xff)",
            "('foo', byte 0xff)"),
        ("(s)", "666f6f00",
            "('foo',)",
            "('foo',)"),
        ("()", "00",
            "()",
            "()"),
        ("(())", "00",
            "((),)",
            "((),)"),
        ("a()", "0000",
            "[(), ()]",
            "[(), ()]"),
        ("(yi)", "0100000002000000",
            "(0x01, 2)",
            "(byte 0x01, 2)"),
        ("(iy)", "0200000001000000",
            "(2, 0x01)",
            "(2, byte 0x01)"),
        ("(yty)", "010000000000000002000000000000000300000000000000",
            "(0x01, 2, 0x03)",
            "(byte 0x01, uint64 2, byte 0x03)"),
        ("(sss)", "6100626300646566000502",
            "('a', 'bc', 'def')",
            "('a', 'bc', 'def')"),
        ("(qsy)", "010078000204",
            "(1, 'x', 0x02)",
            "(uint16 1, 'x', byte 0x02)"),
        ("v", "78000073",
            "<'x'>",
            "<'x'>"),
        ("v", "780000287329",
            "<('x',)>",
            "<('x',)>"),
        ("v", "0500000000750076",
            "<<uint32 5>>",
            "<<uint32 5>>"),
        ("av", "010000000069000074776f000073000003000000006169060e17",
            "[<1>, <'two'>, <[3]>]",
            "[<1>, <'two'>, <[3]>]"),
        ("a{sv}", "6100000000000000050000000075020f",
            "{'a': <uint32 5>}",
            "{'a': <uint32 5>}"),
        ("a{sv}", "",
            "{}",
            "@a{sv} {}"),
        ("a{sv}", "780000000000000001000000000000000078020000000000797900000000000070007100020400617303000000000000656d" +
            "70747900000000617306132a3c",
            "{'x': <int64 1>, 'yy': <['p', 'q']>, 'empty': <@as []>}",
            "{'x': <int64 1>, 'yy': <['p', 'q']>, 'empty': <@as []>}"),
        ("a{is}", "010000006f6e65000200000074776f000810",
            "{1: 'one', 2: 'two'}",
            "{1: 'one', 2: 'two'}"),
        ("{ss}", "6b00760002",
            "{'k', 'v'}",
            "{'k', 'v'}"),
        ("ms", "",
            "nothing",
            "@ms nothing"),
        ("ms", "780000",
            "'x'",
            "@ms 'x'"),
        ("mi", "",
            "nothing",
            "@mi nothing"),
        ("mi", "05000000",
            "5",
            "@mi 5"),
        ("mmi", "00",
            "just nothing",
            "@mmi just nothing"),
        ("mmi", "0500000000",
            "5",
            "@mmi 5"),
        ("mmms", "0000",
            "just just nothing",
            "@mmms just just nothing"),
        ("ams", "610000000303",
            "[nothing, 'a', nothing]",
            "[@ms nothing, 'a', nothing]"),
        ("ami", "0100000003000000040408",
            "[1, nothing, 3]",
            "[@mi 1, nothing, 3]"),
        ("mas", "61000200",
            "['a']",
            "@mas ['a']"),
        ("(msmi)", "00",
            "(nothing, nothing)",
            "(@ms nothing, @mi nothing)"),
        ("a(say)", "61000102626300020303040a",
            "[('a', [0x01]), ('bc', [0x02, 0x03])]",
            "[('a', [byte 0x01]), ('bc', [0x02, 0x03])]"),
        ("a(us)", "010000007800000002000000797900060f",
            "[(1, 'x'), (2, 'yy')]",
            "[(uint32 1, 'x'), (2, 'yy')]"),
        ("aai", "010000000200000003000000080c0c",
            "[[1, 2], [3], []]",
            "[[1, 2], [3], []]"),
        ("aas", "610002620063000204030309",
            "[['a'], [], ['b', 'c']]",
            "[['a'], [], ['b', 'c']]"),
        ("(a{sv}ays)", "78000000",
            "({}, [], 'x')",
            "(@a{sv} {}, @ay [], 'x')"),
        ("(sa{sv}ay)", "7800000000000000050802",
            "('x', {}, [0x05])",
            "('x', @a{sv} {}, [byte 0x05])"),
        ("a(yx)", "0100000000000000020000000000000003000000000000000400000000000000",
            "[(0x01, 2), (0x03, 4)]",
            "[(byte 0x01, int64 2), (0x03, 4)]"),
        ("a{sv}", "6f73747265652e7265662d62696e64696e670000000000006d61696e00050061731300000000000076657273696f6e00312e30000073082237",
            "{'ostree.ref-binding': <['main']>, 'version': <'1.0'>}",
            "{'ostree.ref-binding': <['main']>, 'version': <'1.0'>}"),
        ("as", "7330303000733030310073303032007330303300733030340073303035007330303600733030370073303038007330303900" +
            "7330313000733031310073303132007330313300733031340073303135007330313600733031370073303138007330313900" +
            "7330323000733032310073303232007330323300733032340073303235007330323600733032370073303238007330323900" +
            "7330333000733033310073303332007330333300733033340073303335007330333600733033370073303338007330333900" +
            "7330343000733034310073303432007330343300733034340073303435007330343600733034370073303438007330343900" +
            "7330353000733035310073303532007330353300733035340073303535007330353600733035370073303538007330353900" +
            "05000a000f00140019001e00230028002d00320037003c00410046004b00500055005a005f00640069006e00730078007d00" +
            "820087008c00910096009b00a000a500aa00af00b400b900be00c300c800cd00d200d700dc00e100e600eb00f000f500fa00" +
            "ff00040109010e01130118011d01220127012c01",
            "['s000', 's001', 's002', 's003', 's004', 's005', 's006', 's007', 's008', 's009', 's010', 's011', 's012', 's013', 's014', 's015', 's016', 's017', 's018', 's019', 's020', 's021', 's022', 's023', 's024', 's025', 's026', 's027', 's028', 's029', 's030', 's031', 's032', 's033', 's034', 's035', 's036', 's037', 's038', 's039', 's040', 's041', 's042', 's043', 's044', 's045', 's046', 's047', 's048', 's049', 's050', 's051', 's052', 's053', 's054', 's055', 's056', 's057', 's058', 's059']",
            "['s000', 's001', 's002', 's003', 's004', 's005', 's006', 's007', 's008', 's009', 's010', 's011', 's012', 's013', 's014', 's015', 's016', 's017', 's018', 's019', 's020', 's021', 's022', 's023', 's024', 's025', 's026', 's027', 's028', 's029', 's030', 's031', 's032', 's033', 's034', 's035', 's036', 's037', 's038', 's039', 's040', 's041', 's042', 's043', 's044', 's045', 's046', 's047', 's048', 's049', 's050', 's051', 's052', 's053', 's054', 's055', 's056', 's057', 's058', 's059']"),
        ("(sssssssssssssssssssssssssssss)", "7800787800787878007878787800787878787800787878787878007878787878787800787878787878787800787878787878" +
            "7878780078787878787878787878007878787878787878787878007878787878787878787878780078787878787878787878" +
            "7878780078787878787878787878787878780078787878787878787878787878787800787878787878787878787878787878" +
            "7800787878787878787878787878787878787800787878787878787878787878787878787878007878787878787878787878" +
            "7878787878787878007878787878787878787878787878787878787878007878787878787878787878787878787878787878" +
            "7800787878787878787878787878787878787878787878780078787878787878787878787878787878787878787878780078" +
            "7878787878787878787878787878787878787878787878007878787878787878787878787878787878787878787878787800" +
            "7878787878787878787878787878787878787878787878787878007878787878787878787878787878787878787878787878" +
            "7878787800787878787878787878787878787878787878787878787878787878780078787878787878787878787878787878" +
            "7878787878787878787878787800b201950179015e0144012b011301fc00e600d100bd00aa0098008700770068005a004d00" +
            "410036002c0023001b0014000e00090005000200",
            "('x', 'xx', 'xxx', 'xxxx', 'xxxxx', 'xxxxxx', 'xxxxxxx', 'xxxxxxxx', 'xxxxxxxxx', 'xxxxxxxxxx', 'xxxxxxxxxxx', 'xxxxxxxxxxxx', 'xxxxxxxxxxxxx', 'xxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx')",
            "('x', 'xx', 'xxx', 'xxxx', 'xxxxx', 'xxxxxx', 'xxxxxxx', 'xxxxxxxx', 'xxxxxxxxx', 'xxxxxxxxxx', 'xxxxxxxxxxx', 'xxxxxxxxxxxx', 'xxxxxxxxxxxxx', 'xxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx')"),
        ("a(su)", "0000000000000000010000006b00000001000000020000006b6b000002000000030000006b6b6b0003000000040000006b6b" +
            "6b6b0000000004000000050000006b6b6b6b6b00000005000000060000006b6b6b6b6b6b0000060000000700000000000000" +
            "07000000010000006b00000008000000020000006b6b000009000000030000006b6b6b000a000000040000006b6b6b6b0000" +
            "00000b000000050000006b6b6b6b6b0000000c000000060000006b6b6b6b6b6b00000d00000007000000000000000e000000" +
            "010000006b0000000f000000020000006b6b000010000000030000006b6b6b0011000000040000006b6b6b6b000000001200" +
            "0000050000006b6b6b6b6b00000013000000060000006b6b6b6b6b6b00001400000007000000000000001500000001000000" +
            "6b00000016000000020000006b6b000017000000030000006b6b6b0018000000040000006b6b6b6b00000000190000000500" +
            "00006b6b6b6b6b0000001a000000060000006b6b6b6b6b6b00001b00000007000000000000001c000000010000006b000000" +
            "1d000000020000006b6b00001e000000030000006b6b6b001f000000040000006b6b6b6b0000000020000000050000006b6b" +
            "6b6b6b00000021000000060000006b6b6b6b6b6b000022000000070000000000000023000000010000006b00000024000000" +
            "020000006b6b000025000000030000006b6b6b0026000000040000006b6b6b6b0000000027000000050000006b6b6b6b6b00" +
            "000028000000060000006b6b6b6b6b6b00002900000007000000000000002a000000010000006b0000002b00000002000000" +
            "6b6b00002c000000030000006b6b6b002d000000040000006b6b6b6b000000002e000000050000006b6b6b6b6b0000002f00" +
            "0000060000006b6b6b6b6b6b000030000000070000000000000031000000010900150021002d003d004d005d006900750081" +
            "008d009d00ad00bd00c900d500e100ed00fd000d011d012901350141014d015d016d017d0189019501a101ad01bd01cd01dd" +
            "01e901f50101020d021d022d023d024902550261026d027d028d029d02a902",
            "[('', 0), ('k', 1), ('kk', 2), ('kkk', 3), ('kkkk', 4), ('kkkkk', 5), ('kkkkkk', 6), ('', 7), ('k', 8), ('kk', 9), ('kkk', 10), ('kkkk', 11), ('kkkkk', 12), ('kkkkkk', 13), ('', 14), ('k', 15), ('kk', 16), ('kkk', 17), ('kkkk', 18), ('kkkkk', 19), ('kkkkkk', 20), ('', 21), ('k', 22), ('kk', 23), ('kkk', 24), ('kkkk', 25), ('kkkkk', 26), ('kkkkkk', 27), ('', 28), ('k', 29), ('kk', 30), ('kkk', 31), ('kkkk', 32), ('kkkkk', 33), ('kkkkkk', 34), ('', 35), ('k', 36), ('kk', 37), ('kkk', 38), ('kkkk', 39), ('kkkkk', 40), ('kkkkkk', 41), ('', 42), ('k', 43), ('kk', 44), ('kkk', 45), ('kkkk', 46), ('kkkkk', 47), ('kkkkkk', 48), ('', 49)]",
            "[('', uint32 0), ('k', 1), ('kk', 2), ('kkk', 3), ('kkkk', 4), ('kkkkk', 5), ('kkkkkk', 6), ('', 7), ('k', 8), ('kk', 9), ('kkk', 10), ('kkkk', 11), ('kkkkk', 12), ('kkkkkk', 13), ('', 14), ('k', 15), ('kk', 16), ('kkk', 17), ('kkkk', 18), ('kkkkk', 19), ('kkkkkk', 20), ('', 21), ('k', 22), ('kk', 23), ('kkk', 24), ('kkkk', 25), ('kkkkk', 26), ('kkkkkk', 27), ('', 28), ('k', 29), ('kk', 30), ('kkk', 31), ('kkkk', 32), ('kkkkk', 33), ('kkkkkk', 34), ('', 35), ('k', 36), ('kk', 37), ('kkk', 38), ('kkkk', 39), ('kkkkk', 40), ('kkkkkk', 41), ('', 42), ('k', 43), ('kk', 44), ('kkk', 45), ('kkkk', 46), ('kkkkk', 47), ('kkkkkk', 48), ('', 49)]"),
        ("as", "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "616100fd",
            "['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']",
            "['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']"),
        ("as", "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "61616100fe",
            "['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']",
            "['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']"),
        ("as", "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161" +
            "6161616100ff00",
            "['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']",
            "['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']"),
        ("(ss)", "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "006300fb",
            "('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'c')",
            "('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'c')"),
        ("(ss)", "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "6262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262626262" +
            "626262006300fe00",
            "('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'c')",
            "('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'c')"),
    ];
}
