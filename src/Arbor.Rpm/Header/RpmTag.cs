// The tag numbers of rpm's header format (rpmtag.h), for the main header and the signature
// header. Readers look values up by these numbers; the writer emits them; names are used when
// a header is dumped for people. Only numbers are defined here, no behaviour.
namespace Arbor.Rpm.Header;

/// <summary>The data types of header entries.</summary>
public enum HeaderType : uint
{
    /// <summary>No data.</summary>
    Null = 0,
    /// <summary>Characters (bytes).</summary>
    Char = 1,
    /// <summary>8-bit integers.</summary>
    Int8 = 2,
    /// <summary>16-bit big-endian integers.</summary>
    Int16 = 3,
    /// <summary>32-bit big-endian integers.</summary>
    Int32 = 4,
    /// <summary>64-bit big-endian integers.</summary>
    Int64 = 5,
    /// <summary>One NUL-terminated string.</summary>
    String = 6,
    /// <summary>Opaque bytes.</summary>
    Bin = 7,
    /// <summary>NUL-terminated strings.</summary>
    StringArray = 8,
    /// <summary>One string per locale of HEADERI18NTABLE.</summary>
    I18nString = 9,
}

/// <summary>Main header tags (RPMTAG_*), including the region tags.</summary>
public enum RpmTag
{
#pragma warning disable CS1591 // the names are rpm's own and self-describing
    HeaderImage = 61, HeaderSignatures = 62, HeaderImmutable = 63, HeaderRegions = 64, HeaderI18nTable = 100,
    SigSize = 257, SigPgp = 259, SigMd5 = 261, SigGpg = 262, PubKeys = 266, DsaHeader = 267, RsaHeader = 268,
    Sha1Header = 269, LongSigSize = 270, LongArchiveSize = 271, Sha256Header = 273,
    Name = 1000, Version = 1001, Release = 1002, Epoch = 1003, Summary = 1004, Description = 1005,
    BuildTime = 1006, BuildHost = 1007, InstallTime = 1008, Size = 1009, Distribution = 1010, Vendor = 1011,
    License = 1014, Packager = 1015, Group = 1016, Changelog = 1017, Url = 1020, Os = 1021, Arch = 1022,
    PreIn = 1023, PostIn = 1024, PreUn = 1025, PostUn = 1026, OldFileNames = 1027, FileSizes = 1028,
    FileStates = 1029, FileModes = 1030, FileRdevs = 1033, FileMtimes = 1034, FileDigests = 1035,
    FileLinkTos = 1036, FileFlags = 1037, FileUserName = 1039, FileGroupName = 1040, SourceRpm = 1044,
    FileVerifyFlags = 1045, ArchiveSize = 1046, ProvideName = 1047, RequireFlags = 1048, RequireName = 1049,
    RequireVersion = 1050, ConflictFlags = 1053, ConflictName = 1054, ConflictVersion = 1055,
    RpmVersion = 1064, TriggerScripts = 1065, TriggerName = 1066, TriggerVersion = 1067, TriggerFlags = 1068,
    TriggerIndex = 1069, VerifyScript = 1079, ChangelogTime = 1080, ChangelogName = 1081, ChangelogText = 1082,
    PreInProg = 1085, PostInProg = 1086, PreUnProg = 1087, PostUnProg = 1088, ObsoleteName = 1090,
    VerifyScriptProg = 1091, TriggerScriptProg = 1092, Cookie = 1094, FileDevices = 1095, FileInodes = 1096,
    FileLangs = 1097, Prefixes = 1098, ProvideFlags = 1112, ProvideVersion = 1113, ObsoleteFlags = 1114,
    ObsoleteVersion = 1115, DirIndexes = 1116, BaseNames = 1117, DirNames = 1118, OptFlags = 1122,
    PayloadFormat = 1124, PayloadCompressor = 1125, PayloadFlags = 1126, Platform = 1132, FileColors = 1140,
    FileClass = 1141, ClassDict = 1142, FileDependsX = 1143, FileDependsN = 1144, DependsDict = 1145,
    SourcePkgId = 1146, PreTrans = 1151, PostTrans = 1152, PreTransProg = 1153, PostTransProg = 1154,
    LongFileSizes = 5008, LongSize = 5009, FileCaps = 5010, FileDigestAlgo = 5011, BugUrl = 5012,
    PreInFlags = 5020, PostInFlags = 5021, PreUnFlags = 5022, PostUnFlags = 5023, PreTransFlags = 5024,
    PostTransFlags = 5025, VerifyScriptFlags = 5026, TriggerScriptFlags = 5027,
    RecommendName = 5046, RecommendVersion = 5047, RecommendFlags = 5048,
    SuggestName = 5049, SuggestVersion = 5050, SuggestFlags = 5051,
    SupplementName = 5052, SupplementVersion = 5053, SupplementFlags = 5054,
    EnhanceName = 5055, EnhanceVersion = 5056, EnhanceFlags = 5057, Encoding = 5062,
    PayloadDigest = 5092, PayloadDigestAlgo = 5093, PayloadDigestAlt = 5097,
    FileTriggerScripts = 5066, FileTriggerScriptProg = 5067, FileTriggerScriptFlags = 5068, FileTriggerName = 5069,
    FileTriggerIndex = 5070, FileTriggerVersion = 5071, FileTriggerFlags = 5072,
    TransFileTriggerScripts = 5076, TransFileTriggerScriptProg = 5077, TransFileTriggerScriptFlags = 5078,
    TransFileTriggerName = 5079, TransFileTriggerIndex = 5080, TransFileTriggerVersion = 5081, TransFileTriggerFlags = 5082,
#pragma warning restore CS1591
}

/// <summary>Signature header tags (RPMSIGTAG_*).</summary>
public static class SigTag
{
    /// <summary>Header + compressed payload size (int32).</summary>
    public const int Size = 1000;
    /// <summary>Legacy PGP signature.</summary>
    public const int Pgp = 1002;
    /// <summary>MD5 over header + compressed payload (bin, 16 bytes).</summary>
    public const int Md5 = 1004;
    /// <summary>Legacy GPG signature.</summary>
    public const int Gpg = 1005;
    /// <summary>Uncompressed payload size (int32).</summary>
    public const int PayloadSize = 1007;
    /// <summary>Space reserved for signatures added later.</summary>
    public const int ReservedSpace = 1008;
    /// <summary>DSA header signature.</summary>
    public const int Dsa = 267;
    /// <summary>RSA header signature.</summary>
    public const int Rsa = 268;
    /// <summary>SHA-1 of the main header (hex string).</summary>
    public const int Sha1 = 269;
    /// <summary>64-bit header + payload size.</summary>
    public const int LongSize = 270;
    /// <summary>64-bit uncompressed payload size.</summary>
    public const int LongArchiveSize = 271;
    /// <summary>SHA-256 of the main header (hex string).</summary>
    public const int Sha256 = 273;
}
